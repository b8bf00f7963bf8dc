"""What changed between two reports of a distributed job: rank by rank, and in their
divergence.

Each rank of ``before`` is compared with the same rank of ``after`` exactly as
``dynotrace diff`` compares two single-rank reports (``diff_reports``). When one side is
one process's report (a baseline recorded without torchrun, say), every rank of the other
side is compared with it. Ranks found on one side only are said so.

Regressions are those of each rank's diff, a regression found on several ranks said once
with its ranks (``ranks 0-3: new graph break in f: ...``), plus, when ``fail_on`` has
``divergence``, every divergence of ``after`` and every rank missing from it: a CI gate
fails on a job whose ranks do not compile alike, as ``limit`` fails on any recompile-limit
hit in ``after``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from dynotrace.model import Report, RunInfo
from dynotrace.ranks.model import Divergence, JobReport, format_ranks
from dynotrace.reports.diff import (
    FAIL_ON_CHOICES,
    Regression,
    ReportDiff,
    comparability_notes,
    diff_reports,
    diff_to_dict,
    parse_fail_on,
)
from dynotrace.reports.schema import to_plain

#: Added to ``DEFAULT_FAIL_ON`` when a multi-rank report is checked or compared.
DIVERGENCE = "divergence"


@dataclass(frozen=True)
class RankDiff:
    """One rank in both reports (``diff``), or on one side only."""

    rank: int
    side: Literal["both", "before", "after"]
    diff: ReportDiff | None = None


@dataclass(frozen=True)
class JobDiff:
    """Everything that differs between two reports of a job, and the regressions."""

    before: RunInfo
    after: RunInfo
    ranks: tuple[RankDiff, ...]
    divergence_added: tuple[Divergence, ...]
    divergence_removed: tuple[Divergence, ...]
    divergence_after: tuple[Divergence, ...]
    notes: tuple[str, ...]
    fail_on: tuple[str, ...]
    regressions: tuple[Regression, ...]

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)

    @property
    def empty(self) -> bool:
        return (
            all(r.side == "both" and r.diff is not None and r.diff.empty for r in self.ranks)
            and not self.divergence_added
            and not self.divergence_removed
        )

    def rank_groups(self) -> list[tuple[tuple[int, ...], RankDiff]]:
        """Ranks whose diffs are the same, together, in rank order of their first rank."""
        groups: dict[Any, list[RankDiff]] = {}
        for r in self.ranks:
            groups.setdefault(_same_diff(r), []).append(r)
        return [(tuple(x.rank for x in members), members[0]) for members in groups.values()]


def _same_diff(r: RankDiff) -> Any:
    """Ranks whose diffs say the same thing share this: the same changes (not the counts
    they change from, which differ from rank to rank)."""
    if r.diff is None:
        return (r.side,)
    d = r.diff
    if d.empty:
        return ("empty",)
    return ("both", tuple((x.name, x.change) for x in d.summary), d.functions, d.regressions)


def _ranks_of(subject: Report | JobReport) -> dict[int, Report] | None:
    return dict(subject.ranks) if isinstance(subject, JobReport) else None


def divergence_identity(d: Divergence) -> tuple[str, str | None]:
    """What a divergence is about, without which ranks or values: its kind and function."""
    return (d.kind, d.function)


def diff_jobs(
    before: Report | JobReport, after: Report | JobReport, fail_on: Iterable[str] | str
) -> JobDiff:
    """Compare two reports of which at least one is a job's (``ValueError`` otherwise)."""
    chosen = parse_fail_on(fail_on)
    fail = tuple(c for c in FAIL_ON_CHOICES if c in chosen)
    ranks_b, ranks_a = _ranks_of(before), _ranks_of(after)
    if ranks_b is None and ranks_a is None:
        raise ValueError("diff_jobs needs a job's report on at least one side")
    notes: list[str] = []
    if ranks_b is None:
        assert isinstance(before, Report) and ranks_a is not None
        ranks_b = {r: before for r in ranks_a}
        notes.append("before is one process's report: every rank of after is compared with it")
    if ranks_a is None:
        assert isinstance(after, Report)
        ranks_a = {r: after for r in ranks_b}
        notes.append("after is one process's report: it is compared with every rank of before")
    per_rank_policy = [c for c in fail if c != DIVERGENCE]
    rank_diffs: list[RankDiff] = []
    for rank in sorted(set(ranks_b) | set(ranks_a)):
        if rank in ranks_b and rank in ranks_a:
            rank_diffs.append(RankDiff(rank, "both", diff_reports(ranks_b[rank], ranks_a[rank], per_rank_policy)))
        else:
            rank_diffs.append(RankDiff(rank, "before" if rank in ranks_b else "after"))
    only_b = [r.rank for r in rank_diffs if r.side == "before"]
    only_a = [r.rank for r in rank_diffs if r.side == "after"]
    if only_b:
        notes.append(f"{format_ranks(only_b)} only in before: not compared")
    if only_a:
        notes.append(f"{format_ranks(only_a)} only in after: not compared")
    first_b, first_a = next(iter(ranks_b.values())), next(iter(ranks_a.values()))
    notes.extend(n for n in comparability_notes(first_b, first_a) if n not in notes)
    div_b = before.divergence if isinstance(before, JobReport) else ()
    div_a = after.divergence if isinstance(after, JobReport) else ()
    known_b = {divergence_identity(d) for d in div_b}
    known_a = {divergence_identity(d) for d in div_a}
    added = tuple(d for d in div_a if divergence_identity(d) not in known_b)
    removed = tuple(d for d in div_b if divergence_identity(d) not in known_a)
    regressions = merge_rank_regressions({r.rank: r.diff.regressions for r in rank_diffs if r.diff is not None})
    if DIVERGENCE in fail:
        regressions += divergence_regressions(after)
    return JobDiff(
        before=before.run,
        after=after.run,
        ranks=tuple(rank_diffs),
        divergence_added=added,
        divergence_removed=removed,
        divergence_after=tuple(div_a),
        notes=tuple(notes),
        fail_on=fail,
        regressions=tuple(regressions),
    )


def merge_rank_regressions(per_rank: dict[int, tuple[Regression, ...]]) -> list[Regression]:
    """Each rank's regressions, one regression found on several ranks said once:
    ``ranks 0-3: new graph break in f: ...``."""
    seen: dict[tuple[Any, ...], list[int]] = {}
    first: dict[tuple[Any, ...], Regression] = {}
    for rank in sorted(per_rank):
        for r in per_rank[rank]:
            key = (r.category, r.message, r.location, r.function)
            seen.setdefault(key, []).append(rank)
            first.setdefault(key, r)
    return [replace(first[key], message=f"{format_ranks(ranks)}: {first[key].message}") for key, ranks in seen.items()]


def divergence_regressions(subject: Report | JobReport) -> list[Regression]:
    """One regression per divergence of a job, and per rank missing from it."""
    if not isinstance(subject, JobReport):
        return []
    found = [
        Regression(DIVERGENCE, f"the ranks diverge ({d.kind}): {d.summary}", d.location, d.function or "")
        for d in subject.divergence
    ]
    for m in subject.missing:
        found.append(
            Regression(DIVERGENCE, f"rank {m.rank} is missing, so whether it compiled like the others is unknown: {m.reason}")
        )
    return found


def job_diff_to_dict(diff: JobDiff) -> dict[str, Any]:
    """The job diff as plain data for YAML/JSON (``dynotrace diff --format yaml``)."""
    from dynotrace.reports.diff import DIFF_FORMAT_VERSION

    def run(info: RunInfo) -> dict[str, Any]:
        return {"command": info.command, "torch": info.torch_version, "dynotrace": info.dynotrace_version}

    def divergence(d: Divergence) -> dict[str, Any]:
        return {"kind": d.kind, "summary": d.summary, "function": d.function, "ranks": list(d.odd_ranks)}

    return {
        "diff_format": DIFF_FORMAT_VERSION,
        "kind": "job",
        "regressed": diff.regressed,
        "fail_on": list(diff.fail_on),
        "before": run(diff.before),
        "after": run(diff.after),
        "notes": list(diff.notes),
        "regressions": [to_plain(r) for r in diff.regressions],
        "ranks": {
            str(r.rank): diff_to_dict(r.diff) if r.diff is not None else {"only_in": r.side} for r in diff.ranks
        },
        "divergence": {
            "added": [divergence(d) for d in diff.divergence_added],
            "removed": [divergence(d) for d in diff.divergence_removed],
        },
    }

