"""A directory of many ranks' TORCH_TRACE logs, read by tlparse and by dynotrace (issue 15).

``tlparse DIR --all-ranks-html -o out --overwrite --no-browser`` (A) vs
``dynotrace explain --trace DIR -o r.yaml -q`` (B), alternating rounds, for a directory of
``--ranks N`` rank logs (default 8) of about 57 MB each. Both end with a report of every
rank on disk: tlparse an HTML site per rank and a landing page with its divergence
checks, dynotrace one multi-rank YAML report. Target: B takes less wall time than A.

The rank logs are the ``TORCH_TRACE`` log of ``bench/programs/many_frames.py`` (30
functions x 12 shapes x 2 dtypes, backend eager: 726 compiles, 20,000 records) under the
names torch gives rank logs (``dedicated_log_torch_trace_rank_<N>_bench.log``), hard
links of one file: the content of a rank does not change what either tool does with it,
and eight copies of 57 MB would only fill the disk. That log has many small records, the
hardest case for dynotrace (whose cost is per record); Inductor logs of the same size are
mostly generated code, which dynotrace skips and tlparse renders.

Memory (issue 23): each run's peak is given three ways: the kernel's ``ru_maxrss`` (the
largest single process of the run), and, sampled every 20 ms, the largest sum of the
resident memory of the whole process tree (dynotrace's workers included) and of its
proportional set size (pages a forked worker shares with its parent counted once).
tlparse is one process: its three figures agree. Targets: dynotrace's tree peak for 8
ranks at most tlparse's, and for 64 ranks at most 1.5 times its 8-rank figure.
``--tlparse-max N`` leaves tlparse out of directories of more than N ranks (its site for 64
ranks is about 9 GB); ``--baseline CMD`` times another dynotrace build in the same rounds.

    python bench/ranks.py                          # makes the log (2-3 min), 8 ranks, 5 rounds
    python bench/ranks.py --log big.log --ranks 8 16 --repeats 3
    python bench/ranks.py --scratch /dev/shm/x     # logs and outputs on tmpfs
    python bench/ranks.py --log big.log --ranks 8 64 --repeats 3 --scratch /dev/shm/x \
        --baseline "env PYTHONPATH=/old/checkout python -P -m dynotrace"
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _common import (
    PROGRAMS,
    REPO,
    Sample,
    Variant,
    alternate,
    dynotrace_cmd,
    fmt_mb,
    print_machine,
    print_table,
    python_cmd,
    ratio_line,
    ratios,
    run_timed,
    save_json,
    spread,
    tlparse_cmd,
    verdict,
)

MANY_FRAMES = PROGRAMS / "many_frames.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[8], help="directory sizes to measure (default 8)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--log", help="an existing large TORCH_TRACE log to use for every rank (skips generating one)")
    parser.add_argument("--scratch", metavar="DIR", help="where the logs and outputs go; default: a temporary directory")
    parser.add_argument("--tlparse-max", type=int, default=1 << 30, metavar="N", help="no tlparse for more than N ranks")
    parser.add_argument("--baseline", metavar="CMD", help="also time this dynotrace command (another build) in the same rounds")
    parser.add_argument("--json")
    args = parser.parse_args()

    info = print_machine()
    tlparse = tlparse_cmd()
    if tlparse is None:
        print("\ntlparse is not installed (`pip install tlparse`): only dynotrace's side is measured.")
    raw: dict[str, object] = {"machine": info}
    with tempfile.TemporaryDirectory(prefix="dynotrace_ranks_", dir=args.scratch) as tmp_name:
        tmp = Path(tmp_name)
        log = Path(args.log) if args.log else generate_log(tmp)
        source = tmp / "rank.log"
        shutil.copyfile(log, source)  # on the scratch file system, like the outputs
        rows = []
        for n in args.ranks:
            directory = tmp / f"ranks{n}"
            directory.mkdir()
            for rank in range(n):
                os.link(source, directory / f"dedicated_log_torch_trace_rank_{rank}_bench.log")
            total = source.stat().st_size * n
            print(f"\n{n} ranks of {fmt_mb(source.stat().st_size)} ({fmt_mb(total)}) in {directory}", flush=True)
            variants = []
            if tlparse is not None and n <= args.tlparse_max:
                out = tmp / f"tl_out{n}"

                def run_tlparse(out: Path = out, directory: Path = directory) -> Sample:
                    shutil.rmtree(out, ignore_errors=True)
                    return run_timed(
                        tlparse + [str(directory), "--all-ranks-html", "-o", str(out), "--overwrite", "--no-browser"],
                        cwd=tmp,
                        tree=True,
                    )

                variants.append(Variant("tlparse --all-ranks-html", run_tlparse))
            report = tmp / f"ranks{n}.yaml"
            dt_args = ["explain", "--trace", str(directory), "-o", str(report), "-q"]
            dt_cmd = dynotrace_cmd() + dt_args
            variants.append(Variant("dynotrace explain --trace", lambda cmd=dt_cmd: run_timed(cmd, cwd=REPO, tree=True)))
            if args.baseline:
                base_cmd = shlex.split(args.baseline) + dt_args
                variants.append(Variant("baseline: " + args.baseline, lambda cmd=base_cmd: run_timed(cmd, cwd=REPO, tree=True)))
            alternate(variants, repeats=args.repeats, warmup=args.warmup)
            for v in variants:
                rows.append(
                    [
                        str(n),
                        v.name,
                        str(len(v.samples)),
                        spread(v, "user_s").fmt(),
                        spread(v, "sys_s").fmt(),
                        spread(v).fmt(),
                        f"{spread(v, 'max_rss_mb').median:.0f} MB",
                        f"{spread(v, 'tree_rss_mb').median:.0f} MB",
                        f"{spread(v, 'tree_pss_mb').median:.0f} MB",
                        _load(v),
                    ]
                )
            entry: dict[str, object] = {"log_bytes": source.stat().st_size, **{v.name: v.samples for v in variants}}
            if tlparse is not None and n <= args.tlparse_max:
                for attr, what in (("user_s", "user cpu"), ("tree_rss_mb", "tree peak RSS"), ("tree_pss_mb", "tree peak PSS")):
                    print(ratio_line(variants[0], variants[1], attr, label=what), flush=True)
                r = ratios(variants[0], variants[1])
                entry["ratio"] = r.median
                print(
                    f"ratio dynotrace/tlparse (wall, per round): median {r.median:.3f}, min-max {r.low:.3f}-{r.high:.3f}"
                    f"  -> target < 1.0: {verdict(r.median < 1.0)}",
                    flush=True,
                )
            print(f"report: {fmt_mb(report.stat().st_size)}", flush=True)
            raw[str(n)] = entry
            shutil.rmtree(directory)
        print_table(
            ["ranks", "command", "runs", "user cpu", "system cpu", "wall", "peak RSS, one process",
             "peak RSS, tree", "peak PSS, tree", "load avg 1 min (min-max)"],
            rows,
            title=f"Reading a directory of rank logs, {args.repeats} alternating rounds (medians [IQR])",
        )
        _memory_verdicts(raw, args.ranks)
    save_json(args.json, raw)


def _load(v: Variant) -> str:
    loads = [x.load_1m for x in v.samples if x.load_1m == x.load_1m]
    if not loads:
        return "n/a"
    return f"{statistics.median(loads):.2f} ({min(loads):.2f}-{max(loads):.2f})"


def _memory_verdicts(raw: dict[str, object], sizes: list[int]) -> None:
    """Issue 23's memory targets, from the medians measured."""

    def tree_peak(n: int, name: str) -> float | None:
        entry = raw.get(str(n))
        samples = entry.get(name) if isinstance(entry, dict) else None
        if not samples:
            return None
        return statistics.median(s.tree_rss_mb for s in samples)

    dt = "dynotrace explain --trace"
    for n in sizes:
        mine, theirs = tree_peak(n, dt), tree_peak(n, "tlparse --all-ranks-html")
        if mine is not None and theirs is not None:
            print(f"{n} ranks: tree peak RSS {mine:.0f} MB vs tlparse {theirs:.0f} MB -> target <= tlparse: {verdict(mine <= theirs)}")
    if 8 in sizes:
        base = tree_peak(8, dt)
        for n in sizes:
            mine = tree_peak(n, dt)
            if n > 8 and mine is not None and base is not None:
                print(f"{n} ranks: tree peak RSS {mine:.0f} MB = {mine / base:.2f} x the 8-rank figure -> target <= 1.5: {verdict(mine <= 1.5 * base)}")


def generate_log(tmp: Path) -> Path:
    trace_dir = tmp / "trace"
    cmd = python_cmd() + [str(MANY_FRAMES)]
    print(f"\ngenerating the log: TORCH_TRACE={trace_dir} {' '.join(cmd)}", flush=True)
    s = run_timed(cmd, env={"TORCH_TRACE": str(trace_dir)}, cwd=REPO)
    logs = sorted(trace_dir.glob("*.log"))
    if len(logs) != 1:
        sys.exit(f"expected one log in {trace_dir}, found {len(logs)}")
    print(f"  {fmt_mb(logs[0].stat().st_size)} in {s.wall_s:.0f} s", flush=True)
    return logs[0]


if __name__ == "__main__":
    main()
