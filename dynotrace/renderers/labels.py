"""Words the formats share: the counts of a report, and what a check found."""

from __future__ import annotations

from collections.abc import Iterable

from dynotrace.compare.diff import Delta
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

# Counts where a rise is bad and a fall good; the others are neither.
_WORSE_WHEN_HIGHER = {"graph_breaks", "recompiles", "recompile_limit_hits", "failed_compiles", "graphs"}


def count_label(name: str) -> str:
    """A ``Summary`` count in words."""
    return SUMMARY_LABELS.get(name, name)


def changed_counts(deltas: Iterable[Delta]) -> list[tuple[Delta, str, str]]:
    """The counts of a diff that changed, each with its words and how it changed: ``worse``
    (a rise of graph breaks, recompiles, ...), ``better`` (their fall), or ``""`` (a count
    that is neither, as functions or guards)."""
    changed = []
    for d in deltas:
        if d.change:
            trend = "" if d.name not in _WORSE_WHEN_HIGHER else "worse" if d.change > 0 else "better"
            changed.append((d, count_label(d.name), trend))
    return changed


def unchanged_counts(deltas: Iterable[Delta]) -> list[str]:
    """The counts of a diff that did not change, in words with their value (``graphs 2``)."""
    return [f"{count_label(d.name)} {d.after}" for d in deltas if not d.change]


def count_changes(deltas: Iterable[Delta]) -> str:
    """The counts that changed, on one line: ``graph breaks 1 -> 2, recompiles 0 -> 1``."""
    return ", ".join(f"{label} {d.before} -> {d.after}" for d, label, _ in changed_counts(deltas))


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
