"""How many findings ``--try-fixes`` can address with a setting, and what the trials showed.

Runs ``dynotrace explain P --try-fixes -o P.json -q`` on each program (one at a time: each
run reruns P several times), then counts, over all findings of all programs: those a
setting of the run's torch can address (a candidate was tried or could be), and the best
verdict each got (a finding is *verified* when a verified trial made it cost less). A
recompile-limit hit, whose only candidate is a diagnostic, is counted apart.

    python bench/trials.py                          # sample_programs/ and tests/programs/corpus/
    python bench/trials.py --field                  # field/ (transformers), slower
    python bench/trials.py --programs a.py b.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dynotrace.api import load  # noqa: E402

#: Programs that need arguments, or run in no single process.
ARGS = {"takes_args": ["--epochs", "2"]}
SKIP = {"ddp_compile_wrapped", "tv_detection", "tv_resnet_train", "timm_model"}
ORDER = ("verified", "diagnostic", "worse", "no_effect", "failed", "not_tried", "unavailable")


def programs(args: argparse.Namespace) -> list[Path]:
    if args.programs:
        return [Path(p) for p in args.programs]
    if args.field:
        return sorted(p for p in (ROOT / "field").glob("*.py") if p.stem not in SKIP)
    return sorted((ROOT / "sample_programs").glob("*.py")) + sorted((ROOT / "tests" / "programs" / "corpus").glob("*.py"))


def best(verdicts: list[str]) -> str:
    return min(verdicts, key=ORDER.index) if verdicts else "not_tried"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", nargs="*")
    parser.add_argument("--field", action="store_true")
    parser.add_argument("--out", default="/tmp/dynotrace-bench-trials", help="where reports and trial logs go")
    parser.add_argument("--json", help="write the per-finding rows here")
    parser.add_argument("--max-trials", default="8")
    parser.add_argument("--backend", help="pass --backend to dynotrace (e.g. aot_eager for the field corpus)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    started = time.time()
    for program in programs(args):
        report_path = out / f"{program.stem}.json"
        cmd = [sys.executable, "-m", "dynotrace", "explain", "--try-fixes", "-o", str(report_path), "-q",
               "--max-trials", args.max_trials, "--trials-dir", str(out / program.stem)]
        if args.backend:
            cmd += ["--backend", args.backend]
        cmd += ["--", str(program.relative_to(ROOT)), *ARGS.get(program.stem, [])]
        t0 = time.time()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        (out / f"{program.stem}.stderr").write_text(proc.stderr)
        took = time.time() - t0
        if not report_path.is_file():
            print(f"{program.stem}: no report (exit {proc.returncode})", flush=True)
            continue
        trials = load(report_path).trials
        if trials is None:
            print(f"{program.stem}: no trials", flush=True)
            continue
        found: dict[str, dict[str, object]] = {}
        for trial in trials.trials:
            for target in trial.targets:
                row = found.setdefault(
                    target.finding.key,
                    {"program": program.stem, "finding": f"{target.finding.kind}: {target.finding.title}", "verdicts": [], "trials": []},
                )
                verdict = trial.verdict
                if verdict == "verified" and not (target.after is not None and target.before is not None and target.after < target.before):
                    verdict = "no_effect"  # verified for another finding of the same trial
                row["verdicts"].append(verdict)  # type: ignore[attr-defined]
                row["trials"].append(f"{trial.name}:{trial.verdict}")  # type: ignore[attr-defined]
        for change in trials.code_changes:
            found.setdefault(change.finding.key, {"program": program.stem, "finding": f"{change.finding.kind}: {change.finding.title}", "verdicts": ["code_change"], "trials": []})
        for row in found.values():
            verdicts = [v for v in row["verdicts"] if v != "code_change"]  # type: ignore[attr-defined]
            row["best"] = best(verdicts) if verdicts else "code_change"
            row["kind"] = "diagnostic" if row["finding"].startswith("recompile_limit") else "fix"  # type: ignore[attr-defined]
            rows.append(row)
            print(f"{program.stem:32s} {row['best']:12s} {row['finding'][:60]:60s} {' '.join(row['trials'])}", flush=True)  # type: ignore[arg-type]
        print(f"  ({took:.0f} s)", flush=True)
    fixable = [r for r in rows if r["kind"] == "fix" and r["best"] != "code_change"]
    counts = {v: sum(1 for r in fixable if r["best"] == v) for v in ORDER}
    print()
    print(f"findings: {len(rows)}; a setting can address {len(fixable)}; needs a code change "
          f"{sum(1 for r in rows if r['best'] == 'code_change')}; recompile-limit (diagnostic only) "
          f"{sum(1 for r in rows if r['kind'] == 'diagnostic')}")
    print("| verdict | findings | share of addressable |")
    print("| --- | --- | --- |")
    for v, n in counts.items():
        if n:
            print(f"| {v} | {n} | {100 * n / max(1, len(fixable)):.0f}% |")
    print(f"total time {time.time() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
