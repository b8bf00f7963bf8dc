"""Where a ``dynotrace explain`` run spends its time, phase by phase (a profiling aid).

Runs ``dynotrace explain [OPTIONS] P [ARGS]`` in this process, with timers around its
phases, and prints, for each phase, the wall time and the part of it spent in Python's
cyclic garbage collector (from ``gc.callbacks``):

* ``start-up``: importing dynotrace's CLI;
* ``target``: the script itself, under the listener; ``torch trace`` is the part torch
  spent in ``trace_structured`` (building payloads, md5, the listener's ``emit``), from
  its own ``structured_logging_overhead_s`` in the compilation metrics;
* ``fold``, ``write report``, ``terminal report``: dynotrace's own work after the target.

Each phase also shows the process's resident set size when it ended, and the peak so far.

``--plain`` runs the same script as plain ``python`` would (``runpy``), for the target
line to compare with. ``--trace LOG`` times an offline read instead of a live run.

    python bench/phases.py bench/programs/transformer12.py
    python bench/phases.py --plain bench/programs/transformer12.py
    python bench/phases.py --trace big.log -o r.yaml -q
"""

from __future__ import annotations

import gc
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Iterator

_wall: dict[str, float] = defaultdict(float)
_rss_after: dict[str, tuple[float, float]] = {}
_gc: dict[str, float] = defaultdict(float)
_current = ["other"]
_gc_started = [0.0]


def _gc_callback(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        _gc[_current[0]] += time.perf_counter() - _gc_started[0]


@contextmanager
def phase(name: str) -> Iterator[None]:
    outer = _current[0]
    _current[0] = name
    start = time.perf_counter()
    try:
        yield
    finally:
        _wall[name] += time.perf_counter() - start
        _rss_after[name] = _rss_mb()
        _current[0] = outer


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, in MB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20, peak
    except (OSError, ValueError):
        return float("nan"), peak


def _wrap(module: Any, attr: str, name: str) -> None:
    original = getattr(module, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with phase(name):
            return original(*args, **kwargs)

    setattr(module, attr, wrapper)


def _trace_overhead() -> float | None:
    if "torch" not in sys.modules:
        return None
    from torch._dynamo.utils import get_compilation_metrics

    total = 0.0
    for m in get_compilation_metrics():
        us = getattr(m, "structured_logging_overhead_us", None)
        total += us / 1e6 if us is not None else getattr(m, "structured_logging_overhead_s", None) or 0.0
    return total


def main() -> None:
    gc.callbacks.append(_gc_callback)
    argv = sys.argv[1:]
    plain = bool(argv) and argv[0] == "--plain"
    started = time.perf_counter()
    code = 0
    if plain:
        import runpy

        sys.argv = argv[1:]
        with phase("target"):
            try:
                runpy.run_path(sys.argv[0], run_name="__main__")
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
    else:
        with phase("start-up"):
            # ``from`` imports: ``dynotrace.capture`` is also the name of a function.
            from dynotrace.analysis import build
            from dynotrace.capture import live, runner
            from dynotrace.cli import main as cli_main
            from dynotrace.renderers import data, terminal_run
        from dynotrace.capture import listener

        _wrap(live.LiveCapture, "start", "attach listener (imports torch)")
        _wrap(runner.TargetRunner, "run", "target")
        _wrap(listener.TraceListener, "events", "records -> events")
        _wrap(build, "fold_events", "fold")
        from dynotrace import api

        _wrap(api, "read_trace", "read + fold (--trace)")
        _wrap(data, "document_text", "write report")
        _wrap(terminal_run, "render_terminal", "terminal report")
        sys.argv = ["dynotrace", "explain"] + argv
        try:
            cli_main.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
    total = time.perf_counter() - started
    trace = _trace_overhead()
    out = sys.stderr
    print(f"\n{'phase':32} {'wall s':>8} {'of it gc s':>11} {'RSS after MB':>13} {'peak so far':>12}", file=out)
    _wall["other"] = total - sum(_wall.values())
    for name, wall in _wall.items():
        rss, peak = _rss_after.get(name, (float("nan"), float("nan")))
        print(f"{name:32} {wall:8.3f} {_gc.get(name, 0.0):11.3f} {rss:13.0f} {peak:12.0f}", file=out)
        if name == "target" and trace is not None:
            print(f"{'  of it in trace_structured':32} {trace:8.3f}", file=out)
    print(f"{'total (after interpreter start)':32} {total:8.3f} {sum(_gc.values()):11.3f}", file=out)
    print(f"gc objects tracked at exit: {len(gc.get_objects())}", file=out)
    sys.exit(code)


if __name__ == "__main__":
    main()
