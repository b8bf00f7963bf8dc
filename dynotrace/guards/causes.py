"""Why a recompile happened, in categories a user can act on, with what to change.

``classify`` reads one parsed guard failure (``dynotrace.guards.reasons``) and, where it
helps, the guard in the failed compile's tree that failed; ``suggest`` gives one concrete
fix per category.
"""

from __future__ import annotations

import re

from dynotrace.model import Guard, GuardFailure

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
    "other",
)

_SIZE_SOURCE = re.compile(r"\.(?:size|stride)\(\)\[\d+\]|\.shape\[\d+\]|storage_offset\(\)")
_TENSOR_WHAT = {
    ".dtype": "dtype",
    ".device": "device",
    ".requires_grad": "requires_grad",
    " dispatch keys": "device",
    ".dim()": "tensor_shape",
}


def classify(failure: GuardFailure, guard: Guard | None = None) -> str:
    """The cause category of one guard failure."""
    reason = failure.reason
    source = failure.source or ""
    kind = guard.kind if guard else failure.guard_kind
    if reason.startswith("tensor '"):
        if ".size()[" in source:
            return "tensor_shape"
        if ".stride()[" in source:
            return "stride"
        for suffix, category in _TENSOR_WHAT.items():
            if source.endswith(suffix):
                return category
        return "other"
    if reason.startswith("Tensor device index mismatch"):
        return "device"
    if reason.startswith("GLOBAL_STATE changed") or kind in ("GLOBAL_STATE", "DEFAULT_DEVICE", "TORCH_FUNCTION_MODE_STACK"):
        return "global_state"
    if reason.startswith("expected type of") or "___check_type_id" in reason or kind == "TYPE_MATCH":
        return "type_changed"
    if "___check_obj_id" in reason or kind in ("ID_MATCH", "CLOSURE_MATCH", "FUNCTION_MATCH"):
        return "object_identity"
    if reason.startswith("len(") or kind in ("LENGTH_CHECK", "DICT_LENGTH", "DICT_KEYS_MATCH", "DICT_CONTAINS"):
        return "container"
    if _SIZE_SOURCE.search(reason):
        return "shape_constraint"
    if source.endswith(".training") or ".training ==" in reason:
        return "training_flag"
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


def suggest(failure: GuardFailure, category: str, *, became_dynamic: bool = False) -> str:
    """One concrete change that stops this guard from failing."""
    source = failure.source or "the value"
    if category == "tensor_shape" and source.endswith(".dim()"):
        return (
            f"{source.removesuffix('.dim()')} changed its number of dimensions; a compiled graph "
            "serves one rank. Reshape inputs to one rank before the call, or expect one compile per rank."
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
            f"A different object was passed as {source} (a module, function or lambda created anew "
            "on each call?). Dynamo guards on its identity: create it once, outside the loop, and reuse it."
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
    if category == "global_state":
        return (
            "Global torch state changed between calls (grad mode, autocast, default dtype, ...): "
            "call the compiled code under one state, or expect one compile per state."
        )
    return "Dynamo's guard text is above; see https://pytorch.org/docs/stable/torch.compiler_troubleshooting.html"
