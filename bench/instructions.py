"""Capture overhead in instructions: ``dynotrace explain P`` vs ``python P``, counted.

Wall time on a shared 2-core VM scatters by 5-9% from one run of a 3.5 s program to the
next, so a few per cent of overhead takes dozens of alternating rounds to see
(``overhead.py``). The number of instructions a run executes barely moves (by about 0.1%):
this script counts them with valgrind's cachegrind (``--cache-sim=no``, about 30x slower
than a plain run) and prints what dynotrace adds, as instructions and as a ratio.

What is counted: user-space instructions of the main process, as cachegrind sees them.
Not counted: the kernel (system calls, page faults, reading files), time spent waiting,
cache misses, and child processes (Inductor's compile workers, which a warm cache mostly
spares). So this is the work dynotrace adds in Python and in libraries, not its wall
time; ``overhead.py`` stays the measure of the target (median wall ratio <= 1.05).

Both sides of a pair run with the same ``PYTHONHASHSEED`` (so dicts and sets iterate in
the same order and do the same work) and at the same time, one per core: a count does not
depend on what else runs. ``--seeds 0 1 2`` repeats every pair with other seeds.

    python bench/instructions.py                      # the five short eager samples
    python bench/instructions.py --programs sample_programs/recompile_limit.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import REPO, dynotrace_cmd, print_machine, print_table, save_json, verdict

DEFAULT_PROGRAMS = [
    "sample_programs/clean.py",
    "sample_programs/recompiles.py",
    "sample_programs/graph_break_print.py",
    "sample_programs/recompile_limit.py",
    "sample_programs/dynamic_specialization.py",
]
TARGET = 1.05
_REFS = re.compile(rb"I\s+refs:\s+([\d,]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", nargs="*", default=DEFAULT_PROGRAMS, help="programs (paths from the repo root)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0], help="PYTHONHASHSEED values, one pair each (default 0)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs at once (default: one per core)")
    parser.add_argument(
        "--explain-args",
        default="-o {tmp}/report.yaml",
        help="extra options for `dynotrace explain` ({tmp} is a scratch directory); default: write the YAML report too",
    )
    parser.add_argument("--json", help="also write the raw counts to this file")
    args = parser.parse_args()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("instructions.py: valgrind is not installed (apt install valgrind); nothing measured")

    info = print_machine()
    print(f"  {'valgrind':36} {subprocess.run([valgrind, '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"  {'dynotrace command':36} {shlex.join(_dynotrace() + ['explain'])} {args.explain_args}")

    with tempfile.TemporaryDirectory(prefix="dynotrace_instr_") as tmp:
        runs = []  # (program, seed, side, command)
        for program in args.programs:
            scratch = Path(tmp) / Path(program).stem
            scratch.mkdir(exist_ok=True)
            explain = shlex.split(args.explain_args.format(tmp=scratch))
            for seed in args.seeds:
                runs.append((program, seed, "python", [sys.executable, program]))
                runs.append((program, seed, "dynotrace", _dynotrace() + ["explain", *explain, program]))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            counts = list(pool.map(lambda run: _count(valgrind, run, Path(tmp)), runs))

    raw: dict[str, dict[str, list[int]]] = {}
    for (program, _seed, side, _cmd), count in zip(runs, counts):
        raw.setdefault(program, {"python": [], "dynotrace": []})[side].append(count)
    rows = []
    for program, sides in raw.items():
        py, dt = sides["python"], sides["dynotrace"]
        ratio = statistics.median(b / a for a, b in zip(py, dt))
        added = statistics.median(b - a for a, b in zip(py, dt))
        rows.append(
            [
                Path(program).name,
                f"{statistics.median(py) / 1e9:.3f}",
                f"{statistics.median(dt) / 1e9:.3f}",
                f"{added / 1e6:+.0f}",
                f"{ratio:.3f}",
                verdict(ratio <= TARGET),
            ]
        )
    print_table(
        ["program", "python, G instr", "dynotrace, G instr", "added, M instr", "ratio", f"<= {TARGET}"],
        rows,
        title=f"Instructions executed (cachegrind), median over seeds {' '.join(map(str, args.seeds))}",
    )
    save_json(args.json, {"machine": info, "seeds": args.seeds, "programs": raw})


def _dynotrace() -> list[str]:
    """The dynotrace command, started through the interpreter when it is a script (as the
    console script is), so valgrind follows the Python process itself."""
    cmd = dynotrace_cmd()
    if len(cmd) == 1 and Path(cmd[0]).read_bytes()[:2] == b"#!":
        return [sys.executable, cmd[0]]
    return cmd


def _count(valgrind: str, run: tuple[str, int, str, list[str]], tmp: Path) -> int:
    program, seed, side, cmd = run
    print(f"  {side:9} seed {seed}  {program}", file=sys.stderr, flush=True)
    out = tmp / f"cachegrind.{os.getpid()}.{abs(hash((program, seed, side)))}"
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    done = subprocess.run(
        [valgrind, "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}", *cmd],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    found = _REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace").splitlines()[-5:]
        sys.exit(f"instructions.py: {shlex.join(cmd)} failed (exit {done.returncode}):\n" + "\n".join(tail))
    out.unlink(missing_ok=True)
    return int(found.group(1).replace(b",", b""))


if __name__ == "__main__":
    main()
