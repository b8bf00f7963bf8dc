"""``dynotrace check`` of a distributed job: budgets per rank (the worst rank decides), the
comparison with a baseline rank by rank, and ``divergence`` as a reason to fail."""

from __future__ import annotations

from dataclasses import dataclass

from dynotrace.model import Report, Summary
from dynotrace.ranks.diff import DIVERGENCE, JobDiff, diff_jobs, divergence_regressions, merge_rank_regressions
from dynotrace.ranks.model import JobReport, format_ranks
from dynotrace.reports.diff import Budgets, Regression, limit_regressions


@dataclass(frozen=True)
class JobCheckOutcome:
    """What ``dynotrace check`` found for a job."""

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
        """Each count at its largest over the ranks: what a budget is checked against."""
        counts = self.job.summary.counts()
        return Summary(**{name: counts[name].max for name in counts})


def budget_regressions(job: JobReport, budgets: Budgets) -> list[Regression]:
    """Budgets apply to each rank; a budget exceeded is said once, at its worst rank."""
    found: list[Regression] = []
    for name, label, limit in (
        ("graph_breaks", "graph breaks", budgets.max_graph_breaks),
        ("recompiles", "recompiles", budgets.max_recompiles),
    ):
        if limit is None:
            continue
        values = {r: getattr(report.summary, name) for r, report in job.ranks.items()}
        over = {r: v for r, v in values.items() if v > limit}
        if not over:
            continue
        worst = max(over.values())
        at = [r for r, v in over.items() if v == worst]
        others = sorted(set(over) - set(at))
        also = f"; also over on {format_ranks(others)}" if others else ""
        found.append(
            Regression("budget", f"{label}: {worst} on {format_ranks(at)}, over the budget of {limit} per rank{also}")
        )
    if budgets.no_recompile_limit:
        found.extend(merge_rank_regressions({r: tuple(limit_regressions(rep.functions)) for r, rep in job.ranks.items()}))
    return found


def check_job(
    job: JobReport,
    previous: Report | JobReport | None,
    *,
    baseline: str | None,
    budgets: Budgets,
    policy: frozenset[str],
    update_baseline: bool,
    command: str,
) -> JobCheckOutcome:
    """The check of ``job``: against ``previous`` (the baseline) unless it is being
    rewritten, its budgets, and, when ``policy`` has ``divergence``, its divergence."""
    from dynotrace.reports.diff import FAIL_ON_CHOICES

    diff = diff_jobs(previous, job, policy) if previous is not None else None
    found: list[Regression] = [] if diff is None or update_baseline else list(diff.regressions)
    if DIVERGENCE in policy and (diff is None or update_baseline):
        found.extend(divergence_regressions(job))
    for r in budget_regressions(job, budgets):
        if all((r.category, r.function, r.message) != (s.category, s.function, s.message) for s in found):
            found.append(r)
    return JobCheckOutcome(
        command=command,
        job=job,
        budgets=budgets,
        regressions=tuple(found),
        fail_on=tuple(c for c in FAIL_ON_CHOICES if c in policy),
        diff=diff,
        baseline=baseline,
        baseline_written=update_baseline,
    )


def representative(job: JobReport) -> Report:
    """The rank whose report stands for the job where one report is needed (SARIF): the
    lowest rank of the largest group of ranks that compiled alike."""
    rank = job.groups[0][0] if job.groups else min(job.ranks)
    return job.ranks[rank]

