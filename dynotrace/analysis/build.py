"""From events to a report: the one pipeline a live capture and a TORCH_TRACE log go
through, so that both give the same report for the same run."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace

from typing import Any

from dynotrace.analysis.artifacts import collect_artifacts
from dynotrace.analysis.facts import compile_facts
from dynotrace.analysis.fold import fold_events
from dynotrace.capture.listener import FOLD_KINDS
from dynotrace.capture.tracelog import ReadStats, read_trace
from dynotrace.events import ARTIFACT_KINDS, TraceEvent
from dynotrace.files.collector import collector_paused
from dynotrace.model import Artifacts, CompileFacts, ReadProblems, Report, RunInfo


def build_report(
    events: Iterable[TraceEvent],
    run: RunInfo,
    *,
    base_dir: str | None = None,
    problems: ReadProblems | None = None,
    seed_strings: Mapping[int, str] | None = None,
    wall_s: float | None = None,
    artifacts: list[Artifacts] | None = None,
) -> Report:
    """The explained report of a run from its events, with its timing section (the run's
    ``wall_s`` first when it is known). File names are shown relative to ``base_dir``
    (default: the working directory). ``artifacts``, when given, gets what tlparse shows
    for each of the report's compiles (from events kept with ``events.ARTIFACT_KINDS``'
    payloads)."""
    base = os.getcwd() if base_dir is None else base_dir
    collected: list[tuple[dict[str, Any], list[TraceEvent], list[TraceEvent]]] | None = (
        [] if artifacts is not None else None
    )
    report, timing = fold_events(
        events,
        run,
        base_dir=base,
        problems=problems,
        seed_strings=seed_strings,
        compile_events=collected,
    )
    if wall_s is not None:
        timing = {"wall_s": round(wall_s, 6), **timing}
    if artifacts is not None and collected is not None:
        ids = (c.compile_id for c in report.compiles)
        artifacts.append(collect_artifacts(((cid, *parts) for cid, parts in zip(ids, collected)), base_dir=base))
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

    Only the records the report reads are parsed and their payloads checked against their
    md5 (damage in one it does not read changes nothing in it); the others are counted by
    their kind and skipped unparsed, which saves a third of the read of a big log.
    ``strict`` parses and checks them all: damage anywhere is an error."""
    with collector_paused():
        events, stats = read_trace(path, strict=strict, keep_kinds=FOLD_KINDS, verify_all_payloads=strict)
        report = build_report(events, run, base_dir=base_dir, problems=read_problems(stats))
        return report, compile_facts(events)


def read_log_with_artifacts(
    path: str | os.PathLike[str], run: RunInfo, *, strict: bool = False, base_dir: str | None = None
) -> tuple[Report, tuple[CompileFacts, ...], Artifacts]:
    """``read_log``, keeping what tlparse shows for each compile (``analysis.artifacts``)."""
    with collector_paused():
        events, stats = read_trace(
            path,
            strict=strict,
            keep_kinds=FOLD_KINDS | ARTIFACT_KINDS,
            keep_payloads=ARTIFACT_KINDS,
            verify_all_payloads=strict,
        )
        kept: list[Artifacts] = []
        report = build_report(events, run, base_dir=base_dir, problems=read_problems(stats), artifacts=kept)
        return report, compile_facts(events), kept[0]
