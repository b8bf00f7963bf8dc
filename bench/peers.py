"""Peer comparison with tlparse (PyPI package ``tlparse``), which reads the same events.

(a) End to end, per program: ``TORCH_TRACE=d python P`` followed by
    ``tlparse d/<log> -o out --overwrite --no-browser`` (A) vs
    ``dynotrace explain P -o out/report.yaml`` (B). Both end with a report on disk.
(b) Offline read of one large TORCH_TRACE log (>= 50 MB by default), made by
    ``bench/programs/many_frames.py`` (many compiled functions and recompiles, backend
    eager): ``tlparse big.log -o out --overwrite --no-browser`` (A) vs
    ``dynotrace explain --trace big.log -o r.yaml -q`` (B), B without ``-o`` (the log read,
    folded and explained, no report file written: what the issue's item 1 names), and B
    again with msgspec hidden (a ``msgspec`` module that fails to import, put first on
    PYTHONPATH): the reader's fallback, the standard library's json (``--no-json-only``
    skips it).
    ``--baseline CMD`` times another build in the same rounds; commands run in this
    checkout, where ``python -m dynotrace`` imports this checkout's dynotrace before any
    on PYTHONPATH, so give ``python -P -m dynotrace`` (3.11+) with the other checkout's
    PYTHONPATH. Targets (issue 23): B's user CPU time at most A's, B's wall time at most
    half A's.
    tlparse writes an HTML site (about 120 MB in 3,900 files for the default log), so its
    time depends on the file system much more than dynotrace's (one YAML file): its system
    time is mostly those writes and no yardstick, hence the user-CPU target; ``--scratch
    /dev/shm/x`` puts the log and both outputs on tmpfs. tlparse's output directory is
    deleted before each of its runs, outside the timing.

Every table gives user and system CPU, wall time and peak RSS of each side, and the
machine's 1-minute load average as its runs started: on a shared machine wall time
measures the queue, and user CPU time is inflated too when other jobs share the cores'
caches, so numbers are comparable only within one run (the sides alternate).

Without tlparse installed (``pip install tlparse``) the script says so and measures only
dynotrace's side of (b). The log is written into a temporary directory and deleted at the
end; ``--log FILE`` reuses an existing one (``--keep-log DIR`` keeps the one made).

    python bench/peers.py
    python bench/peers.py --repeats 7 --log /tmp/big/trace/dedicated_log_torch_trace_x.log
    python bench/peers.py --skip-end-to-end
    python bench/peers.py --skip-end-to-end --baseline "env PYTHONPATH=/old/checkout python -P -m dynotrace"
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from _common import (
    PROGRAMS,
    REPO,
    Sample,
    Variant,
    alternate,
    combine,
    dynotrace_cmd,
    fmt_mb,
    has_command,
    print_cpu_table,
    print_machine,
    print_table,
    python_cmd,
    ratio_line,
    ratios,
    run_timed,
    save_json,
    spread,
    tlparse_cmd,
)

DEFAULT_PROGRAMS = [
    "sample_programs/recompiles.py",
    "sample_programs/graph_break_print.py",
    "sample_programs/transformer_small.py",
    "sample_programs/inductor_small.py",
]
MANY_FRAMES = PROGRAMS / "many_frames.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", nargs="*", default=DEFAULT_PROGRAMS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--log", help="an existing large TORCH_TRACE log file to read (skips generating one)")
    parser.add_argument("--keep-log", metavar="DIR", help="generate the log into DIR and keep it")
    parser.add_argument("--many-frames-args", default="", help="arguments for many_frames.py, e.g. '--functions 40'")
    parser.add_argument("--min-mb", type=float, default=50, help="warn when the generated log is smaller (default 50)")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--no-json-only", action="store_true", help="do not also time the offline read without msgspec")
    parser.add_argument(
        "--baseline",
        metavar="CMD",
        help="also time this dynotrace command in the offline read, in the same rounds (a build before a "
        "change: 'env PYTHONPATH=/old/checkout python -P -m dynotrace')",
    )
    parser.add_argument("--scratch", metavar="DIR", help="where outputs (and a copy of --log) go; default: a temporary directory")
    parser.add_argument("--json")
    args = parser.parse_args()

    info = print_machine()
    tlparse = tlparse_cmd()
    if tlparse is None:
        print("\ntlparse is not installed (`pip install tlparse`): only dynotrace's side is measured.")
    raw: dict[str, object] = {"machine": info}
    with tempfile.TemporaryDirectory(prefix="dynotrace_peers_", dir=args.scratch) as tmp_name:
        tmp = Path(tmp_name)
        if not args.skip_end_to_end and tlparse is not None:
            raw["end_to_end"] = end_to_end(args, tlparse, tmp)
        if not args.skip_offline:
            raw["offline"] = offline(args, tlparse, tmp)
    save_json(args.json, raw)


def end_to_end(args: argparse.Namespace, tlparse: list[str], tmp: Path) -> dict[str, object]:
    # One Inductor cache for both sides, warmed by the warm-up runs (see overhead.py).
    env = {"TORCHINDUCTOR_CACHE_DIR": str(tmp / "inductor-cache")}
    rows, raw = [], {}
    variants: list[Variant] = []
    names: list[str] = []
    for program in args.programs:
        print(f"\n{program}", file=sys.stderr, flush=True)
        work = tmp / Path(program).stem
        work.mkdir()

        def trace_then_tlparse(program: str = program, work: Path = work) -> Sample:
            trace_dir = work / "trace"
            shutil.rmtree(trace_dir, ignore_errors=True)
            first = run_timed(python_cmd() + [program], env={**env, "TORCH_TRACE": str(trace_dir)}, cwd=REPO)
            logs = sorted(trace_dir.glob("*.log"))
            if not logs:
                sys.exit(f"TORCH_TRACE wrote no log for {program}")
            shutil.rmtree(work / "tl_out", ignore_errors=True)
            cmd = tlparse + [str(logs[0]), "-o", str(work / "tl_out"), "--overwrite", "--no-browser"]
            second = run_timed(cmd, cwd=work)
            return combine(first, second)

        dt_cmd = dynotrace_cmd() + ["explain", "-o", str(work / "report.yaml"), program]
        a = Variant("TORCH_TRACE + tlparse", trace_then_tlparse)
        b = Variant("dynotrace explain", lambda cmd=dt_cmd: run_timed(cmd, env=env, cwd=REPO))
        alternate([a, b], repeats=args.repeats, warmup=args.warmup)
        r, c = ratios(a, b), ratios(a, b, "user_s")
        rows.append([Path(program).name, spread(a).fmt(), spread(b).fmt(), f"{r.median:.3f}", f"{r.low:.3f}-{r.high:.3f}", f"{c.median:.3f}"])
        variants += [a, b]
        names.append(Path(program).name)
        raw[program] = {"tlparse": a.samples, "dynotrace": b.samples}
    print_table(
        ["program", "TORCH_TRACE python + tlparse", "dynotrace explain -o", "ratio dynotrace/tlparse", "min-max", "user cpu ratio"],
        rows,
        title=f"End to end, {args.repeats} alternating rounds (wall time, median [IQR])",
    )
    print_cpu_table(
        variants,
        title="The same runs: user and system CPU, wall, peak RSS, load average (medians [IQR])",
        first=("program", [n for n in names for _ in range(2)]),
    )
    return raw


def offline(args: argparse.Namespace, tlparse: list[str] | None, tmp: Path) -> dict[str, object]:
    log = Path(args.log) if args.log else generate_log(args, tmp)
    if args.log and args.scratch:
        log = Path(shutil.copy(log, tmp / log.name))
    size = log.stat().st_size
    print(f"\noffline read of {log} ({fmt_mb(size)})", flush=True)
    if size < args.min_mb * 1e6:
        print(f"  note: the log is smaller than {args.min_mb:g} MB")
    work = tmp / "offline"
    work.mkdir()
    variants: list[Variant] = []
    if tlparse is not None:
        tl_out = work / "tl_out"
        tl_cmd = tlparse + [str(log), "-o", str(tl_out), "--overwrite", "--no-browser"]

        def run_tlparse() -> Sample:
            shutil.rmtree(tl_out, ignore_errors=True)
            return run_timed(tl_cmd, cwd=work)

        variants.append(Variant("tlparse", run_tlparse))
    dt_args = ["explain", "--trace", str(log), "-o", str(work / "r.yaml"), "-q"]
    dt_cmd = dynotrace_cmd() + dt_args
    variants.append(Variant("dynotrace explain --trace", lambda: run_timed(dt_cmd, cwd=REPO)))
    # Reading and folding alone (issue 23's item 1 names them): the same read, folded and
    # explained, with no report file written and nothing printed.
    fold_cmd = dynotrace_cmd() + ["explain", "--trace", str(log), "-q"]
    variants.append(Variant("dynotrace, read and fold only (no -o)", lambda: run_timed(fold_cmd, cwd=REPO)))
    if not args.no_json_only and has_command(python_cmd() + ["-c", "import msgspec"]):
        # The reader parses envelopes with msgspec when it is installed (the fast extra),
        # else with the standard library's json: measured both ways, in the same rounds.
        hidden = work / "msgspec-hidden"
        hidden.mkdir()
        (hidden / "msgspec.py").write_text("raise ImportError('hidden by bench/peers.py')\n")
        path = os.pathsep.join(p for p in (str(hidden), os.environ.get("PYTHONPATH", "")) if p)
        variants.append(
            Variant("dynotrace, json only", lambda: run_timed(dt_cmd, env={"PYTHONPATH": path}, cwd=REPO))
        )
    if args.baseline:
        base_cmd = shlex.split(args.baseline) + dt_args
        variants.append(Variant("baseline: " + args.baseline, lambda: run_timed(base_cmd, cwd=REPO)))
    alternate(variants, repeats=args.repeats, warmup=args.warmup)
    title = (
        f"Offline read of a {fmt_mb(size)} TORCH_TRACE log, {args.repeats} alternating rounds "
        f"(medians [IQR]), outputs in {work}"
    )
    print_cpu_table(variants, title=title)
    if tlparse is not None:
        tl = variants[0]
        print()
        for v in variants[1:]:
            # Issue 23: at most tlparse's user CPU time (its system time is mostly writing its
            # HTML site, no yardstick), at most half its wall time.
            print(ratio_line(tl, v, "user_s", target=1.0, label="user cpu"))
            print(ratio_line(tl, v, "wall_s", target=0.5, label="wall"))
            print(ratio_line(tl, v, "cpu_s", label="user + system cpu"))
    return {"log_bytes": size, **{v.name: v.samples for v in variants}}


def generate_log(args: argparse.Namespace, tmp: Path) -> Path:
    base = Path(args.keep_log) if args.keep_log else tmp / "big"
    trace_dir = base / "trace"
    if trace_dir.exists():
        # Never delete what the user gave: a directory of theirs is only ever added to.
        sys.exit(f"peers.py: {trace_dir} exists; give --keep-log a directory without a 'trace' folder")
    cmd = python_cmd() + [str(MANY_FRAMES)] + shlex.split(args.many_frames_args)
    print(f"\ngenerating the log: TORCH_TRACE={trace_dir} {shlex.join(cmd)}", flush=True)
    s = run_timed(cmd, env={"TORCH_TRACE": str(trace_dir)}, cwd=REPO)
    logs = sorted(trace_dir.glob("*.log"))
    if len(logs) != 1:
        sys.exit(f"expected one log in {trace_dir}, found {len(logs)}")
    print(f"  {fmt_mb(logs[0].stat().st_size)} in {s.wall_s:.0f} s", flush=True)
    return logs[0]


if __name__ == "__main__":
    main()
