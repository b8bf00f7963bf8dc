"""What Inductor logged per compile that matters across the ranks of a job.

Read from the same events the fold reads (``artifact`` records, carrying the compile's
``frame_id``/``frame_compile_id``):

* ``inductor_collective_schedule``: the collectives of the graph in the order Inductor
  scheduled them, a JSON list of kernel names (``torch/_inductor/debug.py``,
  ``log_collective_schedule``; logged whenever a graph has a collective);
* ``inductor_runtime_and_tensor_meta``: per op, its estimated runtime and its outputs'
  shapes, strides and dtypes (``log_runtime_and_tensor_meta``; only with
  ``LOG_TLPARSE=1``);
* ``*_cache_hit`` / ``*_cache_miss`` / ``*_cache_bypass`` artifacts (FX graph and
  AOTAutograd caches): whether the compile was served from a cache.

tlparse's ``--all-ranks-html`` compares the same three across ranks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dynotrace.events import TraceEvent, payload_json
from dynotrace.model import CompileFacts

COLLECTIVE_SCHEDULE = "inductor_collective_schedule"
RUNTIME_AND_TENSOR_META = "inductor_runtime_and_tensor_meta"
#: Artifact names whose payload this module reads (the listener and the reader keep them).
FACT_ARTIFACTS = frozenset({COLLECTIVE_SCHEDULE, RUNTIME_AND_TENSOR_META})
_CACHE_ARTIFACT = re.compile(r"(?:^|_)cache_(?:hit|miss|bypass)$")


@dataclass
class _Facts:
    collectives: list[str] = field(default_factory=list)
    runtime_ns: float | None = None
    ops_text: tuple[str, ...] | None = None
    cache: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def compile_facts(events: Iterable[TraceEvent]) -> tuple[CompileFacts, ...]:
    """Per compile (in the order its first fact appeared), what these artifacts said.
    Compiles without any such artifact are left out."""
    facts: dict[tuple[int, int], _Facts] = {}
    for ev in events:
        name = ev.artifact_name
        if name is None or ev.frame_id is None or ev.frame_compile_id is None:
            continue
        if name in FACT_ARTIFACTS and ev.payload is None:
            # The reader drops a payload that fails its md5 (the live listener never does).
            facts.setdefault((ev.frame_id, ev.frame_compile_id), _Facts()).unreadable.append(name)
        elif name == COLLECTIVE_SCHEDULE:
            ops = payload_json(ev.payload, list)
            if ops is not None:
                entry = facts.setdefault((ev.frame_id, ev.frame_compile_id), _Facts())
                entry.collectives.extend(str(op) for op in ops if op is not None)
        elif name == RUNTIME_AND_TENSOR_META:
            data = payload_json(ev.payload, dict)
            ops = data.get("ops") if data is not None else None
            if isinstance(ops, list):
                entry = facts.setdefault((ev.frame_id, ev.frame_compile_id), _Facts())
                entry.runtime_ns = (entry.runtime_ns or 0.0) + _runtime_ns(ops)
                entry.ops_text = (entry.ops_text or ()) + tuple(_op_text(op) for op in ops)
        elif _CACHE_ARTIFACT.search(name):
            facts.setdefault((ev.frame_id, ev.frame_compile_id), _Facts()).cache.append(name)
    return tuple(_finish(f"{frame}/{number}", entry) for (frame, number), entry in facts.items())


def _finish(compile_id: str, entry: _Facts) -> CompileFacts:
    ops = entry.ops_text
    return CompileFacts(
        compile_id=compile_id,
        collectives=tuple(entry.collectives),
        estimated_runtime_ms=None if entry.runtime_ns is None else round(entry.runtime_ns / 1e6, 6),
        output_meta=None if ops is None else hashlib.sha1("\n".join(ops).encode("utf-8")).hexdigest()[:16],
        output_ops=None if ops is None else len(ops),
        cache=tuple(entry.cache),
        unreadable=tuple(dict.fromkeys(entry.unreadable)),
        output_ops_text=ops or (),
    )


def _runtime_ns(ops: list[Any]) -> float:
    total = 0.0
    for op in ops:
        value = op.get("estimated_runtime_ns") if isinstance(op, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total += float(value)
    return total


def _op_text(op: Any) -> str:
    """``name: f32[8, 4] stride [4, 1]`` for each output: what the op produces, without
    its runtime estimate (which the digest must not depend on)."""
    if not isinstance(op, dict):
        return str(op)
    outputs = op.get("outputs")
    shown = []
    for out in outputs if isinstance(outputs, list) else []:
        if isinstance(out, dict):
            shown.append(f"{out.get('dtype')}{list(out.get('shape') or [])} stride {list(out.get('stride') or [])}")
    return f"{op.get('name')}: {', '.join(shown) or 'no outputs'}"


def short_collective(name: str) -> str:
    """``torch.ops._c10d_functional.all_reduce_.default`` -> ``all_reduce_``."""
    parts = name.split(".")
    if len(parts) >= 2 and parts[-1] == "default":
        return parts[-2]
    return parts[-1] if parts else name
