"""Capture overhead: ``dynotrace explain P`` vs ``python P``, side by side.

For each program, the two commands run alternately (A B, B A, ...) after warm-up runs,
and the table shows the median wall time of each with its interquartile range, the ratio
dynotrace / python per round (median and min-max), the ratio of the fastest run of each
side (the one least disturbed by other jobs), and the CPU-time ratio. Target: median
ratio <= 1.05,
with ``--backend`` left alone (the programs' own backends: eager for most samples,
inductor for ``inductor_small.py`` and ``bench/programs/transformer12.py``).

Caches. Inductor keeps an on-disk FX-graph / AOTAutograd / C++ cache. By default both
sides share one fresh cache directory (``TORCHINDUCTOR_CACHE_DIR``, a temporary directory
made for this run), filled by the warm-up runs, so every timed run is a warm-cache run
(the everyday case: the second run of a script). ``--cold`` gives every timed run of both
sides its own empty cache directory instead, so every run compiles from scratch (the
first run on a machine; slow: transformer12 takes about a minute per run on 2 cores).

    python bench/overhead.py                       # default subset + transformer12
    python bench/overhead.py --repeats 9 --programs sample_programs/recompiles.py
    python bench/overhead.py --no-transformer --repeats 3       # quick
    python bench/overhead.py --only-transformer --cold --repeats 3
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from _common import (
    PROGRAMS,
    REPO,
    Variant,
    alternate,
    dynotrace_cmd,
    print_machine,
    print_table,
    python_cmd,
    ratios,
    run_timed,
    save_json,
    spread,
    verdict,
)

DEFAULT_SAMPLES = [
    "sample_programs/clean.py",
    "sample_programs/recompiles.py",
    "sample_programs/graph_break_print.py",
    "sample_programs/recompile_limit.py",
    "sample_programs/dynamic_specialization.py",
    "sample_programs/transformer_small.py",
    "sample_programs/inductor_small.py",
]
TRANSFORMER = str((PROGRAMS / "transformer12.py").relative_to(REPO))
TARGET = 1.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", nargs="*", default=DEFAULT_SAMPLES, help="sample programs (paths from the repo root)")
    parser.add_argument("--no-transformer", action="store_true", help="skip bench/programs/transformer12.py")
    parser.add_argument("--only-transformer", action="store_true", help="run transformer12 only")
    parser.add_argument("--transformer-args", default="", help="arguments for transformer12, e.g. '--layers 6'")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per program (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each side first (default 1)")
    parser.add_argument("--cold", action="store_true", help="a fresh empty Inductor cache for every timed run")
    parser.add_argument(
        "--explain-args",
        default="-o {tmp}/report.yaml",
        help="extra options for `dynotrace explain` ({tmp} is a scratch directory); "
        "default: also write the YAML report, as a CI job would",
    )
    parser.add_argument("--json", help="also write the raw samples to this file")
    args = parser.parse_args()
    if args.cold and args.warmup:
        # In cold mode a warm-up run only costs time: every timed run gets a new cache.
        args.warmup = 0

    info = print_machine()
    print(f"  {'inductor cache':36} {'fresh per timed run (cold)' if args.cold else 'shared, warmed by the warm-up runs'}")
    print(f"  {'dynotrace command':36} {shlex.join(dynotrace_cmd() + ['explain'])} {args.explain_args}")

    programs: list[tuple[str, list[str]]] = []
    if not args.only_transformer:
        programs += [(p, []) for p in args.programs]
    if not args.no_transformer:
        programs.append((TRANSFORMER, shlex.split(args.transformer_args)))

    rows = []
    raw = {"machine": info, "cold": args.cold, "programs": {}}
    with tempfile.TemporaryDirectory(prefix="dynotrace_bench_") as tmp:
        for program, prog_args in programs:
            print(f"\n{program} {shlex.join(prog_args)}", file=sys.stderr, flush=True)
            a, b = _variants(program, prog_args, Path(tmp), args)
            alternate([a, b], repeats=args.repeats, warmup=args.warmup)
            wall = ratios(a, b)
            cpu = ratios(a, b, "cpu_s")
            rows.append(
                [
                    Path(program).name + (" " + shlex.join(prog_args) if prog_args else ""),
                    spread(a).fmt(),
                    spread(b).fmt(),
                    f"{wall.median:.3f}",
                    f"{wall.low:.3f}-{wall.high:.3f}",
                    f"{spread(b).low / spread(a).low:.3f}",
                    f"{cpu.median:.3f}",
                    verdict(wall.median <= TARGET),
                    verdict(cpu.median <= TARGET),
                ]
            )
            raw["programs"][program] = {"python": a.samples, "dynotrace": b.samples}

    print_table(
        [
            "program",
            "python wall, median [IQR]",
            "dynotrace wall, median [IQR]",
            "ratio (median of rounds)",
            "ratio min-max",
            "ratio of fastest runs",
            "cpu-time ratio",
            f"wall <= {TARGET}",
            f"cpu <= {TARGET}",
        ],
        rows,
        title=f"Capture overhead, {args.repeats} alternating rounds per program "
        f"({'cold' if args.cold else 'warm'} Inductor cache)",
    )
    print(f"load average at the end: {_load()}")
    save_json(args.json, raw)


def _variants(program: str, prog_args: list[str], tmp: Path, args: argparse.Namespace) -> tuple[Variant, Variant]:
    scratch = tmp / Path(program).stem
    scratch.mkdir(parents=True, exist_ok=True)
    shared_cache = scratch / "inductor-cache"
    counter = iter(range(10**9))

    def env() -> dict[str, str]:
        if not args.cold:
            return {"TORCHINDUCTOR_CACHE_DIR": str(shared_cache)}
        fresh = scratch / f"cold-cache-{next(counter)}"
        return {"TORCHINDUCTOR_CACHE_DIR": str(fresh)}

    def cleanup(e: dict[str, str]) -> None:
        if args.cold:
            shutil.rmtree(e["TORCHINDUCTOR_CACHE_DIR"], ignore_errors=True)

    explain_opts = shlex.split(args.explain_args.format(tmp=scratch))
    py = python_cmd() + [program] + prog_args
    dt = dynotrace_cmd() + ["explain"] + explain_opts + [program] + (["--"] + prog_args if prog_args else [])

    def run(cmd: list[str]):
        def once():
            e = env()
            try:
                return run_timed(cmd, env=e, cwd=REPO, ok_codes=_ok_codes(program))
            finally:
                cleanup(e)

        return once

    return Variant("python", run(py)), Variant("dynotrace", run(dt))


def _load() -> str:
    import os

    return "%.2f %.2f %.2f" % os.getloadavg()


def _ok_codes(program: str) -> tuple[int, ...]:
    # Samples that exit non-zero on purpose: dynotrace passes the same code on.
    name = Path(program).name
    if name == "target_raises.py":
        return (1,)
    if name == "target_exits.py":
        return tuple(range(256))
    return (0,)


if __name__ == "__main__":
    main()
