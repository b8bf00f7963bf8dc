"""The report model: what one run of torch.compile did, per compiled function.

Frozen dataclasses, built once by the fold (``dynotrace.analysis.fold``) and never mutated.
Derived numbers are properties. ``to_dict``/``from_dict`` live in ``dynotrace.model.schema``
so the model stays a plain description of the run.

Counting rules (the README's "What the numbers count" repeats them for users):

* a *compile* is one ``compilation_metrics`` event: Dynamo finished (or gave up on) one
  frame compile, whatever its outcome;
* a *recompile* is a compile of a code object that already had cache entries (frame compile
  id > 0) which Dynamo did not refuse for the recompile limit; a refused attempt is a
  *recompile limit hit* instead;
* a *graph* is one FX graph Dynamo handed to the backend (``dynamo_output_graph``);
* a *graph break* is one ``dynamo_graph_break_reason`` artifact: Dynamo stopped tracing at
  an unsupported construct. The same site breaking again in a later compile counts again,
  since it split that compile too;
* *guards* is Dynamo's own ``guard_count`` per compile, summed; *shape guards* likewise its
  ``shape_env_guard_count`` (the SymBool guards the shape environment kept; the events list
  every one Dynamo added while tracing, some of which it later dropped as redundant).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

# Re-exported: the model's places live in location.py, which trials.py shares.
from dynotrace.model.location import Location as Location, is_library_file as is_library_file
from dynotrace.model.trials import Trials

CompileStatus = Literal["ok", "failed", "recompile_limit", "skipped"]

_T = TypeVar("_T")
_FIELDS: dict[type, frozenset[str]] = {}


def evolve(obj: _T, **changes: Any) -> _T:
    """``dataclasses.replace(obj, **changes)`` for a model object whose class has no
    ``__post_init__`` (all but ``Report``): a copy of its fields with ``changes`` over
    them, without running ``__init__`` again. The fold and the explainer replace a few
    fields of every compile and guard failure (12,000 objects for a 50 MB log), and
    ``replace`` spent most of its time setting each unchanged field anew, one
    ``object.__setattr__`` per field of a frozen class."""
    kind = type(obj)
    names = _FIELDS.get(kind)
    if names is None:
        assert not hasattr(kind, "__post_init__"), f"{kind.__name__} needs dataclasses.replace"
        names = _FIELDS[kind] = frozenset(f.name for f in fields(kind))  # type: ignore[arg-type]
    if not names.issuperset(changes):
        raise TypeError(f"{kind.__name__} has no field {sorted(set(changes) - names)[0]!r}")
    new = object.__new__(kind)
    state = new.__dict__
    state.update(obj.__dict__)
    state.update(changes)
    return new


@dataclass(frozen=True)
class GraphBreak:
    """Dynamo stopped tracing here, in torch's own words.

    ``skip`` is true when Dynamo could not resume after the break and ran the whole frame
    eagerly instead of splitting it.
    """

    gb_type: str
    explanation: str
    hints: tuple[str, ...] = ()
    gb_id: str | None = None
    doc_url: str | None = None
    location: Location | None = None
    user_stack: tuple[Location, ...] = ()
    skip: bool = False
    caused_by_earlier_break: bool = False


@dataclass(frozen=True)
class Guard:
    """One check in a compile's guard tree (``+- KIND: check  # user code  # file:line``)."""

    kind: str
    check: str
    source: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class ShapeSymbol:
    """A symbolic size Dynamo introduced: ``s77 = L['x'].size()[0]``."""

    symbol: str
    source: str
    value: str
    range: str
    location: Location | None = None
    unbacked: bool = False


@dataclass(frozen=True)
class ShapeGuard:
    """A SymBool guard over shape symbols (``s77 > 4``), with the user line that made it.

    ``runtime_assert`` marks a fact about an unbacked symbol (``u0 >= 1``, from
    ``torch._check`` or ``.item()``): the graph checks it when it runs; it is not a guard
    that decides whether the compiled code is reused.
    """

    expr: str
    location: Location | None = None
    runtime_assert: bool = False
    #: ``expr`` with symbols replaced by their sources (``x.size()[0] > 4``).
    named: str = ""


@dataclass(frozen=True)
class Specialization:
    """A symbol forced to a constant, and why (Dynamo's ``symbolic_shape_specialization``)."""

    symbol: str
    source: str
    value: str
    reason: str
    location: Location | None = None


@dataclass(frozen=True)
class GuardFailure:
    """Why one earlier cache entry no longer matched: Dynamo's reason text, parsed where its
    form is known (``source``, ``expected``, ``actual``)."""

    failed_compile_id: str
    reason: str
    source: str | None = None
    expected: str | None = None
    actual: str | None = None
    location: Location | None = None
    #: The cause, classified from the failing guard (``dynotrace.analysis.causes``), e.g.
    #: ``tensor_shape``, ``dtype``, ``scalar_value``, ``object_identity``; ``other`` when
    #: the guard is of no known form.
    category: str = "other"
    #: The failing guard's kind in the failed compile's guard tree (``TENSOR_MATCH``, ...).
    guard_kind: str | None = None
    #: What a user can change so this guard stops failing.
    suggestion: str = ""


@dataclass(frozen=True)
class GuardChange:
    """A guard on the same source and of the same kind whose check differs."""

    before: Guard
    after: Guard


@dataclass(frozen=True)
class GuardSetDiff:
    """How one compile's guards became another's: dropped, added, or changed in place."""

    removed: tuple[Guard, ...] = ()
    added: tuple[Guard, ...] = ()
    changed: tuple[GuardChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.changed)


@dataclass(frozen=True)
class CacheLookup:
    """One compile cache lookup of a compile, as Inductor or AOTAutograd logged it (the
    ``fx_graph_cache_*`` and ``aotautograd_cache_*`` artifacts).

    ``cache`` names the cache (``fx_graph``, ``aotautograd``, ...), ``outcome`` is ``hit``,
    ``miss`` or ``bypass``; ``detail`` is torch's finer status where it gives one (2.9+:
    ``full_miss``, no entry for this graph; ``guard_miss``, entries whose shape guards
    failed, ``guard`` holding one of them), ``reason`` why the cache was bypassed.
    """

    cache: str
    outcome: str
    detail: str | None = None
    reason: str | None = None
    guard: str | None = None


@dataclass(frozen=True)
class CompileTime:
    """Where one compile's time went, from its own ``compilation_metrics`` (seconds).

    ``total_s`` is the whole frame compile; ``dynamo_s`` the part outside the backend
    (tracing, guards); ``aot_s`` the backend's part outside Inductor (AOTAutograd);
    ``inductor_s`` Inductor's; ``backward_s`` the Inductor compile of the backward graph,
    which happens at the first backward call. ``start_s`` is when the compile started,
    seconds after the first compile of the report started. ``cache`` lists the compile
    caches' lookups. All of it may differ between two runs of the same program: it lives
    in the report file's ``timing`` section.
    """

    start_s: float | None = None
    total_s: float | None = None
    dynamo_s: float | None = None
    aot_s: float | None = None
    inductor_s: float | None = None
    backward_s: float | None = None
    cache: tuple[CacheLookup, ...] = ()


@dataclass(frozen=True)
class Compile:
    """One frame compile, id ``frame/compile`` as Dynamo numbers it."""

    compile_id: str
    frame_id: int
    frame_compile_id: int
    #: The compiled code's function name; for a resume function (the code after a graph
    #: break), the function it continues, at ``resume_line``.
    code_name: str
    status: CompileStatus
    resume_line: int | None = None
    fail_type: str | None = None
    fail_reason: str | None = None
    graphs: int = 0
    graph_op_count: int | None = None
    graph_node_count: int | None = None
    guard_count: int | None = None
    shape_env_guard_count: int | None = None
    guard_failures: tuple[GuardFailure, ...] = ()
    graph_breaks: tuple[GraphBreak, ...] = ()
    guards: tuple[Guard, ...] = ()
    symbols: tuple[ShapeSymbol, ...] = ()
    shape_guards: tuple[ShapeGuard, ...] = ()
    specializations: tuple[Specialization, ...] = ()
    restart_reasons: tuple[str, ...] = ()
    #: For a recompile: how its guards differ from those of the compile whose guard failed.
    guard_diff: GuardSetDiff | None = None
    #: Shape constraints this compile's graph is valid for, in source terms and simplified
    #: (``5 <= x.size()[0]``), from its shape guards.
    shape_constraints: tuple[str, ...] = ()
    #: The class of ``self`` when the compiled frame is a method (from its guards).
    self_class: str | None = None
    #: For a wrapper frame (``wrapper(*args)`` around a model's method): the class of the
    #: object it was called with as ``args[0]``, from its guards.
    wrapped_class: str | None = None
    #: Where user code called the compiled frame: the innermost frame of the user's own
    #: code (not an installed package, the standard library or torch) below it.
    call_site: Location | None = None
    #: The frame was called by ``nn.Module.__call__``: it runs as a module's ``forward``
    #: (possibly through a decorator of the forward, which is then the frame compiled).
    module_forward: bool = False
    #: How many cache entries of the frame's code Dynamo counted towards its recompile limit
    #: when it compiled (``compilation_metrics.cache_size``: those guarding the same
    #: ``ID_MATCH``-ed objects).
    cache_size: int | None = None
    #: Where its compile time went, and its cache lookups (``None`` when not known). Not
    #: compared: two runs of one program differ here (the report file keeps it in ``timing``).
    time: CompileTime | None = field(default=None, compare=False)

    @property
    def is_recompile(self) -> bool:
        """Dynamo compiled the frame again because the guards of a cache entry it had
        failed, as torch counts it (``is_recompilation``: a cache entry for the same
        ``ID_MATCH``-ed objects existed; a second module instance compiled on its own is no
        recompile). A compile the recompile limit refused is not one."""
        if self.frame_compile_id == 0 or self.status == "recompile_limit":
            return False
        return self.cache_size is None or self.cache_size > 0

    @property
    def limit_raised(self) -> bool:
        """A recompile-limit hit that raised from the call (``FailOnRecompileLimitHit``:
        ``fail_on_recompile_limit_hit`` or ``fullgraph=True`` is set) instead of running
        the frame eagerly."""
        return self.status == "recompile_limit" and (self.fail_type or "").startswith("FailOn")


#: A function's headline counts, in the order reports list them (``Function.counts``).
FUNCTION_COUNTS = ("compiles", "recompiles", "graphs", "graph_breaks", "recompile_limit_hits")


@dataclass(frozen=True)
class Function:
    """A user function and every compile of it, resume functions folded in at their line."""

    name: str
    file: str
    first_line: int
    compiles: tuple[Compile, ...] = ()
    #: ``Class.method`` for a method, else the function's name.
    qualified_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.file}:{self.name}"

    @property
    def display_name(self) -> str:
        return self.qualified_name or self.name

    @property
    def recompiles(self) -> int:
        return sum(1 for c in self.compiles if c.is_recompile)

    @property
    def graph_breaks(self) -> int:
        return sum(len(c.graph_breaks) for c in self.compiles)

    @property
    def graphs(self) -> int:
        return sum(c.graphs for c in self.compiles)

    @property
    def recompile_limit_hits(self) -> int:
        return sum(1 for c in self.compiles if c.status == "recompile_limit")

    @property
    def limit_raised(self) -> bool:
        """Its recompile-limit hits raised from the call instead of running it eagerly."""
        return any(c.limit_raised for c in self.compiles)

    def counts(self) -> dict[str, int]:
        """Its ``FUNCTION_COUNTS`` by name, in that order."""
        values = (len(self.compiles), self.recompiles, self.graphs, self.graph_breaks, self.recompile_limit_hits)
        return dict(zip(FUNCTION_COUNTS, values, strict=True))


class Functions(tuple[Function, ...]):
    """The report's functions, in first-compile order; also indexable by name:
    ``report.functions["forward"]`` or ``report.functions["Net.forward"]``."""

    def __getitem__(self, key):  # type: ignore[no-untyped-def, override]
        if isinstance(key, str):
            for function in self:
                if key in (function.name, function.display_name, function.key):
                    return function
            raise KeyError(key)
        return super().__getitem__(key)

    def names(self) -> list[str]:
        return [f.display_name for f in self]


@dataclass(frozen=True)
class Summary:
    """The headline counts. Each equals what torch counted in the same run."""

    functions: int
    compiles: int
    graphs: int
    graph_breaks: int
    recompiles: int
    guards: int
    recompile_limit_hits: int
    failed_compiles: int
    shape_guards: int


@dataclass(frozen=True)
class ReadProblems:
    """What the TORCH_TRACE reader could not use; all zero for a live capture."""

    malformed_lines: int = 0
    bad_payloads: int = 0
    unknown_kinds: tuple[tuple[str, int], ...] = ()
    messages: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.malformed_lines or self.bad_payloads or self.unknown_kinds)


@dataclass(frozen=True)
class RunInfo:
    """What ran and how: everything here is deterministic for the same command."""

    command: str
    source: Literal["live", "trace"]
    torch_version: str | None
    python_version: str
    dynotrace_version: str
    backend_override: str | None = None
    exit_code: int | None = None
    interrupted: bool = False


@dataclass(frozen=True)
class Report:
    """Everything dynotrace knows about one run. ``timing`` is the only part that may differ
    between two runs of the same program."""

    run: RunInfo
    functions: Functions = field(default_factory=Functions)
    problems: ReadProblems = field(default_factory=ReadProblems)
    notes: tuple[str, ...] = ()
    timing: dict[str, float] = field(default_factory=dict, compare=False)
    #: The schema version of the file this report was loaded from; ``None`` for a report
    #: made in this process (it is then of the current version).
    schema_version: int | None = field(default=None, compare=False)
    #: ``--try-fixes``: what rerunning the script with each candidate fix changed; ``None``
    #: when no fix was tried. Not compared: trials describe other runs, not this one.
    trials: Trials | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.functions, Functions):
            object.__setattr__(self, "functions", Functions(self.functions))

    @property
    def compiles(self) -> tuple[Compile, ...]:
        return tuple(c for f in self.functions for c in f.compiles)

    @property
    def graph_breaks(self) -> tuple[GraphBreak, ...]:
        """Every graph break of the run, in compile order."""
        return tuple(gb for c in self.compiles for gb in c.graph_breaks)

    @property
    def summary(self) -> Summary:
        compiles = self.compiles
        return Summary(
            functions=len(self.functions),
            compiles=len(compiles),
            graphs=sum(c.graphs for c in compiles),
            graph_breaks=sum(len(c.graph_breaks) for c in compiles),
            recompiles=sum(1 for c in compiles if c.is_recompile),
            guards=sum(c.guard_count or 0 for c in compiles),
            recompile_limit_hits=sum(1 for c in compiles if c.status == "recompile_limit"),
            failed_compiles=sum(1 for c in compiles if c.status in ("failed", "skipped")),
            shape_guards=sum(c.shape_env_guard_count or 0 for c in compiles),
        )
