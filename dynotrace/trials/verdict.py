"""A trial against the baseline rerun: what each finding it addresses cost before and after,
what it made new or worse, and its verdict (``dynotrace.model.trials.Verdict`` says what
each one means).

Both sides are reruns made the same way (a fresh process, a cold cache), so a difference is
the setting's doing; the baseline is never the first, in-process run.
"""

from __future__ import annotations

from collections.abc import Iterable

from dynotrace.analysis.findings import Finding, graph_break_findings, recompile_findings
from dynotrace.model import Report
from dynotrace.model.trials import PROBLEM_COUNTS, Measurement, Target, TrialFinding, Verdict
from dynotrace.trials.candidates import finding_key

_WORDS = {
    "graph_breaks": "graph break",
    "recompiles": "recompile",
    "recompile_limit_hits": "recompile-limit hit",
    "failed_compiles": "failed compile",
}
# What torch says when a compile met a condition on a value it cannot know while tracing.
_DATA_DEPENDENT = ("data-dependent", "data dependent", "GuardOnDataDependentSymNode")


def costs(report: Report) -> dict[str, int]:
    """What each finding of ``report`` cost, by ``finding_key``."""
    found: dict[str, int] = {}
    for finding in _findings(report):
        key = finding_key(finding)
        found[key] = found.get(key, 0) + finding.count
    return found


def _findings(report: Report) -> list[Finding]:
    return recompile_findings(report) + graph_break_findings(report)


def targets(findings: Iterable[TrialFinding], before: Report | None, after: Report | None) -> tuple[Target, ...]:
    """Each finding with its cost in the baseline rerun and in the trial."""
    b = costs(before) if before is not None else None
    a = costs(after) if after is not None else None
    return tuple(
        Target(f, None if b is None else b.get(f.key, 0), None if a is None else a.get(f.key, 0)) for f in findings
    )


def new_problems(before: Report, after: Report) -> list[str]:
    """What ``after`` has that ``before`` has not: graph-break sites, recompile causes, failed
    compiles and data-dependent errors, recompile-limit hits; one line each."""
    problems: list[str] = []
    old = {finding_key(f) for f in _findings(before)}
    for finding in _findings(after):
        if finding_key(finding) in old:
            continue
        where = f" at {finding.location}" if finding.location else f" in {finding.function.display_name}"
        if finding.kind == "graph_break":
            gb = finding.graph_break
            ident = f"{gb.gb_id} " if gb is not None and gb.gb_id else ""
            problems.append(f"new graph break {ident}{finding.title}{where}")
        elif finding.kind == "recompile_limit":
            problems.append(f"{finding.title}")
        else:
            problems.append(f"new recompile: {finding.title}{where}")
    failed_before = {(c.fail_type, c.fail_reason) for c in before.compiles if c.status in ("failed", "skipped")}
    for c in after.compiles:
        if c.status not in ("failed", "skipped") or (c.fail_type, c.fail_reason) in failed_before:
            continue
        reason = " ".join((c.fail_reason or "").split())[:200]
        data_dependent = any(word in f"{c.fail_type} {reason}" for word in _DATA_DEPENDENT)
        what = "a data-dependent error" if data_dependent else "a failed compile"
        problems.append(f"{what} in {c.code_name} ({c.compile_id}): {c.fail_type or ''} {reason}".rstrip())
    return list(dict.fromkeys(problems))


def judge(
    role: str,
    baseline: Measurement,
    trial: Measurement,
    found: tuple[Target, ...],
    problems: list[str],
) -> tuple[Verdict, list[str]]:
    """The verdict of a trial that ran, and its problems with what got worse added."""
    problems = list(problems)
    if trial.status != "ok" or trial.counts is None or baseline.counts is None:
        return "failed", problems
    if trial.exit_code not in (0, None) and baseline.exit_code in (0, None):
        problems.insert(0, f"the script failed (exit code {trial.exit_code}): {trial.message}".rstrip(": "))
        return "failed", problems
    before, after = baseline.counts, trial.counts
    worse = [name for name in PROBLEM_COUNTS if after.get(name) > before.get(name)]
    for name in worse:
        n = after.get(name) - before.get(name)
        problems.append(f"{n} more {_WORDS[name]}{'s' if n != 1 else ''} ({before.get(name)} -> {after.get(name)})")
    if role == "diagnostic":
        return "diagnostic", problems
    if worse:
        return "worse", problems
    improved = any(t.after is not None and t.before is not None and t.after < t.before for t in found)
    if improved and after.problems < before.problems:
        return "verified", problems
    return "no_effect", problems
