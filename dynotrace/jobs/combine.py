"""Put a job's reports together: the ranks, their groups and what differs between them."""

from __future__ import annotations

from collections.abc import Mapping

from dynotrace.model import Report, RunInfo
from dynotrace.compare.divergence import find_divergence, group_ranks
from dynotrace.analysis.facts import COLLECTIVE_SCHEDULE, RUNTIME_AND_TENSOR_META
from dynotrace.model import JobReport, MissingRank, RankDetail, RankOutline, format_ranks

#: What each artifact the ranks are compared on carries, in words.
_CARRIES = {
    COLLECTIVE_SCHEDULE: "Inductor's collective schedules",
    RUNTIME_AND_TENSOR_META: "Inductor's runtime estimates and output metadata",
}


def build_job(
    reports: Mapping[int, Report],
    details: Mapping[int, RankDetail],
    *,
    run: RunInfo,
    world_size: int | None,
    missing: tuple[MissingRank, ...] = (),
    notes: tuple[str, ...] = (),
    launcher: str | None = None,
    timing: dict[str, float] | None = None,
) -> JobReport:
    """The ``JobReport`` of these ranks, with their groups and divergence worked out.

    A rank's report may be a ``RankOutline``: where the ranks are grouped and compared, the
    report of the rank it names (``like``), which compiled exactly as it did, stands for it."""
    ordered = dict(sorted(reports.items()))
    kept = {r: d for r, d in sorted(details.items()) if r in ordered}
    compared = {
        r: ordered[report.like] if isinstance(report, RankOutline) and report.like is not None else report
        for r, report in ordered.items()
    }
    return JobReport(
        run=run,
        ranks=ordered,
        details=kept,
        world_size=world_size,
        missing=tuple(sorted(missing, key=lambda m: m.rank)),
        groups=group_ranks(compared),
        divergence=find_divergence(compared, kept),
        notes=notes + unreadable_notes(kept),
        launcher=launcher,
        timing=dict(timing or {}),
    )


def unreadable_notes(details: Mapping[int, RankDetail]) -> tuple[str, ...]:
    """One note per kind of artifact whose payload some ranks' logs had damaged."""
    notes = []
    for name, carries in _CARRIES.items():
        ranks = {r: sum(1 for c in d.compiles if name in c.unreadable) for r, d in details.items()}
        bad = {r: n for r, n in ranks.items() if n}
        if bad:
            notes.append(
                f"{carries} ({name}) of {_plural_graphs(sum(bad.values()))} on {format_ranks(bad)} fail their "
                "checksums (a damaged or edited log): what they carry is not compared"
            )
    return tuple(notes)


def _plural_graphs(n: int) -> str:
    return f"{n} graph{'s' if n != 1 else ''}"
