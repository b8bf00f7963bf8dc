"""Words the formats share: the counts of a report, and what a check found."""

from __future__ import annotations

from dynotrace.compare.gate import CheckOutcome
from dynotrace.model import format_ranks

#: A ``Summary`` count in words.
SUMMARY_LABELS = {
    "functions": "functions",
    "compiles": "compiles",
    "graphs": "graphs",
    "graph_breaks": "graph breaks",
    "recompiles": "recompiles",
    "guards": "guards",
    "recompile_limit_hits": "recompile-limit hits",
    "failed_compiles": "failed compiles",
    "shape_guards": "shape guards",
}


#: A divergence's kind in words.
DIVERGENCE_LABELS = {
    "recompile_limit": "recompile limit",
    "functions": "functions",
    "recompiles": "recompiles",
    "graph_breaks": "graph breaks",
    "failed_compiles": "failed compiles",
    "compile_order": "compile order",
    "collectives": "collectives",
    "output_meta": "output metadata",
    "cache": "compile cache",
    "runtime": "runtime estimates",
}


def verdict_policy(outcome: CheckOutcome) -> tuple[str, ...]:
    """The policy a check's verdict names: a job's; for one process's run, the diff's
    (a check of budgets alone names none)."""
    if outcome.job.distributed:
        return outcome.fail_on
    return outcome.diff.fail_on if outcome.diff is not None else ()


def ranks_line(outcome: CheckOutcome) -> str:
    """``4 ranks, 2 groups of ranks that compiled alike, 1 divergence``."""
    s = outcome.job.summary
    text = f"{s.ranks} rank{'s' if s.ranks != 1 else ''}"
    if s.missing_ranks:
        text += f", {format_ranks(s.missing_ranks)} missing"
    text += f", {s.rank_groups} group{'s' if s.rank_groups != 1 else ''} of ranks that compiled alike"
    return text + f", {s.divergences} divergence{'s' if s.divergences != 1 else ''}"


def budget_rows(outcome: CheckOutcome) -> list[tuple[str, str, int, bool]]:
    """Each budget checked: its words, what was found (for a job, at its worst rank, and
    which ranks), the limit, and whether it held."""
    counts = outcome.job.summary.counts()
    rows = []
    for count, words, limit in outcome.budgets.limits():
        found = counts[count]
        shown = f"{found.max} ({format_ranks(found.max_ranks)})" if outcome.job.distributed else str(found.max)
        rows.append((words, shown, limit, found.max <= limit))
    return rows
