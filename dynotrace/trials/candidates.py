"""Which configuration changes can address a finding, spelled for the run's torch release.

``RULES`` is the one table: each rule keys on a finding's data (its kind, the graph break's
GB id or torch's words for it, the recompile's cause category and guard kind, what kind of
value was guarded) and makes one candidate from it. A finding's candidates are the rules
that match it, in the table's order (the most targeted first); a finding no rule matches
needs a change of the code, and keeps the report's own suggestion, unverified.

Where a new candidate fix goes: one ``Rule`` here (its keys and a function that makes the
``Candidate``); the knob, if new, in ``knobs.json`` (with the releases that have it). A new
cause category of ``analysis/causes.py`` gets candidates by naming it in a rule's
``categories``; a new premise of a finding (the value guarded, as ``value_kind`` tells it)
by a new value kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dynotrace.analysis.findings import Finding, graph_break_findings, recompile_findings
from dynotrace.analysis.identity import failure_identity, graph_break_identity
from dynotrace.model import Compile, Function, GuardFailure, Report
from dynotrace.model.trials import CodeChange, TrialFinding
from dynotrace.trials import knobs
from dynotrace.trials.sources import TorchSource, failed_compile, made_dynamic, torch_source, writable

Release = tuple[int, int]

DYN = "torch._dynamo.config"
CMP = "torch.compiler.config"
FX = "torch.fx.experimental._config"

#: The release from which ``*_sources`` entries take a ``:N`` dimension suffix.
_DIM_SUFFIX_SINCE = (2, 13)
#: A recompile limit large enough to show how many compiles a function would take.
DIAGNOSTIC_RECOMPILE_LIMIT = 64
#: Methods every ``logging.Logger`` has (others, like transformers' ``warning_once``, are
#: added to the class by the library that defines them).
_LOGGER_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})


@dataclass(frozen=True)
class Change:
    """One knob set to one value (a Python value: bool, int, str, or for a set-valued knob
    a tuple of dotted names to add)."""

    knob: str
    value: object


@dataclass(frozen=True)
class Candidate:
    """A configuration change to try, and what it is."""

    name: str
    changes: tuple[Change, ...]
    summary: str
    role: str = "fix"  # "fix" | "diagnostic"
    code: str = ""
    caveat: str = ""
    #: Modules to import before the change can be made (a library that adds the logging
    #: method to ignore).
    imports: tuple[str, ...] = ()

    @property
    def identity(self) -> tuple[object, ...]:
        """Equal for two candidates that change the same knobs to the same values (one
        trial then serves every finding they address)."""
        return tuple((c.knob, c.value) for c in self.changes) + self.imports


@dataclass(frozen=True)
class Facts:
    """What a rule may key on, read from one finding."""

    kind: str
    gb_id: str | None = None
    #: A graph break's type, explanation and hints: torch's words, for releases (2.6, 2.7)
    #: that give some breaks no id.
    gb_text: str = ""
    #: The source line of the break, or of the guard.
    code: str = ""
    file: str = ""
    category: str | None = None
    guard_kind: str | None = None
    #: The guarded value in the user's terms (``x.size()[0]``, ``self.factor``).
    source: str | None = None
    expected: str | None = None
    actual: str | None = None
    reason: str = ""
    #: What was guarded: ``size``, ``size01`` (a size of 0 or 1), ``int``, ``float``, or ``other``.
    value_kind: str = "other"
    #: Torch's own names of the guarded values, from every compile of the finding.
    sources: tuple[TorchSource, ...] = ()
    #: The user's line that called the compiled code (``file:line``), where known.
    call_site: str = ""


#: What makes a rule's candidate for a finding (its facts) and a release; ``None`` when it
#: cannot make one for this finding.
Maker = Callable[[Facts, Release], Candidate | None]


@dataclass(frozen=True)
class Rule:
    """One row of the table: the findings it matches, and the candidate it makes for a
    release (``None`` when it cannot make one for this finding)."""

    name: str
    kind: str
    make: Maker
    gb_ids: frozenset[str] = frozenset()
    #: torch's words for the break, where a release gave it no id (searched in ``gb_text``).
    text: re.Pattern[str] | None = None
    categories: frozenset[str] = frozenset()
    guard_kinds: frozenset[str] = frozenset()
    value_kinds: frozenset[str] = frozenset()

    def matches(self, facts: Facts) -> bool:
        if facts.kind != self.kind:
            return False
        if self.kind == "graph_break":
            by_id = facts.gb_id is not None and facts.gb_id in self.gb_ids
            by_text = self.text is not None and bool(self.text.search(facts.gb_text))
            return by_id or by_text
        if self.categories and facts.category not in self.categories:
            return False
        if self.guard_kinds and facts.guard_kind not in self.guard_kinds:
            return False
        return not self.value_kinds or facts.value_kind in self.value_kinds


# ---------------------------------------------------------------------------- candidates


def _setting(
    knob: str,
    value: object,
    summary: str,
    *,
    when: Callable[[Facts], bool] | None = None,
    role: str = "fix",
    code: str = "",
    caveat: str = "",
) -> Maker:
    """The maker of a candidate that sets one knob to one value, named after the knob: for
    every finding its rule matches, or for those ``when`` holds of."""

    def make(facts: Facts, release: Release) -> Candidate | None:
        if when is not None and not when(facts):
            return None
        return Candidate(knob.rsplit(".", 1)[1], (Change(knob, value),), summary, role=role, code=code, caveat=caveat)

    return make


def _entries(facts: Facts, release: Release, *, sizes: bool) -> tuple[str, ...]:
    with_dim = sizes and release >= _DIM_SUFFIX_SINCE
    found = dict.fromkeys(s.entry(with_dim) for s in facts.sources if writable(s.name))
    return tuple(found)


def _mark_call(facts: Facts, function: str) -> str:
    sized = [s for s in facts.sources if s.dim is not None]
    if not sized:
        return ""
    first = sized[0]
    tensor = re.sub(r"^L\['(\w+)'\]$", r"\1", first.name)
    if tensor == first.name:
        return ""  # not a plain argument: no variable of the user's to name
    where = f" at {facts.call_site}" if facts.call_site else ""
    return f"torch._dynamo.{function}({tensor}, {first.dim}) on the tensor passed as {tensor}, before the call{where}"


def _dynamic_sources(facts: Facts, release: Release) -> Candidate | None:
    sizes = facts.value_kind == "size"
    entries = _entries(facts, release, sizes=sizes)
    if not entries:
        return None
    what = "dimension" if sizes and release >= _DIM_SUFFIX_SINCE else "value"
    return Candidate(
        "dynamic_sources",
        (Change(f"{CMP}.dynamic_sources", ",".join(entries)),),
        f"Compile {', '.join(entries)} as dynamic from the first call (torch's names of the guarded {what}), "
        "so a new value reuses the graph instead of recompiling.",
        code=_mark_call(facts, "maybe_mark_dynamic") if sizes else "",
        caveat=_by_name(entries),
    )


def _by_name(entries: tuple[str, ...], what: str = "dynamic") -> str:
    """What a ``*_sources`` setting reaches besides the finding: it names a local, not a
    function, so the local of that name of every compiled function becomes so."""
    locals_ = [e.split(":")[0] for e in entries if e.startswith("L[")]
    if not locals_:
        return ""
    return f"the setting names a local, not a function: {', '.join(dict.fromkeys(locals_))} of every compiled function becomes {what}"


def _unbacked_sources(facts: Facts, release: Release) -> Candidate | None:
    entries = _entries(facts, release, sizes=True)
    if not entries:
        return None
    return Candidate(
        "unbacked_sources",
        (Change(f"{CMP}.unbacked_sources", ",".join(entries)),),
        f"Compile {', '.join(entries)} as an unbacked size, which is not specialised at 0 or 1, so a "
        "batch of one row reuses the graph.",
        code=_mark_call(facts, "mark_unbacked"),
        caveat="code that branches on an unbacked size fails to compile (a data-dependent error) unless "
        "torch._check tells torch which branch holds" + (f"; {_by_name(entries, 'unbacked')}" if _by_name(entries) else ""),
    )


_dynamic_defaults = _setting(
    f"{DYN}.assume_static_by_default",
    False,
    "Compile every size and int argument as dynamic from the first call, as torch.compile(..., "
    "dynamic=True) does, instead of after the first change.",
    code="torch.compile(..., dynamic=True) where the function is compiled",
)
_backed_size_oblivious = _setting(
    f"{FX}.backed_size_oblivious",
    True,
    "Reason about dynamic sizes without specialising on 0 and 1, so a size of 1 reuses the "
    "graph compiled for larger sizes.",
)
_unspec_int_on_module = _setting(
    f"{DYN}.allow_unspec_int_on_nn_module",
    True,
    "Let integer attributes of an nn.Module become dynamic after they change, as ints passed "
    "as arguments do, instead of recompiling for every value.",
    when=lambda facts: (facts.source or "").startswith("self."),
)
_parameter_shapes = _setting(
    f"{DYN}.force_parameter_static_shapes",
    False,
    "Let the sizes of parameters be dynamic (by default they are always static).",
    when=lambda facts: any("_parameters[" in s.name for s in facts.sources),
)


def _reorderable_logging(facts: Facts, release: Release) -> Candidate | None:
    name = None
    if re.search(r"builtin(?: operator)?:? `?print\b", facts.gb_text):
        name = "print"
    elif "warnings.warn(" in facts.code:
        name = "warnings.warn"
    if name is None:
        return None
    return Candidate(
        "reorderable_logging_functions",
        (Change(f"{DYN}.reorderable_logging_functions", (name,)),),
        f"Let Dynamo keep {name}() in the graph's code and call it after the graph runs, instead of "
        "breaking the graph at it.",
        caveat=f"{name}() then runs after the compiled graph, with the values it printed then",
    )


_LOGGER_CALL = re.compile(r"\.(?P<method>\w+)\(")


def _ignore_logging(facts: Facts, release: Release) -> Candidate | None:
    m = _LOGGER_CALL.search(facts.code)
    if m is None:
        return None
    method = m["method"]
    imports: tuple[str, ...] = ()
    if method not in _LOGGER_METHODS:
        # A method a library adds to logging.Logger (transformers' warning_once): it exists
        # once the module the break is in has been imported.
        module = _module_of(facts.file)
        if module is None:
            return None
        imports = (module,)
    return Candidate(
        "ignore_logging_functions",
        (Change(f"{DYN}.ignore_logging_functions", (f"logging.Logger.{method}",)),),
        f"Let Dynamo skip the call logger.{method}(...) in compiled code instead of breaking the graph at it.",
        caveat=f"logger.{method}(...) does nothing in compiled code: its message is not logged there",
        imports=imports,
    )


def _module_of(file: str) -> str | None:
    """The module an installed package's file is (``<site-packages>/a/b.py`` -> ``a.b``)."""
    prefix = "<site-packages>/"
    if not file.startswith(prefix) or not file.endswith(".py"):
        return None
    parts = file[len(prefix) : -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


_larger_limit = _setting(
    f"{DYN}.recompile_limit",
    DIAGNOSTIC_RECOMPILE_LIMIT,
    f"Diagnostic, not a fix: raise the recompile limit to {DIAGNOSTIC_RECOMPILE_LIMIT} to see how many "
    "compiles the function takes when it is not cut off (each one costs compile time; the fix is to "
    "stop the recompiles).",
    role="diagnostic",
)
_capture_scalars = _setting(
    f"{DYN}.capture_scalar_outputs",
    True,
    "Trace Tensor.item() and other data-dependent scalars into the graph (as unbacked values) "
    "instead of breaking the graph at them.",
    caveat="Python code that branches on the captured value still breaks the graph there",
)
_capture_dynamic_shapes = _setting(
    f"{DYN}.capture_dynamic_output_shape_ops",
    True,
    "Trace operators whose output shape depends on the data (nonzero, unique, boolean masks) "
    "into the graph instead of breaking the graph at them.",
)


def _on_break(name: str, make: Maker, gb_ids: Iterable[str], words: str) -> Rule:
    """A rule for the graph breaks with one of ``gb_ids``, or, where the release gave the
    break no id, with torch's ``words`` for it (a regular expression)."""
    return Rule(name, "graph_break", make, gb_ids=frozenset(gb_ids), text=re.compile(words))


def _on_recompile(name: str, make: Maker, categories: Iterable[str], value_kinds: Iterable[str]) -> Rule:
    """A rule for the recompiles of one of the cause ``categories`` whose guarded value is
    of one of ``value_kinds``."""
    return Rule(name, "recompile", make, categories=frozenset(categories), value_kinds=frozenset(value_kinds))


_SCALARS = frozenset({"scalar_value", "module_attribute", "global_variable"})

#: The table, most targeted first for each kind of finding.
RULES: tuple[Rule, ...] = (
    _on_break("capture_scalar_outputs", _capture_scalars, {"GB0124", "GB0033"},
              r"capture_scalar_outputs|Tensor\.item|[Dd]ata dependent operator"),
    _on_break("capture_dynamic_output_shape_ops", _capture_dynamic_shapes, {"GB0036"},
              r"capture_dynamic_output_shape_ops|[Dd]ynamic shape operator"),
    # 2.6 gives the break no id in a live run: "builtin: print [<class ...>] False".
    _on_break("reorderable_logging_functions", _reorderable_logging, {"GB0059"},
              r"reorderable_logging_functions|builtin(?: operator)?:? `?print\b"),
    _on_break("ignore_logging_functions", _ignore_logging, {"GB0291"}, r"logging\.Logger method|ignore_logg"),
    _on_recompile("unbacked_sources", _unbacked_sources, {"tensor_shape", "shape_constraint"}, {"size01"}),
    _on_recompile("backed_size_oblivious", _backed_size_oblivious, {"tensor_shape", "shape_constraint"}, {"size01"}),
    _on_recompile("dynamic_sources", _dynamic_sources, {"tensor_shape"}, {"size"}),
    _on_recompile("dynamic_sources", _dynamic_sources, _SCALARS, {"int"}),
    _on_recompile("allow_unspec_int_on_nn_module", _unspec_int_on_module, {"module_attribute"}, {"int"}),
    _on_recompile("assume_static_by_default", _dynamic_defaults, {"tensor_shape"}, {"size"}),
    _on_recompile("assume_static_by_default", _dynamic_defaults, {"scalar_value"}, {"int", "float"}),
    _on_recompile("force_parameter_static_shapes", _parameter_shapes, {"tensor_shape"}, {"size"}),
    Rule("recompile_limit", "recompile_limit", _larger_limit),
)


# ---------------------------------------------------------------------------- findings


def _number(text: str | None) -> str | None:
    """``int`` or ``float`` for a Python number's text, else ``None``."""
    if text is None:
        return None
    try:
        int(text)
        return "int"
    except ValueError:
        pass
    try:
        float(text)
        return "float"
    except ValueError:
        return None


def value_kind(failure: GuardFailure) -> str:
    """What a failed guard was about: a ``size`` of a tensor, a size of 0 or 1 (``size01``),
    an ``int`` or ``float`` value, or ``other``."""
    source = failure.source or ""
    sized = re.search(r"\.size\(\)\[\d+\]$", source) is not None
    if failure.category == "shape_constraint" and sized and re.match(r"^2 <= [^<>=]+$", failure.reason):
        return "size01"
    if failure.category == "tensor_shape" and sized:
        return "size01" if failure.actual in ("0", "1") else "size"
    if failure.expected in ("True", "False", "None"):
        return "other"
    return _number(failure.expected) or "other"


def finding_key(finding: Finding) -> str:
    """What identifies a finding in another run's report of the same script."""
    if finding.kind == "graph_break" and finding.graph_break is not None:
        return "graph_break|" + "|".join(graph_break_identity(finding.graph_break))
    if finding.kind == "recompile_limit":
        return f"recompile_limit|{finding.function.key}"
    failure = finding.failure
    what = f"{failure.category}|{failure_identity(failure)}" if failure is not None else ""
    return f"recompile|{what}|{finding.location or finding.function.key}"


def trial_finding(finding: Finding) -> TrialFinding:
    return TrialFinding(
        kind=finding.kind,  # type: ignore[arg-type]
        title=finding.title,
        function=finding.function.display_name,
        site=finding.location,
        key=finding_key(finding),
        count=finding.count,
    )


def all_findings(report: Report) -> list[Finding]:
    """Every finding of the report, in the order of the report's "Fix first": recompile-limit
    hits, then by what they cost."""
    found = recompile_findings(report) + graph_break_findings(report)
    found.sort(key=lambda f: (f.kind != "recompile_limit", -f.count, str(f.location or ""), f.title))
    return found


def facts_of(finding: Finding) -> Facts:
    """What the rules key on, from one finding."""
    if finding.kind == "graph_break" and finding.graph_break is not None:
        gb = finding.graph_break
        loc = gb.location
        return Facts(
            kind="graph_break",
            gb_id=gb.gb_id,
            gb_text="\n".join((gb.gb_type, gb.explanation, *gb.hints)),
            code=loc.code if loc else "",
            file=loc.file if loc else "",
        )
    if finding.kind == "recompile_limit" or finding.failure is None:
        return Facts(kind=finding.kind)
    failure = finding.failure
    owners = finding.owners or [finding.function] * len(finding.compiles)
    sources = dict.fromkeys(_sources(zip(owners, finding.compiles)))
    return Facts(
        kind="recompile",
        category=failure.category,
        guard_kind=failure.guard_kind,
        source=failure.source,
        expected=failure.expected,
        actual=failure.actual,
        reason=failure.reason,
        value_kind=value_kind(failure),
        code=failure.location.code if failure.location else "",
        file=failure.location.file if failure.location else "",
        sources=tuple(sources),
        call_site=next((str(c.call_site) for c in finding.compiles if c.call_site is not None), ""),
    )


def _sources(compiles: Iterable[tuple[Function, Compile]]) -> Iterable[TorchSource]:
    for function, c in compiles:
        if not c.guard_failures:
            continue
        failure = c.guard_failures[0]
        found = torch_source(failure, failed_compile(function, c, failure))
        if found is not None:
            yield found
        if failure.category == "tensor_shape" and found is not None and found.dim is not None:
            # The other sizes that changed with it (automatic dynamic made them symbolic too).
            yield from made_dynamic(c)


@dataclass
class Planned:
    """One finding and its candidates for the release, in the table's order;
    ``unavailable`` pairs a candidate with the release that added what it needs."""

    finding: Finding
    candidates: list[Candidate] = field(default_factory=list)
    unavailable: list[tuple[Candidate, str]] = field(default_factory=list)


def missing_knob(candidate: Candidate, release: Release) -> str | None:
    """Why ``release`` cannot try ``candidate`` (a knob it lacks, and which release added
    it), or ``None`` when it can."""
    for change in candidate.changes:
        if not knobs.available(change.knob, release):
            added = knobs.added_in(change.knob)
            removed = knobs.removed_in(change.knob)
            if release < added:
                return f"{change.knob} was added in torch {added[0]}.{added[1]}"
            return f"{change.knob} was removed in torch {removed[0]}.{removed[1]}" if removed else f"{change.knob} is absent"
    return None


def plan(report: Report, release: Release) -> tuple[list[Planned], list[CodeChange]]:
    """Each finding of ``report`` with its candidates for ``release`` (a candidate whose knob
    the release lacks is set apart, never tried), and the findings no setting addresses."""
    planned: list[Planned] = []
    code_changes: list[CodeChange] = []
    for finding in all_findings(report):
        facts = facts_of(finding)
        entry = Planned(finding)
        seen: set[tuple[object, ...]] = set()
        for rule in RULES:
            if not rule.matches(facts):
                continue
            candidate = rule.make(facts, release)
            if candidate is None or candidate.identity in seen:
                continue
            seen.add(candidate.identity)
            why = missing_knob(candidate, release)
            if why is None:
                entry.candidates.append(candidate)
            else:
                entry.unavailable.append((candidate, why))
        if entry.candidates or entry.unavailable:
            planned.append(entry)
        else:
            code_changes.append(CodeChange(trial_finding(finding), _suggestion(finding)))
    return planned, code_changes


def _suggestion(finding: Finding) -> str:
    """The report's own fix for a finding (not verified by any trial)."""
    if finding.failure is not None:
        return finding.failure.suggestion
    gb = finding.graph_break
    if gb is not None:
        return "; ".join(gb.hints) if gb.hints else gb.explanation
    if finding.kind == "recompile_limit":
        return "Stop the recompiles that led to the limit (the findings above)."
    return ""
