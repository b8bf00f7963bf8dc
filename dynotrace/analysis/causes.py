"""Why a recompile happened, in categories a user can act on, with what to change.

``classify`` reads one parsed guard failure (``dynotrace.analysis.reasons``) and, where it
helps, the guard in the failed compile's tree that failed; ``suggest`` gives one concrete
fix per category.
"""

from __future__ import annotations

import ast
import re

from dynotrace.releases import ALIASING_KINDS, DIM_MARKING_KIND, canonical_kind, is_dim_marking
from dynotrace.analysis.reasons import TENSOR_PROPERTY_CAUSES
from dynotrace.model import Guard, GuardFailure, Location

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
    "other",
)

_SIZE_SOURCE = re.compile(r"\.(?:size|stride)\(\)\[\d+\]|\.shape\[\d+\]|storage_offset\(\)")


# ``a is b`` between two sources (not ``x is None``): whether two arguments were one object.
_SAME_OBJECT = re.compile(r"^(?P<a>[^\s]+) is (?:not )?(?P<b>[^\s]+)$")
_CONSTANTS = frozenset({"None", "True", "False", "Ellipsis", "NotImplemented"})
_CONTAINER_CHECK = re.compile(
    r"^(?:len|set\.__len__|frozenset\.__len__|___list_reverseiterator_len)\(|^list\((?:dict\.keys\(|[^()]+\.keys\(\)\))"
)


def classify(failure: GuardFailure, guard: Guard | None = None) -> str:
    """The cause category of one guard failure."""
    reason = failure.reason
    source = failure.source or ""
    kind = guard.kind if guard else failure.guard_kind
    if is_dim_marking(reason) or (kind and canonical_kind(kind) == DIM_MARKING_KIND):
        return "dynamic_marking"
    if reason.startswith(("Duplicate tensors found", "NO_TENSOR_ALIASING")) or kind in ALIASING_KINDS:
        return "tensor_aliasing"
    same = _SAME_OBJECT.match(reason)
    if same and same["b"] not in _CONSTANTS and not same["b"][:1].isdigit():
        return "tensor_aliasing"
    if "___cow_tensor_matches(" in reason or kind == "COW_TENSOR_MATCH":
        return "cow_tensor"
    if "___get_current_stream(" in reason or kind == "CURRENT_STREAM_MATCH":
        return "current_stream"
    if reason.startswith("tensor '"):
        if source.startswith("global state:"):
            return "global_state"
        if ".size()[" in source:
            return "tensor_shape"
        if ".stride()[" in source:
            return "stride"
        for suffix, category in TENSOR_PROPERTY_CAUSES.items():
            if source.endswith(suffix):
                return category
        return "other"
    if reason.startswith("Tensor device index mismatch"):
        return "device"
    if reason.startswith("GLOBAL_STATE changed") or kind in ("GLOBAL_STATE", "DEFAULT_DEVICE", "TORCH_FUNCTION_MODE_STACK"):
        return "global_state"
    if source.endswith(".training") or ".training ==" in reason:
        # Also when the flag is guarded by the identity of the bool: ___check_obj_id(m.training, id).
        return "training_flag"
    if reason.startswith("expected type of") or "___check_type_id" in reason or kind == "TYPE_MATCH":
        return "type_changed"
    if "___check_obj_id" in reason or kind in ("ID_MATCH", "CLOSURE_MATCH", "FUNCTION_MATCH"):
        return "object_identity"
    if _CONTAINER_CHECK.match(reason) or kind in (
        "LENGTH_CHECK", "DICT_LENGTH", "DICT_KEYS_MATCH", "DICT_CONTAINS", "SET_CONTAINS", "LIST_REVERSEITERATOR_LEN"
    ):
        return "container"
    if same:  # ``x is None``: an optional argument given, or no longer given
        return "type_changed"
    if _SIZE_SOURCE.search(reason):
        return "shape_constraint"
    if reason.startswith("G[") or "G['" in reason.split(" ", 1)[0]:
        return "global_variable"
    if "." in source or "[" in source:
        return "module_attribute"
    if kind == "EQUALS_MATCH" or (failure.expected is not None and source.isidentifier()):
        return "scalar_value"
    return "other"


def _tensor_and_dim(source: str) -> tuple[str, str]:
    m = re.match(r"^(?P<t>.+?)\.(?:size|stride)\(\)\[(?P<d>\d+)\]$", source)
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
    r"(?:cache|past_key_values).*(?:layers\[|\.keys\b|\.values\b|key_cache|value_cache|is_initialized)", re.IGNORECASE
)
_STATE_CATEGORIES = frozenset({"type_changed", "module_attribute", "container", "scalar_value", "object_identity"})
# The lower bound every dynamic size gets (torch specialises sizes 0 and 1).
_AT_LEAST_TWO = re.compile(r"^2 <= [^<>=]+$")
_ARGUMENT = re.compile(r"""^(?:kwargs\[['"](?P<key>\w+)['"]\]|(?P<name>[A-Za-z_]\w*))""")


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


def _shape_fix(failure: GuardFailure, became_dynamic: bool, call_site: Location | None, in_library: bool) -> str | None:
    """The fix for a size that changed, phrased for what the user controls: the value they
    pass at their own line. ``None`` when no better phrasing than the generic one applies."""
    tensor, dim = _tensor_and_dim(failure.source or "")
    argument = _argument_name(tensor)
    variable = passed_as(argument, call_site)
    was, now = failure.expected or "?", failure.actual or "another value"
    generate = call_site is not None and ".generate(" in call_site.code
    yours = f" at {call_site.file}:{call_site.line}" if call_site else ""
    mark = f"torch._dynamo.mark_dynamic({variable or tensor}, {dim})"
    if in_library and variable is None:
        mark = f"torch._dynamo.mark_dynamic(t, {dim}) on the tensor you pass{yours}"
    else:
        mark += yours and f" before your call{yours}"
    automatic = "Automatic dynamic made it symbolic in the next compile, so this cost one recompile. " if became_dynamic else ""
    if _KV_CACHE.search(tensor) and (in_library or generate):
        return (
            f"The KV cache grows by one position per generated token ({was}, then {now}). {automatic}"
            "To compile once for every length, give generation a fixed-size cache: "
            'model.generate(..., cache_implementation="static") (a StaticCache preallocates the maximum length).'
        )
    if dim == "1" and argument in _TOKEN_INPUTS and generate:
        return (
            f"generate() runs the model on the whole prompt ({was} tokens), then on one new token at a time "
            f"({now}): one compile for the prompt and one for the decoding steps are expected. To share one "
            'graph, use a fixed-size cache (model.generate(..., cache_implementation="static")) or compile with dynamic=True.'
        )
    if dim == "1" and argument in _TOKEN_INPUTS:
        return (
            f"The sequence length of {_named(variable, argument, tensor)} changed ({was}, then {now}). {automatic}Pad your inputs "
            'to one length (tokenizer(..., padding="max_length", max_length=N)) or to a few bucket lengths, '
            f"or mark the length dynamic: {mark}."
        )
    if dim == "0" and failure.expected and failure.actual and failure.actual.isdigit() and was.isdigit() and int(now) < int(was):
        return (
            f"The batch size of {_named(variable, argument, tensor)} went from {was} to {now}{yours}: a smaller batch, "
            f"often the last one of an epoch. {automatic}Drop it (DataLoader(..., drop_last=True)), pad it to "
            f"{was} rows, or mark the batch dimension dynamic: {mark}."
        )
    if in_library or variable:
        return (
            f"{failure.source} changes between calls. {automatic}Mark it dynamic: {mark}, or compile with "
            "dynamic=True; if it takes a few fixed values, pad inputs to one size."
        )
    return None


def _named(variable: str | None, argument: str | None, tensor: str) -> str:
    if variable and argument and variable != argument:
        return f"{variable} (passed as {argument})"
    return variable or argument or tensor


def suggest(
    failure: GuardFailure,
    category: str,
    *,
    became_dynamic: bool = False,
    call_site: Location | None = None,
    in_library: bool = False,
) -> str:
    """One concrete change that stops this guard from failing. ``call_site`` is the user's
    own line that called the compiled code and ``in_library`` says the compiled code is an
    installed package's: the fix then names what the user passes there."""
    source = failure.source or "the value"
    if category == "tensor_shape" and source.endswith(".dim()"):
        return (
            f"{source.removesuffix('.dim()')} changed its number of dimensions; a compiled graph "
            "serves one rank. Reshape inputs to one rank before the call, or expect one compile per rank."
        )
    if category == "tensor_shape" and (fix := _shape_fix(failure, became_dynamic, call_site, in_library)):
        return fix
    if category in _STATE_CATEGORIES and _CACHE_STATE.search(source):
        return (
            f"The KV cache changed state between calls ({source}: {failure.expected or '?'}, now "
            f"{failure.actual or 'another value'}): each generate() starts from a new, empty cache that fills up, so "
            "the compiled code meets it in each state. One compile per state is expected; to keep one layout "
            'from the first call, use a fixed-size cache: model.generate(..., cache_implementation="static").'
        )
    if category == "tensor_shape":
        tensor, dim = _tensor_and_dim(source)
        if became_dynamic:
            return (
                f"{source} changes between calls. Automatic dynamic made it symbolic in the next "
                f"compile, so this costs one recompile; to skip it, mark it before the first call: "
                f"torch._dynamo.mark_dynamic({tensor}, {dim}), or compile with dynamic=True."
            )
        return (
            f"{source} changes between calls. If it keeps changing, mark it dynamic before the first "
            f"call: torch._dynamo.mark_dynamic({tensor}, {dim}), or compile with dynamic=True; if it "
            "takes a few fixed values, pad inputs to one size."
        )
    if category == "shape_constraint" and _AT_LEAST_TWO.match(failure.reason):
        tensor, dim = _tensor_and_dim(source)
        variable = passed_as(_argument_name(tensor), call_site)
        yours = f" at {call_site.file}:{call_site.line}" if call_site else ""
        return (
            f"{variable or source} had size 0 or 1 in dimension {dim}{yours}. A dynamic size is compiled for values "
            "of 2 and more (torch specialises 0 and 1), so a batch or sequence of one row needs a graph of its own: "
            "drop the short last batch (DataLoader(..., drop_last=True)) or pad it, or expect one more compile."
        )
    if category == "shape_constraint":
        return (
            f"The compiled graph was only valid while {failure.reason} held, because user code "
            "branched on a size there. A size on the other side needs its own graph: expect one "
            "compile per side, or remove the size-dependent Python branch (compute both sides and "
            "select with torch.where)."
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
            f"Dynamo specialised the compiled code on the Python value of {source}. Pass it as a "
            f"tensor (torch.tensor({source})) so its value is data, not code; an int that keeps changing "
            "becomes dynamic automatically after one recompile, a float only with "
            "torch._dynamo.config.specialize_float = False."
        )
    if category == "object_identity":
        return (
            f"Dynamo guarded on the identity of {source} (the very object, as it does for modules, functions, "
            "lambdas, and before torch 2.8 for True, False and None too), and a different one was passed. "
            "If it is created anew on each call, create it once, outside the loop, and reuse it; if it is a "
            "flag or an optional value, expect one compile per value."
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
        return (
            f"The attribute {source} changed value; Dynamo treats module attributes as constants. "
            "Keep it fixed, or store it as a tensor (register_buffer) so it is data, not code."
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
    return "Dynamo's guard text is above; see https://pytorch.org/docs/stable/torch.compiler_troubleshooting.html"
