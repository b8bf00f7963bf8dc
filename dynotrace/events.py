"""The one event shape that both the live listener and the TORCH_TRACE reader produce.

Dynamo's structured trace (``torch._logging.trace_structured``) emits records whose
metadata is a dict with exactly one key naming the event kind (``"compilation_metrics"``,
``"artifact"``, ``"str"``, ...) plus context keys (``frame_id``, ``frame_compile_id``,
``attempt``, ``has_payload``, ...), and an optional text payload. A ``TraceEvent`` keeps
that record as it is; the fold (``dynotrace.analysis.fold``) gives it meaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

#: Keys of the metadata dict that are context, not the event kind.
CONTEXT_KEYS = frozenset(
    {
        "rank",
        "compiled_autograd_id",
        "frame_id",
        "frame_compile_id",
        "attempt",
        "severity",
        "timestamp",
        "pathname",
        "thread",
        "subgraph_name",
        "has_payload",
        "stack",
    }
)

#: Event kinds whose payload the fold reads. Every other payload is dropped as soon as
#: the event arrives, so a live capture's memory does not grow with generated code.
PAYLOAD_KINDS = frozenset({"dynamo_cpp_guards_str", "dynamo_guards"})

#: ``artifact`` names whose payload the fold reads, and those the comparison of a
#: distributed job's ranks reads (``dynotrace.analysis.facts``): Inductor's collective
#: schedule (a short list, logged only for graphs with collectives) and its runtime
#: estimates (logged only with ``LOG_TLPARSE=1``).
#: The compile caches' lookups (Inductor's FX-graph cache, AOTAutograd's cache, and the
#: caches of Dynamo and precompile that newer releases log): each payload is JSON with the
#: outcome and torch's reason for a miss or a bypass, plus the cache key's whole inputs
#: (tens of KB), which ``slim_payload`` drops as the event arrives.
CACHE_ARTIFACTS = frozenset(
    f"{cache}_cache_{outcome}"
    for cache in ("fx_graph", "aotautograd", "dynamo", "precompile")
    for outcome in ("hit", "miss", "bypass")
)

PAYLOAD_ARTIFACTS = frozenset(
    {
        "dynamo_graph_break_reason",
        "recompile_reasons",
        "dynamo_error",
        "torch_version",
        "inductor_collective_schedule",
        "inductor_runtime_and_tensor_meta",
    }
) | CACHE_ARTIFACTS

#: What tlparse shows for each compile, by event kind: Dynamo's output graph, AOTAutograd's
#: graphs, Inductor's post-grad graph and output code. Big (generated code), so their
#: payloads are kept only when asked for (``wants_payload``'s ``keep``: an HTML report);
#: the guard tree (``dynamo_cpp_guards_str``) and the metrics (an envelope) always are.
ARTIFACT_KINDS = frozenset(
    {
        "dynamo_output_graph",
        "aot_forward_graph",
        "aot_backward_graph",
        "aot_inference_graph",
        "aot_joint_graph",
        "inductor_post_grad_graph",
        "inductor_output_code",
    }
)

#: The keys of a cache lookup's payload that a report reads; ``slim_payload`` keeps only these.
CACHE_KEYS = ("cache_state", "cache_status_detailed", "cache_bypass_reason", "cache_status_guard_expr")


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One structured trace record.

    ``kind`` is the metadata key naming the event; ``data`` is the value under that key
    (a dict for most kinds, ``[string, index]`` for ``str``); ``payload`` is the text
    payload, or ``None`` when the event had none or the fold does not need it.
    ``line`` is the 1-based line of the envelope in a TORCH_TRACE file (0 when live).
    """

    kind: str
    data: Any
    frame_id: int | None = None
    frame_compile_id: int | None = None
    attempt: int | None = None
    payload: str | None = None
    line: int = 0

    @property
    def artifact_name(self) -> str | None:
        if self.kind == "artifact" and isinstance(self.data, dict):
            name = self.data.get("name")
            return name if isinstance(name, str) else None
        return None


def event_kind(metadata: dict[str, Any]) -> str | None:
    """The kind of a metadata dict: its first key that is not a context key."""
    for key in metadata:
        if key not in CONTEXT_KEYS:
            return key
    return None


def wants_payload(kind: str, data: Any, keep: frozenset[str] = frozenset()) -> bool:
    """Whether the fold needs this event's payload (all others are dropped on arrival);
    ``keep`` names more event kinds (or artifact names) whose payload is wanted."""
    if kind in PAYLOAD_KINDS or kind in keep:
        return True
    if kind == "artifact" and isinstance(data, dict):
        name = data.get("name")
        return name in PAYLOAD_ARTIFACTS or name in keep
    return False


def payload_json(payload: str | None, shape: type[T]) -> T | None:
    """A payload's JSON value when it has the ``shape`` expected (``dict``, ``list``), else
    ``None``: no payload, no JSON, or JSON of another shape."""
    if payload is None:
        return None
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return value if isinstance(value, shape) else None


def slim_payload(kind: str, data: Any, payload: str) -> str:
    """The part of a kept payload a report reads: of a cache lookup, its ``CACHE_KEYS``
    (compact JSON; the cache key's inputs it also carries are tens of KB per lookup). Any
    other payload, and one that is not the JSON expected, as it is."""
    if kind != "artifact" or not isinstance(data, dict) or data.get("name") not in CACHE_ARTIFACTS:
        return payload
    value = payload_json(payload, dict)
    if value is None:
        return payload
    return json.dumps({k: value[k] for k in CACHE_KEYS if value.get(k) is not None}, sort_keys=True)


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def make_event(
    metadata: dict[str, Any], payload: str | None, line: int = 0, keep: frozenset[str] = frozenset()
) -> TraceEvent | None:
    """Build a TraceEvent from a metadata dict and payload; ``None`` if it names no kind.
    The payload is kept when ``wants_payload`` (with ``keep``) says so, slimmed."""
    kind = event_kind(metadata)
    if kind is None:
        return None
    data = metadata[kind]
    if isinstance(data, tuple):
        # Live records carry the string table as a tuple; its JSON form is a list.
        data = list(data)
    return TraceEvent(
        kind=kind,
        data=data,
        frame_id=_int(metadata.get("frame_id")),
        frame_compile_id=_int(metadata.get("frame_compile_id")),
        attempt=_int(metadata.get("attempt")),
        payload=slim_payload(kind, data, payload) if payload is not None and wants_payload(kind, data, keep) else None,
        line=line,
    )
