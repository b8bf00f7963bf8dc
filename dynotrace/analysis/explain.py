"""The analysis pass: turn a folded report into an explained one.

For every recompile: the failing guard joined with the guard tree of the compile it belonged
to (its kind and the user line that created it), the cause category, the value that
replaced the expected one where the new compile shows it, one suggestion, and the guard-set
diff between the failed compile and its replacement. For every compile: shape guards in
source terms and simplified constraints. For every function: ``Class.method`` names.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace

from collections.abc import Mapping

from dynotrace.analysis.causes import Premises, classify, suggest
from dynotrace.analysis.identity import diff_guards
from dynotrace.analysis.reasons import user_source
from dynotrace.analysis.shapes import constraints, rename, symbol_names
from dynotrace.model import Compile, Function, Functions, Guard, GuardFailure, Location, Report, evolve, is_library_file
from dynotrace.releases import global_state, global_state_change, marked_tensor

# The source may hold quotes itself: ``tensor 'kwargs['input_ids']' size mismatch ...``.
_TENSOR_REASON = re.compile(r"^tensor '(?P<name>.+?)' [a-z_ ]+? mismatch")
_EQUALS = re.compile(r"^(?P<lhs>.+?) == (?P<rhs>.+)$")


#: What the guard tree of each compile says its guarded sources are, by ``id`` of the
#: compile as the fold built it (``L['self']`` -> ``torch.optim.adamw.AdamW``).
SourceTypes = Mapping[int, Mapping[str, str]]


def explain_report(report: Report, types: SourceTypes | None = None) -> Report:
    """The same report with explanations filled in; pure, deterministic. ``types`` is what
    each compile's guard tree said its sources were (the fold has it; a report loaded from a
    file has not, and its explanations stay as they were written)."""
    explained = replace(report, functions=Functions(_explain_function(f, types or {}) for f in report.functions))
    return replace(explained, notes=explained.notes + _run_notes(explained))


_DDP = "DistributedDataParallel."
#: torch.optim's profiling hook, which wraps every optimizer's ``step``.
_OPTIMIZER_HOOK = "<site-packages>/torch/optim/optimizer.py"


def _run_notes(report: Report) -> tuple[str, ...]:
    """What a reader must know before any detail: that nothing was compiled at all, and
    why when the reason is known (torch.compile around DDP)."""
    notes = []
    summary = report.summary
    ddp_breaks = [f for f in report.functions if f.display_name.startswith(_DDP) and f.graph_breaks]
    if summary.compiles and not summary.graphs:
        why = (
            "every compiled frame ended at a graph break or was skipped before any operation "
            "(see the graph breaks below)"
            if summary.graph_breaks or summary.failed_compiles
            else "no compiled frame held a tensor operation"
        )
        notes.append(
            f"Nothing was compiled: torch.compile entered {summary.compiles} "
            f"{'frame' if summary.compiles == 1 else 'frames'} and produced 0 graphs, so the whole "
            f"program ran eagerly: {why}."
        )
    if ddp_breaks:
        notes.append(
            "torch.compile was applied around DistributedDataParallel: Dynamo breaks on DDP's own forward "
            "(its logging and context managers), so only what DDP calls can be compiled. Compile the module "
            "before wrapping it, DDP(torch.compile(model)) or model.compile() then DDP(model), as PyTorch's "
            "DDP + torch.compile recipe does (DDPOptimizer then splits graphs at the bucket boundaries)."
        )
    return tuple(notes)


class _GuardIndex:
    """One compile's guards looked up by what a failure names: its check, its tensor, its
    source (each the first guard in the compile's order), and whether a tensor was a view.
    A recompile lists a failure for every cache entry before it (8,000 failures over 700
    compiles in a big log); scanning the guards for each took a quarter of the explaining.

    Each table is built when a failure first needs it: in the bench log every failure names
    a tensor, so the checks and sources of 13,000 guards were indexed for nothing."""

    __slots__ = ("_guards", "_by_check", "_global_state", "_tensors", "_by_source", "_texts", "_views")

    def __init__(self, compile_: Compile) -> None:
        self._guards = compile_.guards
        self._by_check: dict[str, Guard] | None = None
        self._tensors: dict[str, Guard] | None = None
        self._by_source: dict[str, Guard] | None = None
        self._global_state: Guard | None = None
        self._texts: tuple[str, str] | None = None
        # Whether a source was a view, by source: the failures of one compile are mostly
        # about the same tensor (8,283 failures, 693 compiles in the bench log).
        self._views: dict[str, bool] = {}

    def failing_guard(self, reason: str, source: str | None) -> Guard | None:
        """The guard Dynamo's ``reason`` (and the ``source`` parsed from it) is about."""
        tensor = _tensor_of(reason)
        if tensor is not None:
            if self._tensors is None:
                self._tensors = {}
                for guard in self._guards:
                    if guard.source and guard.kind == "TENSOR_MATCH":
                        self._tensors.setdefault(user_source(guard.source), guard)
            found = self._tensors.get(tensor)
        else:
            if self._by_check is None:
                self._by_check = {}
                for guard in self._guards:
                    self._by_check.setdefault(user_source(guard.check), guard)
                    self._by_check.setdefault(guard.check, guard)
                    if guard.kind == "GLOBAL_STATE" and self._global_state is None:
                        self._global_state = guard
            found = self._by_check.get(reason)
        if found is not None:
            return found
        if reason.startswith("GLOBAL_STATE"):
            # Only a reason that names no tensor gets here, and its check table was built
            # with the first GLOBAL_STATE guard.
            return self._global_state
        if not source:
            return None
        if self._by_source is None:
            self._by_source = {}
            for guard in self._guards:
                if guard.source:
                    self._by_source.setdefault(user_source(guard.source), guard)
        return self._by_source.get(source)

    def mentions_view(self, source: str) -> bool:
        """Some guard's source starts with ``source._base``, or its check names it."""
        view = self._views.get(source)
        if view is None:
            if self._texts is None:
                # Sources and checks are single lines: one search of the joined text finds
                # what a search of each would.
                self._texts = (
                    "\n".join(g.check for g in self._guards),
                    "\n" + "\n".join(g.source or "" for g in self._guards),
                )
            base = source + "._base"
            view = self._views[source] = base in self._texts[0] or "\n" + base in self._texts[1]
        return view


@functools.lru_cache(maxsize=4096)
def _tensor_of(reason: str) -> str | None:
    """The tensor (in the user's terms) whose check a reason says failed, ``None`` when it
    names none. Cached: 8,283 failures of 68 distinct reasons in the bench log."""
    m = _TENSOR_REASON.match(reason)
    return user_source(m["name"]) if m else None


def _explain_function(function: Function, types: SourceTypes) -> Function:
    # Compile ids repeat after torch._dynamo.reset(); a recompile's failed compile is the
    # latest one with that id before it.
    by_id: dict[str, Compile] = {}
    explained = []
    in_library = is_library_file(function.file)
    changed: set[str] = set()  # the sources that already failed once in this function
    indexes: dict[int, _GuardIndex] = {}
    for c in function.compiles:
        explained.append(_explain_compile(c, by_id, in_library, types, changed, indexes=indexes))
        by_id[c.compile_id] = c
        changed.update(f.source or f.reason for f in c.guard_failures)
    compiles = _shared_code(function.name, tuple(explained))
    name = _qualified_name(function.name, compiles)
    if function.file == _OPTIMIZER_HOOK and function.name == "wrapper":
        # torch's profiling hook around every optimizer's step, by its Python name.
        name = "Optimizer.profile_hook_step.<locals>.wrapper"
    return evolve(function, compiles=compiles, qualified_name=name)


def callees(compiles: tuple[Compile, ...]) -> list[str]:
    """The classes whose methods one code object ran, in first-compile order: more than one
    when the code is shared (a decorator's wrapper around many forwards)."""
    return list(dict.fromkeys(name for c in compiles if (name := c.self_class or c.wrapped_class)))


def _shared_code(name: str, compiles: tuple[Compile, ...]) -> tuple[Compile, ...]:
    """Where one code object ran the methods of several classes, a recompile for another
    class than the failed cache entry's is that sharing, whatever guard noticed it first
    (``fn.__code__``, ``type(self).__name__``, ``len(args)``); so is an attempt the
    recompile limit refused when the same guard failed (a class beyond the limit: its
    compile was refused, so its guards never name it)."""
    classes = callees(compiles)
    if len(classes) < 2:
        return compiles
    refused = any(c.status == "recompile_limit" for c in compiles)
    n = len(classes)
    at_least = (
        f"at least {n + 1} (the {n} classes compiled here and the one the limit refused; more if it wraps more)"
        if refused
        else f"at least {n}"
    )
    listed = f"{', '.join(classes[:6])}{', ...' if n > 6 else ''}"
    shared_by = (
        f"{name} is one code object (a decorator's wrapper) that runs the methods of {n}{' or more' if refused else ''} "
        f"classes ({listed}): Dynamo keeps one cache per code object, so each class needs an entry of its own"
    )
    fix = (
        "Compile the methods it wraps rather than the wrapper (or apply the decorator outside torch.compile), or "
        f"raise torch._dynamo.config.recompile_limit to {at_least}: for shared code that is a fix, not a delay."
    )
    by_id = {c.compile_id: c for c in compiles}
    shared_sources: set[str] = set()
    out = []
    for c in compiles:
        failures = []
        for f in c.guard_failures:
            failed = by_id.get(f.failed_compile_id)
            old = failed and (failed.self_class or failed.wrapped_class)
            new = c.self_class or c.wrapped_class
            if old and new and old != new and f.category not in ("global_state", "training_flag"):
                shared_sources.add(f.source or f.reason)
                f = evolve(
                    f,
                    category="shared_code",
                    expected=old,
                    actual=new,
                    suggestion=(
                        f"{shared_by} (this one was compiled for {new} after {old}), and all of them share one "
                        f"recompile limit (8 entries by default). {fix}"
                    ),
                )
            elif c.status == "recompile_limit" and (f.source or f.reason) in shared_sources:
                f = evolve(
                    f,
                    category="shared_code",
                    suggestion=(
                        f"{shared_by}, and all of them share one recompile limit: the limit refused to compile it "
                        f"for one more. {fix}"
                    ),
                )
            failures.append(f)
        out.append(evolve(c, guard_failures=tuple(failures)))
    return tuple(out)


def _compile_wrapper(name: str, compiles: tuple[Compile, ...]) -> bool:
    """torch.compile(module) compiles ``inner`` of torch's ``external_utils``, which calls
    the module (``wrapped_class`` is then the module's class)."""
    return name == "inner" and any(c.wrapped_class for c in compiles)


def _qualified_name(name: str, compiles: tuple[Compile, ...]) -> str:
    """The name a user knows the function by: ``Class.method`` for a method; for a frame
    that ``nn.Module.__call__`` ran as a module's forward but which is a decorator's
    wrapper (transformers' ``wrapper``, ``wrapped_func``), the module's ``Class.forward``."""
    classes = {c.self_class for c in compiles if c.self_class}
    owner = classes.pop() if len(classes) == 1 else None
    if name != "forward" and (any(c.module_forward for c in compiles) or _compile_wrapper(name, compiles)):
        wrapped = {c.wrapped_class for c in compiles if c.wrapped_class}
        module = owner or (wrapped.pop() if len(wrapped) == 1 else None)
        if module:
            return f"{module}.forward"
    return f"{owner}.{name}" if owner else name


def _explain_compile(
    compile_: Compile,
    by_id: dict[str, Compile],
    in_library: bool = False,
    types: SourceTypes | None = None,
    changed: set[str] | None = None,
    *,
    indexes: dict[int, _GuardIndex],
) -> Compile:
    names = symbol_names(compile_.symbols)
    shape_guards = tuple(evolve(g, named=rename(g.expr, names)) for g in compile_.shape_guards)
    shape_constraints = constraints((g.expr for g in compile_.shape_guards if not g.runtime_assert), names)
    failures = []
    types = types or {}
    changed = changed or set()
    for f in compile_.guard_failures:
        failed = by_id.get(f.failed_compile_id)
        index = None
        failed_types: Mapping[str, str] = {}
        if failed is not None:
            if (index := indexes.get(id(failed))) is None:
                index = indexes[id(failed)] = _GuardIndex(failed)
            failed_types = types.get(id(failed), failed_types)
        failures.append(
            _explain_failure(f, failed, compile_, in_library, failed_types, (f.source or f.reason) not in changed, index)
        )
    guard_diff = None
    if failures and failures[0].failed_compile_id in by_id:
        guard_diff = diff_guards(by_id[failures[0].failed_compile_id].guards, compile_.guards)
    return evolve(
        compile_,
        shape_guards=shape_guards,
        shape_constraints=shape_constraints,
        guard_failures=tuple(failures),
        guard_diff=guard_diff,
    )


def _new_value(failure: GuardFailure, new: Compile) -> tuple[str | None, bool]:
    """The value the source had when the new compile was made, and whether that compile
    made it symbolic (dynamic) instead of specialising again."""
    if failure.source is None:
        return None, False
    base = failure.source
    for symbol in new.symbols:
        if symbol.source and user_source(symbol.source) == base:
            # A symbol the code needed the exact value of (``range(n)`` unrolls a loop) was
            # specialised again: that compile is no more dynamic than the one before.
            again = any(base in user_source(spec.source) for spec in new.specializations)
            return symbol.value, not again
    for guard in new.guards:
        m = _EQUALS.match(user_source(guard.check))
        if m and m["lhs"].strip() == base:
            return m["rhs"].strip(), False
    return None, False


def _global_state(compile_: Compile | None) -> dict[str, object]:
    guard = next((g for g in compile_.guards if g.kind == "GLOBAL_STATE"), None) if compile_ else None
    return (global_state(guard.check) or {}) if guard is not None else {}


def _state_change(failed: Compile | None, new: Compile) -> tuple[str, str, str] | None:
    """Which global torch state changed, from the GLOBAL_STATE guards of both compiles."""
    before, after = _global_state(failed), _global_state(new)
    changed = global_state_change(before, after)
    if not changed:
        return None
    return (
        ", ".join(changed),
        ", ".join(json.dumps(before.get(k)) for k in changed),
        ", ".join(json.dumps(after.get(k)) for k in changed),
    )


_MARKED_DIMS = re.compile(
    r"getattr\((?P<src>.+?), '_dynamo_dynamic_indices', set\(\)\)\.issubset\((?P<dims>\{[^}]*\})\)"
)


def _marked_dims(compile_: Compile | None) -> dict[str, str]:
    """Tensors a compile saw marked dynamic, and which dimensions (from its guards)."""
    found: dict[str, str] = {}
    for guard in compile_.guards if compile_ else ():
        m = _MARKED_DIMS.search(guard.check)
        if m:
            found[user_source(m["src"])] = m["dims"]
    return found


def _marking_change(failed: Compile | None, new: Compile) -> tuple[str, str, str] | None:
    """``(tensor, marked before, marked now)`` for the first tensor whose dynamic marking
    differs between the failed compile and its replacement."""
    before, after = _marked_dims(failed), _marked_dims(new)
    for source in sorted(before.keys() | after.keys()):
        if before.get(source) != after.get(source):
            was, now = before.get(source), after.get(source)
            return (
                source,
                f"dims {was} dynamic" if was else "not marked",
                f"dims {now} dynamic" if now else "not marked",
            )
    return None


def _explain_failure(
    failure: GuardFailure,
    failed: Compile | None,
    new: Compile,
    in_library: bool = False,
    types: Mapping[str, str] | None = None,
    first_change: bool = True,
    index: _GuardIndex | None = None,
) -> GuardFailure:
    guard = index.failing_guard(failure.reason, failure.source) if index is not None else None
    category = classify(failure, guard, types)
    actual = failure.actual
    became_dynamic = False
    if category == "tensor_shape" and failure.source:
        if new.symbols:  # mostly none (6 of 726 compiles have any in the bench log): no generator for them
            became_dynamic = any(s.source and user_source(s.source) == failure.source for s in new.symbols)
    elif category == "dynamic_marking":
        marked = _marking_change(failed, new)
        if marked is not None:
            failure = evolve(failure, source=marked[0], expected=marked[1])
            actual = marked[2]
        else:
            # Some releases' failed check names the tensor (``releases.marked_tensor``).
            named = marked_tensor(failure.reason)
            failure = evolve(failure, source=user_source(named) if named else None, expected=None)
    elif category == "global_state" and (change := _state_change(failed, new)) is not None:
        failure = evolve(failure, source=f"global state: {change[0]}", expected=change[1])
        actual = change[2]
    elif actual is None:
        actual, became_dynamic = _new_value(failure, new)
    location = failure.location or (guard.location if guard else None)
    # The tensor whose size failed was a view of another when it was compiled (its ``._base``
    # is guarded): a tensor computed inside the model, not one a loop passes.
    view = False
    if index is not None and guard is not None and guard.source:
        view = index.mentions_view(guard.source)
    suggestion = _suggestion(
        category,
        failure.reason,
        failure.source,
        failure.expected,
        actual,
        became_dynamic,
        new.call_site,
        in_library,
        view,
        first_change,
        failed.resume_line if failed is not None else new.resume_line,
        new.resume_line is not None,
    )
    return evolve(
        failure,
        category=category,
        guard_kind=guard.kind if guard else failure.guard_kind,
        actual=actual,
        location=location,
        suggestion=suggestion,
    )


@functools.lru_cache(maxsize=4096)
def _suggestion(
    category: str,
    reason: str,
    source: str | None,
    expected: str | None,
    actual: str | None,
    became_dynamic: bool,
    call_site: Location | None,
    in_library: bool,
    view: bool,
    first_change: bool,
    resume_line: int | None,
    resumed: bool,
) -> str:
    """``suggest`` for a failure and premises given by every field it reads (of the failure:
    its reason, source and values; of ``Premises``: all but ``types``, which no template
    reads), so that a failure seen again is one look-up. A big log's failures repeat: 8,283
    suggestions of 274 distinct arguments (265 distinct texts) in the 57 MB bench log.
    ``tests/test_explain.py`` holds this list to what ``suggest`` reads."""
    failure = GuardFailure(failed_compile_id="", reason=reason, source=source, expected=expected, actual=actual)
    premises = Premises(
        became_dynamic=became_dynamic,
        call_site=call_site,
        in_library=in_library,
        view=view,
        first_change=first_change,
        resume_line=resume_line,
        resumed=resumed,
    )
    return suggest(failure, category, premises)

