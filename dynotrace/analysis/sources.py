"""What a guarded value *is*: Dynamo's source expressions parsed into their structure.

A guard names the value it checks by a *source*, an expression Dynamo can evaluate on the
frame: ``L['x']`` (a local of the compiled frame), ``G['SCALE']`` (a global),
``L['self']._modules['fc']._parameters['weight']`` (a module's parameter),
``L['self'].param_groups[0]['lr']`` (an optimizer's setting), ``L['cfg']['topk']`` (an item
of a dict argument), ``G['__optimizer_<id>_<id>_c4']`` (a global Dynamo made itself),
``___stack0`` (a value the frame resumed with after a graph break). A recompile's cause,
and what to change, follow from that structure and from what the guard tree says each part
is (its class), not from the source's wording.

Recompile reasons name the same values in the user's terms (``self.param_groups[0]['lr']``,
``cfg['topk']``, ``x``): ``parse_source`` reads both spellings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Scope = Literal["local", "global", "stack", "dynamo", "unknown"]
StepKind = Literal["attr", "item", "call", "module", "parameter", "buffer"]


@dataclass(frozen=True)
class Step:
    """One step from a value to a part of it: ``.name`` (``attr``), ``[key]`` (``item``;
    ``key`` is the Python literal), ``.name()`` (``call``), or a module's child, parameter
    or buffer (``._modules['fc']``, ...)."""

    kind: StepKind
    key: str


@dataclass(frozen=True)
class Source:
    """A source's structure: where its root lives (``scope``), the root's name and the steps
    from it. ``dynotrace`` tells a global Dynamo made itself (``G['__optimizer_...']``,
    ``G['__import_torch']``) from one of the user's."""

    scope: Scope
    name: str
    steps: tuple[Step, ...] = ()

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.steps if s.kind in ("attr", "module", "parameter", "buffer"))

    def prefix(self, n: int) -> str:
        """The first ``n`` steps from the root, in Dynamo's syntax (``L['self'].param_groups``)."""
        root = {"local": f"L['{self.name}']", "global": f"G['{self.name}']", "dynamo": f"G['{self.name}']"}.get(
            self.scope, self.name
        )
        text = root
        for step in self.steps[:n]:
            if step.kind == "attr":
                text += f".{step.key}"
            elif step.kind == "item":
                text += f"[{step.key}]"
            elif step.kind == "call":
                text += f".{step.key}()"
            else:
                text += f"._{step.kind}s[{step.key!r}]"
        return text

    def types(self, known: Mapping[str, str]) -> list[str]:
        """The class the guard tree names for the root and for each prefix of the steps
        (``""`` where it names none): ``known`` maps Dynamo's source text to a class."""
        return [known.get(self.prefix(n), "") for n in range(len(self.steps) + 1)]


_ROOT = re.compile(r"""^(?P<scope>[LG])\[\s*(?P<q>['"])(?P<name>.*?)(?P=q)\s*\]""")
_STACK = re.compile(r"^(?:___stack\d+|\((?:value|value \d+) before the graph break at line \d+\))")
_NAME = re.compile(r"^[A-Za-z_]\w*")
_ATTR = re.compile(r"^\.(?P<name>[A-Za-z_]\w*)(?P<call>\(\))?")
_ITEM = re.compile(r"""^\[\s*(?P<key>-?\d+|'[^']*'|"[^"]*")\s*\]""")
_CONTAINERS = {"_modules": "module", "_parameters": "parameter", "_buffers": "buffer"}
#: Globals Dynamo installs itself: a weak reference to an optimizer's state, imported
#: modules, the builtins dict.
_DYNAMO_GLOBAL = re.compile(r"^__(?:optimizer|import|builtins|\w+_dict)")


def parse_source(text: str) -> Source | None:
    """The structure of a source in Dynamo's syntax or the user's; ``None`` when the text
    is not one (a call such as ``len(L['x'])`` is not: its argument is)."""
    text = text.strip()
    m = _ROOT.match(text)
    if m is not None:
        name = m["name"]
        scope: Scope = "local" if m["scope"] == "L" else ("dynamo" if _DYNAMO_GLOBAL.match(name) else "global")
        rest = text[m.end() :]
    elif (m := _STACK.match(text)) is not None:
        name, scope, rest = m.group(0), "stack", text[m.end() :]
    elif (m := _NAME.match(text)) is not None and text[m.end() : m.end() + 1] != "(":
        name, scope, rest = m.group(0), "local", text[m.end() :]
    else:
        return None
    steps: list[Step] = []
    while rest:
        a = _ATTR.match(rest)
        if a is not None:
            rest = rest[a.end() :]
            container = _CONTAINERS.get(a["name"])
            item = _ITEM.match(rest) if container else None
            if container and item is not None:
                steps.append(Step(container, item["key"].strip("'\""))) # type: ignore[arg-type]
                rest = rest[item.end() :]
            else:
                steps.append(Step("call" if a["call"] else "attr", a["name"]))
            continue
        i = _ITEM.match(rest)
        if i is not None:
            steps.append(Step("item", i["key"]))
            rest = rest[i.end() :]
            continue
        return None
    return Source(scope, name, tuple(steps))


#: The parts of a tensor a guard checks, as ``.size()[0]``-style steps.
_TENSOR_PARTS = frozenset({"size", "stride", "storage_offset", "dim"})


def value_of(source: Source) -> Source:
    """The value a tensor-property source is about: ``x.size()[0]`` -> ``x``."""
    steps = list(source.steps)
    while steps and (steps[-1].kind == "item" and len(steps) >= 2 and steps[-2].key in _TENSOR_PARTS):
        steps = steps[:-2]
    while steps and steps[-1].kind == "call" and steps[-1].key in _TENSOR_PARTS:
        steps.pop()
    return Source(source.scope, source.name, tuple(steps))


def is_optimizer(type_name: str) -> bool:
    """A class of ``torch.optim`` (``torch.optim.adamw.AdamW``) or one named like one."""
    return type_name.startswith("torch.optim.") or type_name.rsplit(".", 1)[-1] in _OPTIMIZERS


_OPTIMIZERS = frozenset(
    {"SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "ASGD", "LBFGS", "NAdam", "RAdam", "RMSprop", "Rprop", "SparseAdam", "Adafactor"}
)
#: Containers and records a caller passes settings in.
_CONFIG_TYPES = frozenset({"dict", "collections.OrderedDict", "types.SimpleNamespace", "argparse.Namespace"})


def is_config(type_name: str) -> bool:
    """A dict, a namespace, or a class of the user's own (a dataclass config): a record of
    settings, not a module or a tensor."""
    if type_name in _CONFIG_TYPES:
        return True
    return bool(type_name) and not type_name.startswith(("torch.", "builtins.")) and "." in type_name and not type_name.startswith("transformers.")
