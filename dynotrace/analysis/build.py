"""From events to a report: the one pipeline a live capture and a TORCH_TRACE log go
through, so that both give the same report for the same run."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace

from typing import Any

from dynotrace.analysis.artifacts import collect_artifacts
from dynotrace.analysis.facts import compile_facts
from dynotrace.analysis.fold import fold_events
from dynotrace.capture.listener import FOLD_KINDS
from dynotrace.capture.tracelog import ReadStats, read_trace
from dynotrace.events import ARTIFACT_KINDS, TraceEvent
from dynotrace.model import Artifacts, CompileFacts, ReadProblems, Report, RunInfo


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
    return _build(events, run, base_dir, problems, seed_strings, wall_s, None)


def build_report_with_artifacts(
    events: Iterable[TraceEvent],
    run: RunInfo,
    *,
    base_dir: str | None = None,
    problems: ReadProblems | None = None,
    seed_strings: Mapping[int, str] | None = None,
    wall_s: float | None = None,
) -> tuple[Report, Artifacts]:
    """``build_report``, and what tlparse shows for each of its compiles (from events
    kept with ``events.ARTIFACT_KINDS``' payloads)."""
    collected: list[tuple[dict[str, Any], list[TraceEvent], list[TraceEvent]]] = []
    report = _build(events, run, base_dir, problems, seed_strings, wall_s, collected)
    base = os.getcwd() if base_dir is None else base_dir
    ids = (c.compile_id for c in report.compiles)
    return report, collect_artifacts(((cid, *parts) for cid, parts in zip(ids, collected)), base_dir=base)


def _build(
    events: Iterable[TraceEvent],
    run: RunInfo,
    base_dir: str | None,
    problems: ReadProblems | None,
    seed_strings: Mapping[int, str] | None,
    wall_s: float | None,
    collected: list[tuple[dict[str, Any], list[TraceEvent], list[TraceEvent]]] | None,
) -> Report:
    report, timing = fold_events(
        events,
        run,
        base_dir=os.getcwd() if base_dir is None else base_dir,
        problems=problems,
        seed_strings=seed_strings,
        compile_events=collected,
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
    Inductor logged per compile that a job compares across its ranks.

    Only the payloads the report reads are checked against their md5 (damage in one it
    does not read changes nothing in it); the others are skipped unchecked, which saves a
    fifth of the read of a big log. ``strict`` checks them all: damage anywhere is an error."""
    with _collector_paused():
        events, stats = read_trace(path, strict=strict, keep_kinds=FOLD_KINDS, verify_all_payloads=strict)
        report = build_report(events, run, base_dir=base_dir, problems=read_problems(stats))
        return report, compile_facts(events)


def read_log_with_artifacts(
    path: str | os.PathLike[str], run: RunInfo, *, strict: bool = False, base_dir: str | None = None
) -> tuple[Report, tuple[CompileFacts, ...], Artifacts]:
    """``read_log``, keeping what tlparse shows for each compile (``analysis.artifacts``)."""
    with _collector_paused():
        events, stats = read_trace(
            path,
            strict=strict,
            keep_kinds=FOLD_KINDS | ARTIFACT_KINDS,
            keep_payloads=ARTIFACT_KINDS,
            verify_all_payloads=strict,
        )
        report, artifacts = build_report_with_artifacts(events, run, base_dir=base_dir, problems=read_problems(stats))
        return report, compile_facts(events), artifacts


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a log is read and folded.

    Reading and folding build hundreds of thousands of containers (229,000 for the 57 MB
    benchmark log: the events, the report's dataclasses) and hardly any garbage in cycles
    (2,400 objects), and every full pass of the collector walks all of them: on that log
    its passes took 0.2 s of CPU, over a tenth of the run. Turned back on, the collector
    would walk the same objects again, young to old, as the report is written; ``freeze``
    then ``unfreeze`` first moves every object into the oldest generation without walking
    them (cyclic garbage among them is collected by the next full pass, as garbage that
    old always is). Its passes now take 0.02 s."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
