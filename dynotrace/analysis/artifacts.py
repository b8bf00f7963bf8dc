"""What tlparse shows for each compile, taken from the same events the fold reads.

Kept only for an HTML report (``events.ARTIFACT_KINDS`` tells the listener and the reader to
keep those payloads): Dynamo's output graph, AOTAutograd's graphs, Inductor's post-grad
graph and output code (of the forward, and of the backward compiled at the first backward
call), the guard tree, and the compilation metrics. Each compile's configurations
(Dynamo's, Inductor's, ...: the same long text in every compile's metrics) are kept once.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from dynotrace.events import TraceEvent, payload_json
from dynotrace.model import Artifact, Artifacts, CompileArtifacts

#: Each kind's title on a page, in the order a page lists them.
TITLES = {
    "dynamo_output_graph": "Dynamo output graph",
    "aot_joint_graph": "AOTAutograd joint graph",
    "aot_forward_graph": "AOTAutograd forward graph",
    "aot_backward_graph": "AOTAutograd backward graph",
    "aot_inference_graph": "AOTAutograd inference graph",
    "inductor_post_grad_graph": "Inductor post-grad graph",
    "inductor_output_code": "Inductor output code",
    "guards": "Guard tree",
    "metrics": "Compilation metrics",
}
#: Metrics whose value is a whole configuration (kept once, named in the metrics).
CONFIG_METRICS = ("dynamo_config", "inductor_config", "compiler_config", "functorch_config")


def collect_artifacts(
    compiles: Iterable[tuple[str, dict[str, Any], list[TraceEvent], list[TraceEvent]]], *, base_dir: str | None = None
) -> Artifacts:
    """The artifacts of each compile from its id, metrics, events, and the events logged
    after its metrics (its backward's compile), as the fold hands them (``compile_events``,
    in report order). This machine's ``base_dir`` is taken out of the texts, as the report
    takes it out of file names."""
    prefix = base_dir.rstrip(os.sep) + os.sep if base_dir else None
    configs: dict[str, str] = {}
    names: dict[str, str] = {}
    out = []
    for compile_id, metrics, events, later in compiles:
        final = max((ev.attempt or 0 for ev in events), default=0)
        items = [a for ev in events if (a := _artifact(ev, final, "", configs, names)) is not None]
        if metrics:
            items.append(Artifact("metrics", TITLES["metrics"], _metrics_text(metrics, configs, names)))
        items += [a for ev in later if (a := _artifact(ev, None, ", backward", configs, names)) is not None]
        out.append(CompileArtifacts(compile_id, tuple(_numbered(items, prefix))))
    return Artifacts(tuple(out), {name: _clean(configs[digest], prefix) for digest, name in names.items()})


def _artifact(
    ev: TraceEvent, final: int | None, suffix: str, configs: dict[str, str], names: dict[str, str]
) -> Artifact | None:
    kind = ev.artifact_name if ev.kind == "artifact" and ev.artifact_name in TITLES else ev.kind
    if kind == "bwd_compilation_metrics" and isinstance(ev.data, dict):
        return Artifact("metrics", TITLES["metrics"] + suffix, _metrics_text(ev.data, configs, names))
    if ev.payload is None:
        return None
    if kind in TITLES:
        if kind == "dynamo_output_graph" and final is not None and (ev.attempt or 0) != final:
            return None  # an attempt that restarted threw its graph away
        late = suffix if kind.startswith("inductor") or kind == "aot_backward_graph" else ""
        return Artifact(kind, TITLES[kind] + late, ev.payload)
    if kind == "dynamo_cpp_guards_str":
        return Artifact("guards", TITLES["guards"], ev.payload)
    if kind == "dynamo_guards":
        return Artifact("guards", TITLES["guards"], _json_guards(ev.payload))
    return None


def _numbered(items: list[Artifact], prefix: str | None) -> list[Artifact]:
    """Titles made distinct (``Inductor output code (2)``), texts cleaned."""
    counts: dict[str, int] = {}
    for a in items:
        counts[a.title] = counts.get(a.title, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for a in items:
        title = a.title
        if counts[title] > 1:
            seen[title] = seen.get(title, 0) + 1
            title = f"{title} ({seen[title]})"
        out.append(Artifact(a.kind, title, _clean(a.text, prefix)))
    return out


def _clean(text: str, prefix: str | None) -> str:
    return text.replace(prefix, "") if prefix and prefix in text else text


def _metrics_text(metrics: dict[str, Any], configs: dict[str, str], names: dict[str, str]) -> str:
    """``name: value`` per metric that has a value; a configuration by the name it is
    kept under."""
    lines = []
    for key, value in metrics.items():
        if value is None or value == [] or value == {} or key == "recompile_limit_hit":
            continue
        if key in CONFIG_METRICS and isinstance(value, str):
            digest = hashlib.sha1(value.encode("utf-8", "replace")).hexdigest()
            if digest not in names:
                configs[digest] = _pretty(value)
                names[digest] = f"{key} #{sum(1 for n in names.values() if n.startswith(key + ' ')) + 1}"
            lines.append(f"{key}: see {names[digest]} under Configurations")
            continue
        lines.append(f"{key}: {_shown(value)}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    """A metric's value as JSON would write it (a string as it is); the common scalars
    without ``json.dumps``, which a 726-compile log would call 30,000 times."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _pretty(config: str) -> str:
    """A configuration (JSON text) one setting per line."""
    value = payload_json(config, dict)
    if value is None:
        return config
    return "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())


def _json_guards(payload: str) -> str:
    """The older ``dynamo_guards`` JSON as one guard's code per line."""
    items = payload_json(payload, list)
    if items is None:
        return payload
    return "\n".join(str(item.get("code")) for item in items if isinstance(item, dict) and item.get("code"))
