"""From events to a report: the one pipeline a live capture and a TORCH_TRACE log go
through, so that both give the same report for the same run."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace

from dynotrace.analysis.facts import compile_facts
from dynotrace.analysis.fold import fold_events
from dynotrace.capture.listener import FOLD_KINDS
from dynotrace.capture.tracelog import ReadStats, read_trace
from dynotrace.events import TraceEvent
from dynotrace.model import CompileFacts, ReadProblems, Report, RunInfo


def build_report(
    events: Iterable[TraceEvent],
    run: RunInfo,
    *,
    base_dir: str | None = None,
    problems: ReadProblems | None = None,
    seed_strings: Mapping[int, str] | None = None,
    wall_s: float | None = None,
) -> Report:
    """The explained report of a run from its events, with its timing section (the run's
    ``wall_s`` first when it is known). File names are shown relative to ``base_dir``
    (default: the working directory)."""
    report, timing = fold_events(
        events,
        run,
        base_dir=os.getcwd() if base_dir is None else base_dir,
        problems=problems,
        seed_strings=seed_strings,
    )
    if wall_s is not None:
        timing = {"wall_s": round(wall_s, 6), **timing}
    return replace(report, timing=timing)


def read_problems(stats: ReadStats) -> ReadProblems:
    """What the TORCH_TRACE reader could not use, as the report keeps it."""
    return ReadProblems(
        malformed_lines=stats.malformed_lines,
        bad_payloads=stats.bad_payloads,
        unknown_kinds=tuple(sorted(stats.unknown_kinds.items())),
        messages=tuple(stats.problems[:20]),
    )


def read_log(
    path: str | os.PathLike[str], run: RunInfo, *, strict: bool = False, base_dir: str | None = None
) -> tuple[Report, tuple[CompileFacts, ...]]:
    """The report of a TORCH_TRACE file (or a directory read as one stream), and what
    Inductor logged per compile that a job compares across its ranks."""
    events, stats = read_trace(path, strict=strict, keep_kinds=FOLD_KINDS)
    report = build_report(events, run, base_dir=base_dir, problems=read_problems(stats))
    return report, compile_facts(events)
