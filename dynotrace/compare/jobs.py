"""What changed between two jobs, process by process and in their divergence.

A run of one process is a job too (``JobReport.single``). Each rank of ``before`` is
compared with the same rank of ``after`` by ``diff_reports``; when one side is not
distributed (a baseline recorded without torchrun, say), every rank of the other side is
compared with its one report. Ranks found on one side only are said so.

Regressions are those of each rank's diff, a regression found on several ranks said once
with its ranks (``ranks 0-3: new graph break in f: ...``), plus, when ``fail_on`` has
``divergence``, every divergence of ``after`` and every rank missing from it: a CI gate
fails on a job whose ranks do not compile alike. Two runs of one process compare exactly as their two
reports do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from dynotrace.compare.diff import DIFF_FORMAT_VERSION, ReportDiff, comparability_notes, diff_reports, diff_to_dict
from dynotrace.compare.policy import DIVERGENCE, Regression, ordered
from dynotrace.model import Divergence, JobReport, RunInfo, format_ranks
from dynotrace.model.schema import to_plain


@dataclass(frozen=True)
class RankDiff:
    """One rank in both reports (``diff``), or on one side only."""

    rank: int
    side: Literal["both", "before", "after"]
    diff: ReportDiff | None = None


@dataclass(frozen=True)
class JobDiff:
    """Everything that differs between two jobs, and the regressions. ``distributed`` is
    false when neither side is a distributed job: then ``ranks`` holds the one diff of
    the two runs, ``report_diff``."""

    before: RunInfo
    after: RunInfo
    ranks: tuple[RankDiff, ...]
    divergence_added: tuple[Divergence, ...]
    divergence_removed: tuple[Divergence, ...]
    divergence_after: tuple[Divergence, ...]
    notes: tuple[str, ...]
    fail_on: tuple[str, ...]
    regressions: tuple[Regression, ...]
    distributed: bool = True
    #: The job compared as ``after`` (what SARIF marks new or unchanged).
    after_job: JobReport | None = field(default=None, compare=False, repr=False)

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

    @property
    def report_diff(self) -> ReportDiff:
        """The diff of the two runs when neither is a distributed job; for a job, that of
        its first rank in both."""
        return next(r.diff for r in self.ranks if r.diff is not None)

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


def divergence_identity(d: Divergence) -> tuple[str, str | None]:
    """What a divergence is about, without which ranks or values: its kind and function."""
    return (d.kind, d.function)


def diff_jobs(before: JobReport, after: JobReport, fail_on: Iterable[str] | str) -> JobDiff:
    """Compare two jobs (either may be the run of one process)."""
    fail = ordered(fail_on)
    distributed = before.distributed or after.distributed
    notes: list[str] = []
    ranks_b, ranks_a = dict(before.ranks), dict(after.ranks)
    if distributed and not before.distributed:
        ranks_b = {r: before.report for r in ranks_a}
        notes.append("before is one process's report: every rank of after is compared with it")
    if distributed and not after.distributed:
        ranks_a = {r: after.report for r in ranks_b}
        notes.append("after is one process's report: it is compared with every rank of before")
    # Divergence is the job's, not a rank's: each rank's diff fails on the rest.
    per_rank_policy = [c for c in fail if c != DIVERGENCE] if distributed else fail
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
    known_b = {divergence_identity(d) for d in before.divergence}
    known_a = {divergence_identity(d) for d in after.divergence}
    added = tuple(d for d in after.divergence if divergence_identity(d) not in known_b)
    removed = tuple(d for d in before.divergence if divergence_identity(d) not in known_a)
    per_rank = {r.rank: r.diff.regressions for r in rank_diffs if r.diff is not None}
    regressions = merge_rank_regressions(per_rank) if distributed else list(per_rank[0])
    if DIVERGENCE in fail:
        regressions += divergence_regressions(after)
    return JobDiff(
        before=before.run,
        after=after.run,
        ranks=tuple(rank_diffs),
        divergence_added=added,
        divergence_removed=removed,
        divergence_after=tuple(after.divergence),
        notes=tuple(notes),
        fail_on=fail,
        regressions=tuple(regressions),
        distributed=distributed,
        after_job=after,
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


def divergence_regressions(job: JobReport) -> list[Regression]:
    """One regression per divergence of a job, and per rank missing from it."""
    found = [
        Regression(DIVERGENCE, f"the ranks diverge ({d.kind}): {d.summary}", d.location, d.function or "")
        for d in job.divergence
    ]
    for m in job.missing:
        found.append(
            Regression(DIVERGENCE, f"rank {m.rank} is missing, so whether it compiled like the others is unknown: {m.reason}")
        )
    return found


def job_diff_to_dict(diff: JobDiff) -> dict[str, Any]:
    """The diff as plain data for YAML/JSON (``dynotrace diff --format yaml``): that of
    the two runs' reports when neither is a distributed job."""
    if not diff.distributed:
        return diff_to_dict(diff.report_diff)

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


__all__ = ["JobDiff", "RankDiff", "diff_jobs", "divergence_regressions", "job_diff_to_dict", "merge_rank_regressions"]
