"""SARIF 2.1.0 for code-scanning tools: one result per graph-break site and per recompile
cause of a run, at the user's source line, plus one per recompile-limit hit.

With a ``ReportDiff`` against a baseline, each result carries ``baselineState`` (``new``,
``updated`` for a break that only moved, ``unchanged``) and what the diff counts as a
regression is an ``error``; everything else is a ``warning``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import quote

from dynotrace.version import __version__
from dynotrace.analysis.findings import limit_consequence
from dynotrace.analysis.identity import failure_identity, graph_break_identity
from dynotrace.compare.diff import ReportDiff, describe_failures
from dynotrace.compare.gate import CheckOutcome
from dynotrace.compare.jobs import JobDiff
from dynotrace.compare.policy import Regression
from dynotrace.model import Function, GraphBreak, GuardFailure, JobReport, Location, Report
from dynotrace.renderers.base import Renderer

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass
class _Result:
    rule: dict[str, Any]
    message: str
    location: Location | None
    function: Function
    fingerprint: str
    level: str = "warning"
    baseline_state: str | None = None
    count: int = 1
    properties: dict[str, Any] = field(default_factory=dict)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def _break_rule(gb: GraphBreak) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": gb.gb_id or f"graph-break/{_slug(gb.gb_type)}",
        "name": "GraphBreak",
        "shortDescription": {"text": f"Graph break: {gb.gb_type}"},
        "defaultConfiguration": {"level": "warning"},
    }
    if gb.explanation:
        rule["fullDescription"] = {"text": gb.explanation}
    if gb.doc_url:
        rule["helpUri"] = gb.doc_url
    return rule


def _recompile_rule(category: str) -> dict[str, Any]:
    return {
        "id": f"recompile/{category}",
        "name": "Recompile",
        "shortDescription": {"text": f"Recompile: a guard failed ({category})"},
        "fullDescription": {
            "text": "torch.compile had to compile this function again because a guard of an earlier "
            "compile no longer held for the new inputs."
        },
        "defaultConfiguration": {"level": "warning"},
    }


_LIMIT_RULE = {
    "id": "recompile-limit",
    "name": "RecompileLimit",
    "shortDescription": {"text": "Recompile limit hit: the function now runs eagerly"},
    "fullDescription": {
        "text": "The function reached torch._dynamo.config.recompile_limit; every later call of it runs "
        "in eager mode, uncompiled."
    },
    "defaultConfiguration": {"level": "error"},
}


def _break_results(report: Report, diff: ReportDiff | None) -> list[_Result]:
    new: set[tuple[Any, ...]] = set()
    moved: set[tuple[Any, ...]] = set()
    for f in diff.functions if diff else ():
        new.update((f.key, graph_break_identity(gb)) for gb in f.breaks_added)
        moved.update((f.key, graph_break_identity(m.after)) for m in f.breaks_moved)
    sites: dict[tuple[Any, ...], _Result] = {}
    for function in report.functions:
        for c in function.compiles:
            for gb in c.graph_breaks:
                ident = (function.key, graph_break_identity(gb))
                site = (*ident, gb.location.line if gb.location else 0)
                seen = sites.get(site)
                if seen is not None:
                    seen.count += 1
                    continue
                text = f"Graph break in {function.name}: {gb.gb_type}."
                if gb.explanation:
                    text += f" {gb.explanation.strip()}"
                if gb.hints:
                    text += f" Hint: {gb.hints[0]}"
                result = _Result(_break_rule(gb), text, gb.location, function, _fingerprint(*ident))
                if diff is not None:
                    result.baseline_state = "new" if ident in new else "updated" if ident in moved else "unchanged"
                    result.level = "error" if ident in new and "graph-breaks" in diff.fail_on else "warning"
                sites[site] = result
    return list(sites.values())


def _cause_text(function: Function, compiles: list[str], failure: GuardFailure) -> str:
    text = f"{function.name} recompiled ({', '.join(compiles)}) because {describe_failures((failure,))}."
    return text + (f" {failure.suggestion}" if failure.suggestion else "")


def _recompile_results(report: Report, diff: ReportDiff | None) -> list[_Result]:
    new: set[tuple[str, str]] = set()
    for f in diff.functions if diff else ():
        rc = f.count("recompiles")
        if rc.after > rc.before:
            new.update((f.key, failure_identity(g)) for c in f.recompiles_added for g in c.guard_failures)
    results: list[_Result] = []
    for function in report.functions:
        causes: dict[str, tuple[GuardFailure, list[str]]] = {}
        for c in function.compiles:
            if not c.is_recompile:
                continue
            for failure in c.guard_failures:
                ident = failure_identity(failure)
                entry = causes.setdefault(ident, (failure, []))
                if c.compile_id not in entry[1]:
                    entry[1].append(c.compile_id)
        for ident, (failure, compiles) in causes.items():
            location = failure.location or Location(function.file, function.first_line, function.name)
            result = _Result(
                _recompile_rule(failure.category or "other"),
                _cause_text(function, compiles, failure),
                location,
                function,
                _fingerprint(function.key, ident),
                count=len(compiles),
            )
            if diff is not None:
                is_new = (function.key, ident) in new
                result.baseline_state = "new" if is_new else "unchanged"
                result.level = "error" if is_new and "recompiles" in diff.fail_on else "warning"
            results.append(result)
    return results


def _limit_results(report: Report, diff: ReportDiff | None) -> list[_Result]:
    before_hits = {f.key: f.count("recompile_limit_hits").before for f in diff.functions} if diff else {}
    results = []
    for function in report.functions:
        if not function.name or not function.recompile_limit_hits:
            continue
        result = _Result(
            _LIMIT_RULE,
            f"{function.name} hit the recompile limit: {limit_consequence(function.limit_raised)}.",
            Location(function.file, function.first_line, function.name),
            function,
            _fingerprint(function.key, "recompile-limit"),
            level="error",
            count=function.recompile_limit_hits,
        )
        if diff is not None:
            result.baseline_state = "unchanged" if before_hits.get(function.key, 0) else "new"
        results.append(result)
    return results


def _physical(location: Location | None) -> dict[str, Any] | None:
    # Files dynotrace shows as "<site-packages>/..." or "<stdin>" are not in the repository.
    if location is None or not location.file or location.file.startswith("<"):
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(location.file), "uriBaseId": "%SRCROOT%"}}
    if location.line >= 1:
        physical["region"] = {"startLine": location.line}
    return physical


def sarif_log(
    report: Report,
    *,
    diff: ReportDiff | None = None,
    regressions: Sequence[Regression] = (),
    exit_code: int | None = None,
) -> dict[str, Any]:
    """The SARIF log of one run (``report``), compared with a baseline when ``diff`` is
    given. ``regressions`` without a source line (budgets) become tool notifications."""
    found = _break_results(report, diff) + _recompile_results(report, diff) + _limit_results(report, diff)
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for r in found:
        rule_id = r.rule["id"]
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append(r.rule)
        location: dict[str, Any] = {
            "logicalLocations": [{"name": r.function.name, "fullyQualifiedName": r.function.key, "kind": "function"}]
        }
        physical = _physical(r.location)
        if physical is not None:
            location["physicalLocation"] = physical
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": r.level,
            "message": {"text": r.message},
            "locations": [location],
            "partialFingerprints": {"dynotraceSite/v1": r.fingerprint},
            "occurrenceCount": r.count,
        }
        if r.baseline_state is not None:
            result["baselineState"] = r.baseline_state
        results.append(result)
    invocation: dict[str, Any] = {
        "executionSuccessful": exit_code in (None, 0),
        "commandLine": report.run.command,
    }
    if exit_code is not None:
        invocation["exitCode"] = exit_code
    unplaced = [r for r in regressions if r.location is None or not r.location.line]
    if unplaced:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": r.message}} for r in unplaced
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dynotrace",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _write(log: dict[str, Any], stream: TextIO) -> None:
    import json

    json.dump(log, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


class SarifRenderer(Renderer):
    """A job is shown by its ``report``: each rank's code sites are the same code."""

    name = "sarif"

    def report(self, job: JobReport, stream: TextIO) -> None:
        _write(sarif_log(job.report), stream)

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        """``after``'s results, marked new or unchanged against ``before``; for a job,
        its regressions as notifications."""
        assert diff.after_job is not None, "a diff renders as SARIF with the report it compared"
        if diff.distributed:
            _write(sarif_log(diff.after_job.report, regressions=diff.regressions), stream)
        else:
            _write(sarif_log(diff.after_job.report, diff=diff.report_diff), stream)

    def check(self, outcome: CheckOutcome, stream: TextIO) -> None:
        report_diff = None if outcome.diff is None or outcome.job.distributed else outcome.diff.report_diff
        _write(sarif_log(outcome.job.report, diff=report_diff, regressions=outcome.regressions, exit_code=0), stream)
