"""Parse a graph break's text (the ``dynamo_graph_break_reason`` artifact) in torch's words.

The artifact reads::

    Graph break in user code at /path/f.py:12
    Graph Break Reason: Encountered graph break when attempting to trace CALL: ...:

    Failed to trace builtin operator
      Explanation: ...
      Hint: ...
      Developer debug context: ...

     For more details about this graph break, please visit: https://.../gb/gb0059.html

    User code traceback:
      File "/path/f.py", line 18, in <module>
        f(x)
      File "/path/f.py", line 12, in f
        print("hi")

    Traceback (most recent call last): ...      (Dynamo's own, ignored)

A frame that cannot resume starts with "Graph break: torch.compile cannot properly resume
from this graph break, which results in a skip." instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dynotrace.model import GraphBreak, Location

_DOC = re.compile(r"https?://\S+/gb/(gb\d{4})\.html", re.IGNORECASE)
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')
_ENCOUNTERED = re.compile(r"^Encountered graph break when attempting to trace .*:\s*$")
_SKIP_MARK = "cannot properly resume from this graph break"
# torch wraps a break it cannot resume from around the break itself (2.10+): "Encountered
# graph break that we cannot resume from. Compiling up to the previous resumable state, then
# skipping the rest of the function. Graph break encountered:" or "Failed to handle graph
# break gracefully. Skipping the function and falling back to eager. Graph break
# encountered:", then a blank line and the inner break in the registry's format. The inner
# break is the cause; the wrapper only says what it cost.
_WRAPPED = re.compile(r"Graph break encountered:\s*$")
_CAUSED_BY_EARLIER = "caused by a previous graph break"


@dataclass(frozen=True)
class RegistryEntry:
    gb_id: str
    gb_type: str
    explanation: str
    hints: tuple[str, ...]


@lru_cache(maxsize=1)
def load_registry() -> dict[str, RegistryEntry]:
    """torch's ``graph_break_registry.json`` by GB id; empty when torch is not installed.

    Read as a file (not imported) so reading reports never imports torch.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "_dynamo" / "graph_break_registry.json"
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries: dict[str, RegistryEntry] = {}
    for gb_id, versions in raw.items():
        if not versions:
            continue
        latest = versions[0]
        entries[gb_id] = RegistryEntry(
            gb_id,
            str(latest.get("Gb_type", "")),
            str(latest.get("Explanation", "")),
            tuple(str(h) for h in latest.get("Hints", [])),
        )
    return entries


@lru_cache(maxsize=1)
def _ids_by_type() -> dict[str, str]:
    return {e.gb_type: e.gb_id for e in load_registry().values()}


def _user_stack(lines: list[str], resolve: Callable[[str], str]) -> tuple[Location, ...]:
    frames: list[Location] = []
    for i, line in enumerate(lines):
        m = _FRAME.match(line)
        if m is None:
            if line.strip() == "" or line.startswith("Traceback"):
                if frames:
                    break
            continue
        code = ""
        if i + 1 < len(lines) and not _FRAME.match(lines[i + 1]):
            nxt = lines[i + 1].strip()
            if nxt and not set(nxt) <= {"^", "~", " "}:
                code = nxt
        frames.append(Location(resolve(m["file"]), int(m["line"]), m["func"].strip(), code))
    return tuple(frames)


def parse_graph_break(text: str, resolve: Callable[[str], str] = lambda f: f) -> GraphBreak:
    """The graph break a ``dynamo_graph_break_reason`` payload describes."""
    lines = text.splitlines()
    skip = _SKIP_MARK in text.split("\n", 2)[0] or _SKIP_MARK in text[:300]

    reason_lines: list[str] = []
    stack_lines: list[str] = []
    section = "head"
    for line in lines:
        if line.startswith("Graph Break Reason:"):
            section = "reason"
            first = line[len("Graph Break Reason:") :].strip()
            if _WRAPPED.search(first):
                skip = True
            elif first and not _ENCOUNTERED.match(first):
                reason_lines.append(first)
            continue
        if line.startswith(("User code traceback:", "The graph break occurred in the following user code:")):
            section = "stack"
            continue
        if line.startswith("Traceback (most recent call last):"):
            if section == "stack":
                break
            section = "tail"
            continue
        if section == "reason":
            reason_lines.append(line)
        elif section == "stack":
            stack_lines.append(line)

    if skip and not reason_lines:
        # Skip messages carry the reason only in the exception at the end.
        reason_lines = _exception_reason(lines)

    gb_type, explanation, hints, doc_url = _split_reason(reason_lines)
    gb_id = None
    m = _DOC.search(text)
    if m:
        gb_id = m[1].upper()
    elif gb_type in _ids_by_type():
        gb_id = _ids_by_type()[gb_type]
    if not explanation and gb_id and gb_id in load_registry():
        explanation = _plain(load_registry()[gb_id].explanation)
    stack = _user_stack(stack_lines, resolve)
    return GraphBreak(
        gb_type=gb_type or "Unknown graph break",
        explanation=explanation,
        hints=hints,
        gb_id=gb_id,
        doc_url=doc_url,
        location=stack[-1] if stack else None,
        user_stack=stack,
        skip=skip,
        caused_by_earlier_break=_CAUSED_BY_EARLIER in text,
    )


def _plain(explanation: str) -> str:
    """A registry explanation as a reader can take it: many are the source of an f-string
    (``Dynamo does not know how to trace `{fn.__name__}` ...``, ``"..." + trace_info``) or
    the name of a variable (``observed_exn_gb_explanation``), which mean nothing without the
    values torch filled in; those are left out."""
    if any(c in explanation for c in '{}"+') or " " not in explanation.strip():
        return ""  # a template, or the name of a variable torch's source held it in
    return explanation


def _exception_reason(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.startswith("torch._dynamo.exc.Unsupported: "):
            return [line[len("torch._dynamo.exc.Unsupported: ") :], *lines[i + 1 :]]
    return []


def _split_reason(reason: list[str]) -> tuple[str, str, tuple[str, ...], str | None]:
    gb_type = ""
    explanation: list[str] = []
    hints: list[str] = []
    doc_url = None
    current: list[str] | None = None
    for line in reason:
        stripped = line.strip()
        if not gb_type:
            if stripped:
                gb_type = stripped
            continue
        if stripped.startswith("Explanation:"):
            current = explanation
            explanation.append(stripped[len("Explanation:") :].strip())
        elif stripped.startswith("Hint:"):
            hints.append(stripped[len("Hint:") :].strip())
            current = None
        elif stripped.startswith("Developer debug context:"):
            current = None
        elif stripped.startswith("For more details about this graph break"):
            m = re.search(r"https?://\S+", stripped)
            doc_url = m[0] if m else None
            current = None
        elif current is explanation and stripped:
            explanation.append(stripped)
    return gb_type, "\n".join(explanation).strip(), tuple(hints), doc_url


def torch_context(gb: GraphBreak) -> str | None:
    """What torch's own words leave out about a graph break torch makes on purpose, where
    it is one of those: ``None`` for every other break."""
    loc = gb.location
    if loc is not None and loc.file == "<site-packages>/torch/optim/optimizer.py" and "graph_break()" in gb.gb_type:
        return (
            "torch's optimizer breaks here on purpose: its step runs under no_grad as a graph of its own "
            "(Optimizer._use_grad). Nothing to change."
        )
    if "torch/optim/lr_scheduler.py" in gb.explanation:
        return (
            "The skipped function is the wrapper an LR scheduler puts around opt.step (to count its calls), in "
            "torch/optim/lr_scheduler.py, which Dynamo never traces: the compiled code stops at opt.step() and the "
            "optimizer's step is compiled as a function of its own. Expected with a scheduler; nothing to change."
        )
    return None
