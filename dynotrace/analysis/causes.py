"""Why a recompile happened, in categories a user can act on, with what to change.

``classify`` reads one parsed guard failure (``dynotrace.analysis.reasons``), the guard in
the failed compile's tree that failed, and what that tree says the guarded value *is*
(``dynotrace.analysis.sources``: a local argument, an item of a dict the caller passes, an
attribute of a module, a setting of an optimizer, a value carried over a graph break, ...):
the category follows from that structure, not from the guard's wording. ``suggest`` gives
one fix per category, and every template that tells a story (the last batch of an epoch, a
KV cache growing, generate()'s prompt and decoding steps) is used only where its premise
holds for that guard (``Premises``); where none holds, it says what changed, plainly.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from dynotrace.analysis.reasons import TENSOR_PROPERTY_CAUSES
from dynotrace.analysis.sources import Source, is_optimizer, parse_source, value_of
from dynotrace.model import Guard, GuardFailure, Location
from dynotrace.releases import ALIASING_KINDS, DIM_MARKING_KIND, canonical_kind, is_dim_marking

#: Every category, in the order the README documents them.
CATEGORIES = (
    "tensor_shape",
    "shape_constraint",
    "dtype",
    "device",
    "requires_grad",
    "stride",
    "scalar_value",
    "object_identity",
    "type_changed",
    "container",
    "global_variable",
    "module_attribute",
    "training_flag",
    "global_state",
    "dynamic_marking",
    "tensor_aliasing",
    "cow_tensor",
    "current_stream",
    "optimizer_setting",
    "passed_value",
    "value_range",
    "resumed_value",
    "shared_code",
    "other",
)

_SIZE_SOURCE = re.compile(r"\.(?:size|stride)\(\)\[\d+\]|\.shape\[\d+\]|storage_offset\(\)")


# ``a is b`` between two sources (not ``x is None``): whether two arguments were one object.
_SAME_OBJECT = re.compile(r"^(?P<a>[^\s]+) is (?:not )?(?P<b>[^\s]+)$")
_CONSTANTS = frozenset({"None", "True", "False", "Ellipsis", "NotImplemented"})
_CONTAINER_CHECK = re.compile(
    r"^(?:len|set\.__len__|frozenset\.__len__|___list_reverseiterator_len)\(|^list\((?:dict\.keys\(|[^()]+\.keys\(\)\))"
)


def structure(failure: GuardFailure, guard: Guard | None) -> Source | None:
    """The structure of the value a failure is about: from the failed guard's own source in
    Dynamo's syntax when the tree names it, else from the failure's source."""
    return _structure(guard.source if guard else None, failure.source)


def _structure(guard_source: str | None, failure_source: str | None) -> Source | None:
    for text in (guard_source, failure_source):
        if text:
            parsed = parse_source(text)
            if parsed is not None:
                return parsed
    return None


def classify(failure: GuardFailure, guard: Guard | None = None, types: Mapping[str, str] | None = None) -> str:
    """The cause category of one guard failure. ``types`` is what the failed compile's
    guard tree says each source is (``L['self']`` -> ``torch.optim.adamw.AdamW``)."""
    category, where = _category(
        failure.reason,
        failure.source,
        failure.expected,
        guard.kind if guard else failure.guard_kind,
        guard.source if guard else None,
    )
    if where is not None and optimizer_state(where, types or {}):
        return "optimizer_setting"
    return category


@functools.lru_cache(maxsize=4096)
def _category(
    reason: str, failure_source: str | None, expected: str | None, kind: str | None, guard_source: str | None
) -> tuple[str, Source | None]:
    """``classify`` from every field of the failure and its guard that it reads, all but the
    guard tree's types: the category unless the value is an optimizer's, and the value's
    structure when that test comes before the category (``None`` when the category is
    decided first). Cached: a big log's failures repeat (8,283 failures of 68 distinct
    arguments in the 57 MB bench log), and ``types`` differs from compile to compile."""
    source = failure_source or ""
    if is_dim_marking(reason) or (kind and canonical_kind(kind) == DIM_MARKING_KIND):
        return "dynamic_marking", None
    if reason.startswith(("Duplicate tensors found", "NO_TENSOR_ALIASING")) or kind in ALIASING_KINDS:
        return "tensor_aliasing", None
    same = _SAME_OBJECT.match(reason)
    if same and same["b"] not in _CONSTANTS and not same["b"][:1].isdigit():
        return "tensor_aliasing", None
    if "___cow_tensor_matches(" in reason or kind == "COW_TENSOR_MATCH":
        return "cow_tensor", None
    if "___get_current_stream(" in reason or kind == "CURRENT_STREAM_MATCH":
        return "current_stream", None
    if reason.startswith("tensor '"):
        if source.startswith("global state:"):
            return "global_state", None
        if ".size()[" in source:
            return "tensor_shape", None
        if ".stride()[" in source:
            return "stride", None
        for suffix, category in TENSOR_PROPERTY_CAUSES.items():
            if source.endswith(suffix):
                return category, None
        return "other", None
    if reason.startswith("Tensor device index mismatch"):
        return "device", None
    if reason.startswith("GLOBAL_STATE changed") or kind in ("GLOBAL_STATE", "DEFAULT_DEVICE", "TORCH_FUNCTION_MODE_STACK"):
        return "global_state", None
    if source.endswith(".training") or ".training ==" in reason:
        # Also when the flag is guarded by the identity of the bool: ___check_obj_id(m.training, id).
        return "training_flag", None
    where = _structure(guard_source, failure_source)
    if reason.startswith("expected type of") or "___check_type_id" in reason or kind == "TYPE_MATCH":
        return "type_changed", where
    if "___check_obj_id" in reason or kind in ("ID_MATCH", "CLOSURE_MATCH", "FUNCTION_MATCH"):
        return "object_identity", where
    if _CONTAINER_CHECK.match(reason) or kind in (
        "LENGTH_CHECK", "DICT_LENGTH", "DICT_KEYS_MATCH", "DICT_CONTAINS", "SET_CONTAINS", "LIST_REVERSEITERATOR_LEN"
    ) or "___dict_contains(" in reason:
        return "container", where
    if same:  # ``x is None``: an optional argument given, or no longer given
        return "type_changed", where
    if _SIZE_SOURCE.search(reason):
        return "shape_constraint", where
    if _RANGE.match(reason) or (expected or "").startswith(("between ", ">", "<")):
        return "value_range", where
    if where is not None:
        if where.scope == "stack":
            return "resumed_value", where
        if where.scope in ("global", "dynamo"):
            return "global_variable", where
        if where.steps:
            return ("module_attribute" if module_state(where) else "passed_value"), where
    if reason.startswith("G[") or "G['" in reason.split(" ", 1)[0]:
        return "global_variable", where
    if "." in source or "[" in source:
        return "module_attribute", where
    if kind == "EQUALS_MATCH" or (expected is not None and source.isidentifier()):
        return "scalar_value", where
    return "other", where


# An int's range a graph holds for: ``16 <= t <= 99``, ``t <= 99``, ``1 <= t`` (no tensor size).
_NAME = r"[A-Za-z_][\w.\[\]'\"]*"
_RANGE = re.compile(rf"^(?:-?\d+ <=? {_NAME}(?: <=? -?\d+)?|{_NAME} <=? -?\d+)$")


def optimizer_state(where: Source, types: Mapping[str, str]) -> bool:
    """The value is a setting or the state of an optimizer: a global Dynamo made for an
    optimizer's state, a path through ``param_groups``, or a root the guard tree names an
    optimizer class."""
    if where.scope == "dynamo" and where.name.startswith("__optimizer"):
        return True
    if "param_groups" in where.attributes:
        return True
    return any(is_optimizer(t) for t in where.types(types)[:-1] if t)


def module_state(where: Source) -> bool:
    """The value hangs off a module (the frame's ``self``, a submodule, a parameter or a
    buffer), not off something the caller passed in."""
    if where.name == "self" or where.name.startswith("self."):
        return True
    return any(s.kind in ("module", "parameter", "buffer") for s in where.steps) or "training" in where.attributes


_SIZE_OR_STRIDE = re.compile(r"^(?P<t>.+?)\.(?:size|stride)\(\)\[(?P<d>\d+)\]$")


def _tensor_and_dim(source: str) -> tuple[str, str]:
    m = _SIZE_OR_STRIDE.match(source)
    return (m["t"], m["d"]) if m else (source, "0")


# A key/value cache by the names libraries give it (transformers' Cache layers' ``keys`` and
# ``values``, ``past_key_values``, ``k_cache``...).
_KV_CACHE = re.compile(r"cache|past_key|key_states|value_states|\.(?:keys|values)\b", re.IGNORECASE)
# Token inputs whose dimension 1 is the sequence length.
_TOKEN_INPUTS = frozenset(
    {
        "input_ids", "attention_mask", "position_ids", "labels", "token_type_ids", "inputs_embeds",
        "decoder_input_ids", "decoder_attention_mask", "cache_position", "tokens", "ids",
    }
)
# A cache object's state as transformers' Cache classes hold it (a layer's tensors, whether
# it was initialised): a changed type, attribute or length there is the cache filling up.
_CACHE_STATE = re.compile(
    r"(?:cache|past_key_values).*(?:layers\[|\.keys\b|\.values\b|key_cache|value_cache|is_initialized|is_updated)", re.IGNORECASE
)
_STATE_CATEGORIES = frozenset({"type_changed", "module_attribute", "container", "scalar_value", "object_identity", "passed_value"})
# The lower bound every dynamic size gets (torch specialises sizes 0 and 1).
_AT_LEAST_TWO = re.compile(r"^2 <= [^<>=]+$")
_ARGUMENT = re.compile(r"""^(?:kwargs\[['"](?P<key>\w+)['"]\]|(?P<name>[A-Za-z_]\w*))""")
#: Where mark_unbacked lives on every release dynotrace supports (2.6+): not re-exported by
#: ``torch._dynamo``.
MARK_UNBACKED = "torch._dynamo.decorators.mark_unbacked"


@dataclass(frozen=True)
class Premises:
    """What is known about the guard beyond its failure, for the fix templates to check
    their premises against.

    ``became_dynamic``: the next compile made the failed value symbolic. ``call_site``: the
    user's line that called the compiled code; ``in_library``: the compiled code is an
    installed package's. ``view``: the tensor was a view of another (``x._base`` guarded: an
    intermediate, not what a data loader yields). ``first_change``: the failed compile was
    the first of the function on that value (all earlier calls had the expected value).
    ``resume_line``: the line a resume function resumes at; ``resumed``: the recompiled code
    is one. ``generate``: the call came through ``generate()``.
    """

    became_dynamic: bool = False
    call_site: Location | None = None
    in_library: bool = False
    view: bool = False
    first_change: bool = True
    resume_line: int | None = None
    types: Mapping[str, str] = field(default_factory=dict)
    #: The recompiled code is a resume function: its locals were computed before the break.
    resumed: bool = False

    @property
    def generate(self) -> bool:
        return self.call_site is not None and ".generate(" in self.call_site.code

    @property
    def yours(self) -> str:
        site = self.call_site
        return f" at {site.file}:{site.line}" if site else ""

    @property
    def from_a_loop(self) -> bool:
        """The user's call is not itself inside a model's ``forward``: the value comes from
        the loop that feeds the model (a data loader), not from inside a model."""
        return self.call_site is not None and self.call_site.function not in ("forward", "__call__", "_call_impl")


def _argument_name(tensor: str) -> str | None:
    """The argument a guarded tensor came in as: ``kwargs['input_ids'].x`` -> ``input_ids``."""
    m = _ARGUMENT.match(tensor)
    return (m["key"] or m["name"]) if m else None


def passed_as(argument: str | None, call_site: Location | None) -> str | None:
    """What the user's line passes as ``argument=`` (``model(input_ids=batch)`` -> ``batch``)."""
    if not argument or call_site is None or not call_site.code:
        return None
    try:
        tree = ast.parse(call_site.code.strip().rstrip(":\\"))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == argument:
                    return ast.unparse(keyword.value)
    return None


_INT = re.compile(r"-?\d+")


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and _INT.fullmatch(text.strip()) else None


def _shape_fix(failure: GuardFailure, p: Premises) -> str:
    """The fix for a size that changed, phrased for what the user controls (the value they
    pass at their own line), each story told only where its premise holds."""
    source = failure.source or "the size"
    tensor, dim = _tensor_and_dim(source)
    argument = _argument_name(tensor)
    variable = passed_as(argument, p.call_site)
    was, now = _int(failure.expected), _int(failure.actual)
    was_text, now_text = failure.expected or "?", failure.actual or "another value"
    named = _named(variable, argument, tensor)
    automatic = "Automatic dynamic made it symbolic in the next compile, so this cost one recompile. " if p.became_dynamic else ""
    if tensor.startswith("(value"):
        # Premise: the tensor is one the code computed before a graph break (a resume
        # function's input): nothing the user passes.
        return (
            f"The size of a tensor the code computed before the graph break{f' at line {p.resume_line}' if p.resume_line else ''} "
            f"changed in dimension {dim} ({was_text}, then {now_text}). {automatic}The code compiled after the break "
            "specialises on what the code before it produced: remove that graph break (see the graph breaks below) "
            "so both halves are one graph that treats the size as dynamic."
        )
    if dim == "1" and argument in _TOKEN_INPUTS and p.generate and now == 1:
        # Premise: generate() called the model on the prompt, then on one token.
        return (
            f"generate() runs the model on the whole prompt ({was_text} tokens), then on one new token at a time "
            f"({now_text}): one compile for the prompt and one for the decoding steps are expected. To share one "
            'graph, use a fixed-size cache (model.generate(..., cache_implementation="static")) or compile with dynamic=True.'
        )
    if now is not None and now < 2:
        # Premise: the new size is 0 or 1, which torch always specialises.
        last = ""
        if dim == "0" and was is not None and now < was and p.first_change and p.from_a_loop and not p.view:
            last = f" If it is the short last batch of an epoch, drop it (DataLoader(..., drop_last=True)) or pad it to {was} rows."
        return (
            f"The size of {named} in dimension {dim} went from {was_text} to {now_text}{p.yours}. torch specialises "
            "sizes 0 and 1: a graph compiled for a dynamic size holds for 2 and more, so marking the dimension "
            f"dynamic (mark_dynamic) does not prevent this recompile.{last} To serve every size with one graph, "
            f"mark it unbacked before the call: {MARK_UNBACKED}({variable or (tensor if not p.in_library else 't')}, {dim})"
            + (" on the tensor you pass." if p.in_library and variable is None else ".")
        )
    cache = _KV_CACHE.search(tensor) is not None
    if cache and dim == "2" and was is not None and now == was + 1:
        # Premise: a cache tensor's sequence dimension ([batch, heads, seq, head_dim]) grew
        # by one position: one more token.
        return (
            f"The KV cache grew by one position ({was_text}, then {now_text}): one more token. {automatic}"
            "To compile once for every length, give generation a fixed-size cache: "
            'model.generate(..., cache_implementation="static") (a StaticCache preallocates the maximum length).'
        )
    if cache and dim == "2" and was is not None and now is not None:
        return (
            f"The KV cache's sequence length changed from {was_text} to {now_text}: a new input length, not one more "
            f"token. {automatic}Pad inputs to one length or to a few bucket lengths, or use a fixed-size cache "
            '(model.generate(..., cache_implementation="static")).'
        )
    if p.resumed and not tensor.startswith(("kwargs[", "args[")) and "." not in tensor and "[" not in tensor:
        # Premise: the tensor is a local the function computed before a graph break (the
        # compile resumes there): nothing a caller passes.
        return (
            f"{tensor} is computed inside the function before the graph break at line {p.resume_line}, and its size "
            f"in dimension {dim} changed ({was_text}, then {now_text}): a size that depends on the data. {automatic}"
            "Remove that graph break, so the size stays symbolic inside one graph, or mark it dynamic where it is "
            f"created: torch._dynamo.maybe_mark_dynamic({tensor}, {dim})."
        )
    mark = f"torch._dynamo.mark_dynamic({variable or tensor}, {dim})"
    # Marking before the first call: the call that recompiled is not the place (the
    # first compile already specialised), so no line is named, only what to mark.
    first_mark = mark
    if p.in_library and variable is None:
        mark = f"torch._dynamo.mark_dynamic(t, {dim}) on the tensor you pass{p.yours}"
        first_mark = f"torch._dynamo.mark_dynamic(t, {dim}) on the tensor you pass"
    else:
        if p.yours:
            mark += f" before your call{p.yours}"
        if variable is None and argument:
            # Whether or not the caller's line is known (a log may not name it).
            first_mark += f" on the tensor you pass as {argument}"
    if dim == "1" and argument in _TOKEN_INPUTS and not cache:
        return (
            f"The sequence length of {named} changed ({was_text}, then {now_text}). {automatic}Pad your inputs "
            'to one length (tokenizer(..., padding="max_length", max_length=N)) or to a few bucket lengths, '
            f"or mark the length dynamic: {mark}."
        )
    if dim == "0" and was is not None and now is not None and now < was and p.first_change and p.from_a_loop and not p.view and not cache:
        # Premise: the batch dimension of what the user's loop passes shrank after equal calls.
        return (
            f"The batch size of {named} went from {was_text} to {now_text}{p.yours}: a smaller batch after calls of "
            f"{was_text}, as the last one of an epoch is. {automatic}Drop it (DataLoader(..., drop_last=True)), pad it to "
            f"{was_text} rows, or mark the batch dimension dynamic: {mark}."
        )
    what = f"{source} changed from {was_text} to {now_text}"
    if p.view:
        what += f" ({tensor} is a view of a larger tensor: a size computed inside the model, not one you pass)"
    if p.became_dynamic:
        return (
            f"{what}. Automatic dynamic made it symbolic in the next compile, so this cost one recompile; to skip it, "
            f"mark it before the first call: {first_mark}, or compile with dynamic=True."
        )
    return (
        f"{what}. If it keeps changing, mark it dynamic before the first call: {first_mark}, or compile with "
        "dynamic=True; if it takes a few fixed values, pad inputs to one size."
    )


def _named(variable: str | None, argument: str | None, tensor: str) -> str:
    if variable and argument and variable != argument:
        return f"{variable} (passed as {argument})"
    return variable or argument or tensor


def _changed(failure: GuardFailure) -> str:
    was, now = failure.expected, failure.actual
    if was is None and now is None:
        return ""
    return f" ({was if was is not None else '?'} -> {now if now is not None else 'another value'})"


def _specialised(source: str, p: Premises) -> str:
    """What Dynamo did with a Python number that changed: specialised on its first value,
    and, when the next compile shows it, made it dynamic (ints and floats alike: torch's
    ``specialize_float`` is False on every release 2.6-2.15)."""
    if p.became_dynamic:
        return f"Dynamo specialised on the first value of {source}, then made it dynamic (automatic dynamic): this cost one recompile, and later values reuse the graph."
    return (
        f"Dynamo specialised the compiled code on the value of {source} (a value the code needs exactly, such as "
        "range(n) or a Python branch on it, stays specialised even after automatic dynamic)."
    )


def suggest(failure: GuardFailure, category: str, premises: Premises | None = None, **legacy: object) -> str:
    """One concrete change that stops this guard from failing, stated only where its
    premise holds for this guard (``Premises``)."""
    p = premises or Premises(**legacy)  # type: ignore[arg-type]
    source = failure.source or "the value"
    if category == "tensor_shape" and source.endswith(".dim()"):
        return (
            f"{source.removesuffix('.dim()')} changed its number of dimensions; a compiled graph "
            "serves one rank. Reshape inputs to one rank before the call, or expect one compile per rank."
        )
    if category == "tensor_shape":
        return _shape_fix(failure, p)
    if category in _STATE_CATEGORIES and _CACHE_STATE.search(source) and p.generate:
        # Premise: the call came through generate(), which builds a new cache each time.
        return (
            f"The KV cache changed state between calls ({source}: {failure.expected or '?'}, now "
            f"{failure.actual or 'another value'}): each generate() starts from a new, empty cache that fills up, so "
            "the compiled code meets it in each state. One compile per state is expected; to keep one layout "
            'from the first call, use a fixed-size cache: model.generate(..., cache_implementation="static").'
        )
    if category == "shape_constraint" and _AT_LEAST_TWO.match(failure.reason):
        tensor, dim = _tensor_and_dim(source)
        variable = passed_as(_argument_name(tensor), p.call_site)
        return (
            f"{variable or source} had size 0 or 1 in dimension {dim}{p.yours}. A dynamic size is compiled for values "
            "of 2 and more (torch specialises 0 and 1), so a size of one needs a graph of its own; mark_dynamic does "
            f"not change that. Mark the dimension unbacked before the call ({MARK_UNBACKED}({variable or tensor}, {dim})), "
            "drop or pad a short last batch (DataLoader(..., drop_last=True)), or expect one more compile."
        )
    if category == "shape_constraint":
        return (
            f"The compiled graph was only valid while {failure.reason} held, because user code "
            "branched on a size there. A size on the other side needs its own graph: expect one "
            "compile per side, or remove the size-dependent Python branch (compute both sides and "
            "select with torch.where)."
        )
    if category == "value_range":
        now = f" (now {failure.actual})" if failure.actual else ""
        return (
            f"The graph was compiled for {source} {failure.expected or 'in a range'}, because the code branches on its "
            f"value{now}: a value outside the range takes the other branch and needs a graph of its own. One compile "
            f"per side of the branch is expected; to compile once, pass {source} as a tensor and select with "
            "torch.where instead of a Python if."
        )
    if category == "optimizer_setting":
        key = source.rsplit("[", 1)[-1].strip("]'\"") if "[" in source else source.rsplit(".", 1)[-1]
        first = _specialised(source, p)
        if key == "lr":
            return (
                f"{source} is the optimizer's learning rate, which an LR scheduler rewrites as a new Python float at "
                f"each step{_changed(failure)}. {first} To compile the optimizer step once for the whole schedule, give "
                "the optimizer a tensor learning rate: torch.optim.AdamW(params, lr=torch.tensor(1e-3)) (any "
                "optimizer; the scheduler then updates the tensor in place)."
            )
        return (
            f"{source} is a setting of the optimizer (its param_groups){_changed(failure)}. {first} Keep it fixed "
            "between steps, or give it as a tensor when the optimizer accepts one."
        )
    if category == "passed_value":
        root = source.split("[", 1)[0].split(".", 1)[0]
        return (
            f"{source} is a value of {root}, which your code passes to the compiled function{_changed(failure)}. "
            f"{_specialised(source, p)} If it keeps changing, pass it as a tensor (torch.tensor(...)) so its value is "
            "data, not code; if it takes a few values, expect one compile per value."
        )
    if category == "resumed_value":
        line = f" at line {p.resume_line}" if p.resume_line else ""
        return (
            f"A value the code computed before the graph break{line} changed{_changed(failure)}; the code compiled "
            "after the break specialised on it. Remove that graph break (see the graph breaks below), so the value "
            "stays inside one graph."
        )
    if category == "dtype":
        return (
            f"Pass {source.removesuffix('.dtype')} with one dtype on every call (convert with .to(dtype) "
            "before calling), or expect one compile per dtype."
        )
    if category == "device":
        tensor = source.removesuffix(" dispatch keys").removesuffix(".device")
        return f"Keep {tensor} on one device (and in one autograd/dispatch state) on every call, or expect one compile per device."
    if category == "requires_grad":
        return f"Pass {source.removesuffix('.requires_grad')} with the same requires_grad on every call (.detach() inputs that need no gradient)."
    if category == "stride":
        return f"Pass {source.split('.stride')[0]} in one memory layout on every call: call .contiguous() on it first."
    if category == "scalar_value":
        return (
            f"{_specialised(source, p)} If it keeps changing, pass it as a tensor (torch.tensor({source})) so its "
            "value is data, not code; if it takes a few values, expect one compile per value."
        )
    if category == "object_identity":
        return (
            f"Dynamo guarded on the identity of {source} (the very object, as it does for modules, functions and "
            "lambdas), and a different one was passed. If it is created anew on each call, create it once, outside "
            "the loop, and reuse it; if it is a flag or an optional value, expect one compile per value."
        )
    if category == "type_changed" and " is " in failure.reason and "." in source:
        return (
            f"{source} was None in one call and not in the other: state that is set on or after the first "
            "call (lazily initialised). Set it before the first compiled call (for a transformers model, "
            "its config), or expect one compile per case."
        )
    if category == "type_changed" and " is " in failure.reason:
        return (
            f"{source} was None in one call and not in the other (an optional argument): Dynamo compiles one "
            "graph for each case. Expect one compile per case, or always pass a value (a tensor of zeros "
            "instead of None)."
        )
    if category == "type_changed":
        return f"{source} changed type between calls; pass the same type every time (e.g. always a tensor)."
    if category == "container" and (failure.expected or "").startswith(("key ", "no key ")):
        key = (failure.actual or "").removeprefix("no key ").removeprefix("key ")
        gained = (failure.actual or "").startswith("key ")
        return (
            f"{source} {'gained' if gained else 'lost'} the key {key}. Dynamo compiles the code for each set of keys "
            "(code that reads the dict may take another path): expect one compile per set of keys, or put every "
            "key in the dict from the first call on."
        )
    if category == "container":
        return (
            f"The length or keys of {source.removeprefix('len(').removesuffix(')')} changed. Dynamo "
            "unrolls Python containers: keep their length and keys fixed, or stack the items into one tensor."
        )
    if category == "global_variable":
        return f"The global {source} changed value; Dynamo bakes globals into the graph as constants. Pass it as an argument (a tensor), or keep it constant."
    if category == "module_attribute" and source.startswith(("kwargs[", "args[")):
        return (
            f"The attribute {source} of an object passed in changed value; Dynamo treats the attributes it "
            "reads as constants. Keep it fixed between calls, or expect one compile per value."
        )
    if category == "module_attribute":
        if p.became_dynamic:
            return (
                f"The module attribute {source} changed{_changed(failure)}. {_specialised(source, p)} To skip even "
                "that one, store it as a tensor (register_buffer) so it is data, not code."
            )
        return (
            f"The module attribute {source} changed value{_changed(failure)}; Dynamo specialises the compiled code on "
            "the attributes it reads. Keep it fixed, or store it as a tensor (register_buffer) so it is data, not code."
        )
    if category == "training_flag":
        return (
            "The module switched between train() and eval(). One compile per mode is expected; "
            "avoid flipping the mode inside a hot loop, or compile a separate copy per mode."
        )
    if category == "dynamic_marking":
        tensor = source if failure.source else "a tensor"
        return (
            f"{tensor} was marked dynamic (torch._dynamo.mark_dynamic or its kin) after it was first compiled "
            "unmarked; the marking is part of what a graph is compiled for. Mark it before the first call, "
            "on every call, or not at all."
        )
    if category == "tensor_aliasing":
        return (
            f"{source} were the same tensor in one call and different tensors in the other, and Dynamo "
            "compiles each aliasing pattern apart. Pass distinct tensors (x.clone()) or the same one every time."
        )
    if category == "cow_tensor":
        return (
            f"{source} was a lazily cloned (copy-on-write) tensor in one call and not in the other, and the "
            "compiled code checked it (torch._C._is_cow_tensor). Don't branch on copy-on-write state inside "
            "compiled code, or materialise the clone (write to it) before the call."
        )
    if category == "current_stream":
        return (
            f"The stream {source} was the current stream of its device in one call and not in the other. "
            "Call the compiled code under the same stream context every time."
        )
    if category == "global_state":
        return (
            "Global torch state changed between calls (grad mode, autocast, default dtype, ...): "
            "call the compiled code under one state, or expect one compile per state."
        )
    return f"The guard {failure.reason} held for the earlier compile and failed now{_changed(failure)}; nothing in it names a known cause."
