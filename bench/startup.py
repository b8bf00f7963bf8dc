"""Start-up: ``dynotrace --help`` (target < 0.25 s wall) and ``dynotrace diff a.yaml b.yaml``,
and proof that neither imports torch.

Each command runs ``--repeats`` times alternating with ``python -c pass`` (the floor any
Python command pays); the table shows median wall time with its IQR, the time above the
floor, and whether ``python -X importtime`` saw any ``torch`` module imported.

``diff`` is measured only when ``dynotrace diff --help`` works; the two reports it compares
are small synthetic ones (``bench/scale.py`` measures large ones).

    python bench/startup.py
    python bench/startup.py --repeats 40
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    REPO,
    Variant,
    alternate,
    dynotrace_cmd,
    has_command,
    print_machine,
    print_table,
    python_cmd,
    run_timed,
    save_json,
    spread,
    verdict,
)

HELP_TARGET_S = 0.25


def imported_torch_modules(cmd_args: list[str]) -> list[str]:
    """Modules named ``torch`` or ``torch.*`` that ``python -X importtime -m dynotrace ARGS``
    imported (from importtime's own lines, not from the command's output)."""
    done = subprocess.run(
        python_cmd() + ["-X", "importtime", "-m", "dynotrace"] + cmd_args,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    found = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        module = line.rsplit("|", 1)[-1].strip()
        if module == "torch" or module.startswith("torch."):
            found.append(module)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    info = print_machine()
    dynotrace = dynotrace_cmd()

    with tempfile.TemporaryDirectory(prefix="dynotrace_startup_") as tmp:
        commands: list[tuple[str, list[str], list[str], tuple[int, ...]]] = [
            ("dynotrace --help", dynotrace + ["--help"], ["--help"], (0,)),
            ("dynotrace explain --help", dynotrace + ["explain", "--help"], ["explain", "--help"], (0,)),
        ]
        if has_command(dynotrace + ["diff", "--help"]):
            a, b = write_small_reports(Path(tmp))
            commands.append(("dynotrace diff a.yaml b.yaml", dynotrace + ["diff", a, b], ["diff", a, b], (0, 1)))
        else:
            print("\n`dynotrace diff --help` fails: diff is not available yet, skipped.")

        floor = Variant("python -c pass", lambda: run_timed(python_cmd() + ["-c", "pass"]))
        variants = [floor] + [
            Variant(name, lambda cmd=cmd, ok=ok: run_timed(cmd, cwd=REPO, ok_codes=ok)) for name, cmd, _, ok in commands
        ]
        alternate(variants, repeats=args.repeats, warmup=2, log=False)

        rows = []
        base = spread(floor).median
        for name, cmd, importtime_args, _ in [("python -c pass", [], None, ())] + commands:  # type: ignore[list-item]
            v = next(v for v in variants if v.name == name)
            s = spread(v)
            torch_mods = imported_torch_modules(importtime_args) if importtime_args is not None else []
            target = verdict(s.median < HELP_TARGET_S) if name == "dynotrace --help" else ""
            rows.append(
                [
                    name,
                    s.fmt(digits=3),
                    f"{s.median - base:+.3f} s" if v is not floor else "",
                    "" if importtime_args is None else ("no" if not torch_mods else f"YES ({len(torch_mods)} modules)"),
                    target,
                ]
            )
    print_table(
        ["command", "wall, median [IQR]", "above python floor", "imports torch", f"< {HELP_TARGET_S} s"],
        rows,
        title=f"Start-up, {args.repeats} alternating rounds",
    )
    save_json(args.json, {"machine": info, **{v.name: v.samples for v in variants}})
    if any(r[3].startswith("YES") for r in rows):
        sys.exit(1)


def write_small_reports(tmp: Path) -> tuple[str, str]:
    """Two small reports that differ (a recompile and a guard more in the second)."""
    from scale import synthetic_report  # type: ignore[import-not-found]

    from dynotrace.api import save as write_report

    a, b = str(tmp / "a.yaml"), str(tmp / "b.yaml")
    write_report(synthetic_report(functions=3, compiles=2, guards=20, variant=0), a)
    write_report(synthetic_report(functions=3, compiles=2, guards=20, variant=1), b)
    return a, b


if __name__ == "__main__":
    main()
