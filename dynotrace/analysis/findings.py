"""Findings: recompile causes and graph breaks grouped by site, ranked by what they cost.

A plain function over the model, shared by the terminal report ("Fix first") and the
graph-break section.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field

from dynotrace.analysis.graph_breaks import torch_context
from dynotrace.model import Compile, Function, GraphBreak, GuardFailure, Location, Report, is_library_file

#: Words for each cause category, as the report shows them.
CATEGORY_LABELS = {
    "tensor_shape": "tensor shape changed",
    "shape_constraint": "shape constraint violated",
    "dtype": "dtype changed",
    "device": "device changed",
    "requires_grad": "requires_grad changed",
    "stride": "stride / layout changed",
    "scalar_value": "Python scalar value changed",
    "object_identity": "a different object (identity)",
    "type_changed": "type changed",
    "container": "container length or keys changed",
    "global_variable": "global variable changed",
    "module_attribute": "module attribute changed",
    "training_flag": "train()/eval() flag flipped",
    "global_state": "global torch state changed",
    "dynamic_marking": "dynamic marking changed",
    "tensor_aliasing": "arguments aliasing changed",
    "cow_tensor": "copy-on-write state changed",
    "current_stream": "current stream changed",
    "optimizer_setting": "optimizer setting changed",
    "passed_value": "a value passed in changed",
    "value_range": "value left the range compiled for",
    "resumed_value": "value from before a graph break changed",
    "shared_code": "one code object runs several classes' methods",
    "other": "a guard failed",
}


def limit_consequence(raised: bool) -> str:
    """What a recompile-limit hit did to the calls of the function, in a user's words."""
    if raised:
        return (
            "the call raised FailOnRecompileLimitHit instead of running eagerly "
            "(fail_on_recompile_limit_hit or fullgraph=True is set)"
        )
    return "calls that none of its compiled graphs fits run eagerly, uncompiled, from then on"


@dataclass
class Finding:
    """One thing to fix: a recompile cause or a graph break, at one user site."""

    kind: str  # "recompile" | "graph_break" | "recompile_limit"
    function: Function
    title: str
    location: Location | None
    compiles: list[Compile] = field(default_factory=list)
    failure: GuardFailure | None = None
    graph_break: GraphBreak | None = None
    #: The function each of ``compiles`` belongs to (one graph-break site can break the
    #: compiles of several functions, a helper inlined into each; one value passed at a
    #: user's line can make several library functions recompile).
    owners: list[Function] = field(default_factory=list)
    #: For a graph break: the functions whose compile could not resume after it, so that
    #: the rest of them ran eagerly (the break came wrapped in torch's "cannot resume").
    skipped: list[Function] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.compiles)

    def compile_seconds(self, timing: dict[str, float]) -> float:
        # Each compile's own time where the report has it: ``timing``'s are per compile id,
        # which several compiles share after torch._dynamo.reset().
        return sum(
            c.time.total_s if c.time is not None and c.time.total_s is not None else timing.get(f"compile_s[{c.compile_id}]", 0.0)
            for c in self.compiles
        )


_SIZE = re.compile(r"\.size\(\)\[(\d+)\]$")


def recompile_findings(report: Report) -> list[Finding]:
    """Recompiles grouped by (function, cause, source, guard origin)."""
    found: dict[tuple[str, str, str, str], Finding] = {}
    for function in report.functions:
        for c in function.compiles:
            if c.status == "recompile_limit":
                key = (function.key, "limit", "", "")
                defined = Location(function.file, function.first_line, function.name)
                limit_at = defined if editable(defined) else (c.call_site or defined)
                finding = found.setdefault(
                    key, Finding("recompile_limit", function, f"{function.display_name} hit the recompile limit", limit_at)
                )
                finding.compiles.append(c)
                continue
            if not c.is_recompile or not c.guard_failures:
                continue
            failure = c.guard_failures[0]
            where: Location | None
            if c.call_site is not None and is_library_file(function.file):
                # Library code (a model's forward, its loss, its output class) recompiled
                # because of what the user passed at their line: one cause there, however
                # many library functions it reached (the last smaller batch reaches them all).
                # Each function names a size that changed by its own parameter (``input_ids``,
                # ``kwargs['input_ids']``, ``labels``): a change of that dimension at that call
                # is one cause (the batch that shrank reaches them all). Other values keep
                # their source.
                size = _SIZE.search(failure.source or "")
                dim = f"size()[{size[1]}]" if size and failure.category == "tensor_shape" else None
                key = ("call", failure.category, dim or failure.source or failure.reason, str(c.call_site))
                where = c.call_site
            else:
                key = (function.key, failure.category, failure.source or failure.reason, str(failure.location))
                where = failure.location
                if (where is None or not editable(where)) and c.call_site is not None:
                    # The guard was made inside a library (or nowhere Dynamo says): where to
                    # act is the user's line that called the compiled code.
                    where = c.call_site
            if key not in found:
                label = CATEGORY_LABELS.get(failure.category, failure.category)
                found[key] = Finding("recompile", function, f"{label}: {failure.source or failure.reason}", where, failure=failure)
            found[key].compiles.append(c)
            found[key].owners.append(function)
    return list(found.values())


def graph_break_findings(report: Report) -> list[Finding]:
    """Graph breaks deduplicated by (GB id or type, location): one site is one finding,
    whichever compiled functions it broke (a library helper inlined into several of them
    breaks each), listed under its real cause even where torch wrapped it in "cannot
    resume" (``GraphBreak.skip``)."""
    found: dict[tuple[str, str], Finding] = {}
    for function in report.functions:
        for c in function.compiles:
            for gb in c.graph_breaks:
                key = (gb.gb_id or gb.gb_type, str(gb.location) if gb.location else f"{function.key}")
                finding = found.get(key)
                if finding is None:
                    finding = found[key] = Finding("graph_break", function, gb.gb_type, gb.location, graph_break=gb)
                finding.compiles.append(c)
                finding.owners.append(function)
                if gb.skip and function not in finding.skipped:
                    finding.skipped.append(function)
    return list(found.values())


def editable(location: Location) -> bool:
    """Code the user can change: their own files (not torch, another installed package,
    the standard library or Python's own)."""
    return not is_library_file(location.file) and not location.file.startswith("<")


def inside_torch(finding: Finding) -> bool:
    """A graph break torch's own code makes, on purpose or not, at a line of torch's: the
    user can change neither (the optimizer's ``_use_grad`` breaks every compiled step)."""
    loc = finding.location
    return finding.kind == "graph_break" and loc is not None and loc.file.startswith("<site-packages>/torch/")


def one_off_in_a_library(finding: Finding) -> bool:
    """A recompile that happened once, inside a library's code, with no user line to act on
    (a hook installed, a lazily set attribute): ranked below the user's own problems."""
    return finding.kind == "recompile" and finding.count == 1 and (finding.location is None or not editable(finding.location))


def fix_first(report: Report, limit: int = 5) -> list[Finding]:
    """The findings that cost the most, where the user can act: recompile-limit hits first,
    then by the number of compiles or graphs they caused, one-off recompiles inside a
    library last; ties by place, so the order is the same every run. Graph breaks at
    torch's own lines, and those torch makes on purpose where nothing is to change
    (``graph_breaks.torch_context``), are left out (the graph-break section says so)."""
    findings = [
        f
        for f in recompile_findings(report) + graph_break_findings(report)
        if not inside_torch(f) and not (f.graph_break is not None and torch_context(f.graph_break))
    ]
    findings.sort(
        key=lambda f: (
            f.kind != "recompile_limit",
            one_off_in_a_library(f),
            -f.count,
            str(f.location or ""),
            f.title,
        )
    )
    return findings[:limit]
