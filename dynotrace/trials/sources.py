"""Torch's own name of a guarded value, as the ``*_sources`` knobs need it.

A recompile reason names a value in the user's terms (``tensor 'x' ...``, ``self.factor ==
2``), but ``torch.compiler.config.dynamic_sources`` and its kin match the names Dynamo
gives its sources internally: ``L['x']``, ``L['self'].factor``, ``G['SCALE']``,
``L['kwargs']['input_ids']``. ``TORCH_COMPILE_DYNAMIC_SOURCES=x`` matches nothing. The
guard tree of the compile whose guard failed holds the internal name (each guard's
``source``), so it is read from there; only a plain local name is ever spelled without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dynotrace.analysis.reasons import user_source
from dynotrace.model import Compile, Function, GuardFailure

_TENSOR_REASON = re.compile(r"^tensor '(?P<name>.+?)' [a-z_ ]+? mismatch")
_SIZED = re.compile(r"^(?P<tensor>.+?)\.(?:size|stride)\(\)\[(?P<dim>\d+)\]$")
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")


@dataclass(frozen=True)
class TorchSource:
    """A guarded value by torch's internal name, and for a tensor's size the dimension."""

    name: str
    dim: int | None = None

    def entry(self, with_dim: bool) -> str:
        """The entry of a ``*_sources`` list: ``L['x']``, or ``L['x']:0`` where the release
        takes a dimension suffix (2.13+)."""
        return f"{self.name}:{self.dim}" if with_dim and self.dim is not None else self.name


def failed_compile(function: Function, compile_: Compile, failure: GuardFailure) -> Compile | None:
    """The compile of ``function`` whose guard ``failure`` says failed: the latest one with
    that id before ``compile_`` (ids repeat after ``torch._dynamo.reset()``)."""
    found = None
    for c in function.compiles:
        if c is compile_:
            break
        if c.compile_id == failure.failed_compile_id:
            found = c
    return found


def torch_source(failure: GuardFailure, failed: Compile | None) -> TorchSource | None:
    """Torch's name of the value whose guard failed, from the failed compile's guard tree;
    ``None`` when it cannot be told (no tree, or a guard on no single value)."""
    tensor, dim = _tensor_of(failure)
    if failed is not None:
        for guard in failed.guards:
            if not guard.source:
                continue
            if tensor is not None:
                if guard.kind == "TENSOR_MATCH" and user_source(guard.source) == tensor:
                    return TorchSource(guard.source, dim)
            elif guard.check == failure.reason or user_source(guard.check) == failure.reason:
                return TorchSource(guard.source)
        if tensor is None and failure.source:
            for guard in failed.guards:
                if guard.source and user_source(guard.source) == failure.source:
                    return TorchSource(guard.source)
    name = tensor if tensor is not None else failure.source
    if name and _IDENTIFIER.match(name):
        # A plain local: Dynamo's LocalSource is L['name'] in every release 2.6-2.15.
        return TorchSource(f"L[{name!r}]", dim)
    return None


def _tensor_of(failure: GuardFailure) -> tuple[str | None, int | None]:
    """The tensor (in the user's terms) and dimension a size guard is about, if it is one."""
    m = _TENSOR_REASON.match(failure.reason)
    source = failure.source or ""
    sized = _SIZED.match(source)
    if m:
        return user_source(m["name"]), int(sized["dim"]) if sized else None
    if sized:
        return sized["tensor"], int(sized["dim"])
    return None, None


_SIZES = re.compile(r"\bsize=\[(?P<dims>[^\]]*)\]")


def made_dynamic(compile_: Compile) -> list[TorchSource]:
    """The tensor dimensions a recompile made dynamic (automatic dynamic): a size that was a
    number in the failed compile's ``TENSOR_MATCH`` and is ``None`` in this one's. A
    recompile's reason names the first guard that failed; when several tensors change size
    together (``f(x, mask=m)``), the others are found here, and each must be dynamic for the
    recompile to go."""
    diff = compile_.guard_diff
    if diff is None:
        return []
    found = []
    for change in diff.changed:
        if change.after.kind != "TENSOR_MATCH" or not change.after.source:
            continue
        before, after = _SIZES.search(change.before.check), _SIZES.search(change.after.check)
        if before is None or after is None:
            continue
        old, new = before["dims"].split(","), after["dims"].split(",")
        if len(old) != len(new):
            continue
        for dim, (a, b) in enumerate(zip(old, new)):
            if a.strip().isdigit() and b.strip() == "None":
                found.append(TorchSource(change.after.source, dim))
    return found


def writable(name: str) -> bool:
    """Whether a source name can be an entry of a ``*_sources`` list: torch removes every
    space of the list and splits it at commas, so a name holding either cannot be given."""
    return "," not in name and " " not in name
