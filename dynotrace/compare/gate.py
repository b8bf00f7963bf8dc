"""The gate of ``dynotrace check``, the Python API and the pytest plugin: budgets, the
comparison with a baseline, and the outcome.

A budget limits one headline count (``LIMITS``); for a distributed job it applies to
each rank and the worst rank decides. A new budget is one line in ``LIMITS`` and one field
of ``Budgets``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from dynotrace.analysis.findings import limit_consequence
from dynotrace.compare.jobs import JobDiff, diff_jobs, divergence_regressions, merge_rank_regressions
from dynotrace.compare.policy import DIVERGENCE, Regression, ordered
from dynotrace.model import Function, JobReport, Location, Summary, format_ranks

#: Every budget: the ``Summary`` count it limits, that count in words, and the
#: ``Budgets`` field that holds the limit.
LIMITS = (
    ("graph_breaks", "graph breaks", "max_graph_breaks"),
    ("recompiles", "recompiles", "max_recompiles"),
    ("recompile_limit_hits", "recompile-limit hits", "max_recompile_limit_hits"),
)


@dataclass(frozen=True)
class Budgets:
    """Absolute limits on a run's counts; ``None`` means not checked. ``dynotrace check
    --no-recompile-limit`` is ``max_recompile_limit_hits=0``."""

    max_graph_breaks: int | None = None
    max_recompiles: int | None = None
    max_recompile_limit_hits: int | None = None

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def limits(self) -> list[tuple[str, str, int]]:
        """``(count, words, limit)`` of each budget that is checked, in ``LIMITS`` order."""
        return [(count, words, getattr(self, name)) for count, words, name in LIMITS if getattr(self, name) is not None]

    def exceeded(self, summary: Summary) -> list[tuple[str, int, int]]:
        """``(count, found, limit)`` of each budget ``summary`` is over."""
        return [(count, getattr(summary, count), limit) for count, _, limit in self.limits() if getattr(summary, count) > limit]


@dataclass(frozen=True)
class CheckOutcome:
    """What a check found: the comparison with the baseline (when there is one), the
    budgets it applied, and every regression that fails it."""

    command: str
    job: JobReport
    budgets: Budgets
    regressions: tuple[Regression, ...]
    fail_on: tuple[str, ...]
    diff: JobDiff | None = None
    baseline: str | None = None
    baseline_written: bool = False

    @property
    def passed(self) -> bool:
        return not self.regressions

    @property
    def worst(self) -> Summary:
        """Each count at its largest over the ranks: what a budget is checked against
        (the run's own counts for one process)."""
        counts = self.job.summary.counts()
        return Summary(**{name: counts[name].max for name in counts})


def check(
    job: JobReport,
    baseline: JobReport | None,
    *,
    budgets: Budgets,
    fail_on: Iterable[str],
    update_baseline: bool = False,
    command: str = "",
    baseline_path: str | None = None,
) -> CheckOutcome:
    """The check of ``job``: against ``baseline`` unless it is being rewritten
    (``update_baseline``: the run is accepted as the new baseline, budgets still apply),
    its budgets, and, when ``fail_on`` has ``divergence``, the divergence of its ranks."""
    policy = ordered(fail_on)
    diff = diff_jobs(baseline, job, policy) if baseline is not None else None
    found: list[Regression] = [] if diff is None or update_baseline else list(diff.regressions)
    if job.distributed and DIVERGENCE in policy and (diff is None or update_baseline):
        found.extend(divergence_regressions(job))
    for r in budget_regressions(job, budgets):
        # --no-recompile-limit and fail-on's "limit" report the same hit once.
        if all((r.category, r.function, r.message) != (s.category, s.function, s.message) for s in found):
            found.append(r)
    return CheckOutcome(
        command=command,
        job=job,
        budgets=budgets,
        regressions=tuple(found),
        fail_on=policy,
        diff=diff,
        baseline=baseline_path,
        baseline_written=update_baseline,
    )


def budget_regressions(job: JobReport, budgets: Budgets) -> list[Regression]:
    """One regression per budget exceeded; for a job, said once at its worst rank. A
    recompile-limit budget names each function that hit the limit."""
    found: list[Regression] = []
    for count, words, limit in budgets.limits():
        values = {r: getattr(report.summary, count) for r, report in job.ranks.items()}
        over = {r: v for r, v in values.items() if v > limit}
        if not over:
            continue
        if count == "recompile_limit_hits":
            per_rank = {r: tuple(limit_regressions(report.functions)) for r, report in job.ranks.items() if r in over}
            found.extend(merge_rank_regressions(per_rank) if job.distributed else per_rank[min(per_rank)])
            continue
        worst = max(over.values())
        if not job.distributed:
            found.append(Regression("budget", f"{words}: {worst}, over the budget of {limit}"))
            continue
        at = [r for r, v in over.items() if v == worst]
        others = sorted(set(over) - set(at))
        also = f"; also over on {format_ranks(others)}" if others else ""
        found.append(Regression("budget", f"{words}: {worst} on {format_ranks(at)}, over the budget of {limit} per rank{also}"))
    return found


def limit_regressions(functions: Iterable[Function]) -> list[Regression]:
    """One regression per function that hit the recompile limit."""
    return [
        Regression(
            "limit",
            f"{f.name} hit the recompile limit ({f.recompile_limit_hits}x): {limit_consequence(f.limit_raised)}",
            Location(f.file, f.first_line, f.name),
            f.key,
        )
        for f in functions
        if f.recompile_limit_hits
    ]
