"""Stable identities for comparing two runs or two compiles, and the guard-set diff.

A guard's identity is its kind, source and check with everything that changes between
runs taken out: object ids and addresses, the numbering Dynamo gives to generated names
(``G['__builtins_dict___1']``) and to shape symbols (``s77``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from dynotrace.model import Guard

_NUMBERED_NAME = re.compile(r"(___)\d+\b")
_SYMBOL = re.compile(r"\b([su])\d+\b")
_LONG_NUMBER = re.compile(r"\b\d{9,}\b")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")


def normalise(text: str) -> str:
    """Text with run-specific numbers taken out, for matching across runs."""
    text = _ADDRESS.sub("0x?", text)
    text = _LONG_NUMBER.sub("<id>", text)
    text = _NUMBERED_NAME.sub(r"\1N", text)
    return _SYMBOL.sub(r"\1?", text)


def guard_identity(guard: Guard) -> tuple[str, str, str]:
    """``(kind, source, check)``, normalised: equal for the same guard in another run."""
    return (guard.kind, normalise(guard.source or ""), normalise(" ".join(guard.check.split())))


@dataclass(frozen=True)
class GuardChange:
    """A guard on the same source and of the same kind whose check differs."""

    before: Guard
    after: Guard


@dataclass(frozen=True)
class GuardSetDiff:
    """How one guard set became another: what was dropped, added, or changed in place."""

    removed: tuple[Guard, ...] = ()
    added: tuple[Guard, ...] = ()
    changed: tuple[GuardChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.changed)


def diff_guards(before: tuple[Guard, ...], after: tuple[Guard, ...]) -> GuardSetDiff:
    """Match guards by identity; the leftovers of the same kind and source are changes."""
    remaining: dict[tuple[str, str, str], list[Guard]] = defaultdict(list)
    for g in after:
        remaining[guard_identity(g)].append(g)
    unmatched_before: list[Guard] = []
    for g in before:
        bucket = remaining.get(guard_identity(g))
        if bucket:
            bucket.pop(0)
        else:
            unmatched_before.append(g)
    unmatched_after = _ordered_leftovers(after, remaining)

    by_place: dict[tuple[str, str], list[Guard]] = defaultdict(list)
    for g in unmatched_after:
        by_place[(g.kind, normalise(g.source or ""))].append(g)
    removed: list[Guard] = []
    changed: list[GuardChange] = []
    for g in unmatched_before:
        candidates = by_place.get((g.kind, normalise(g.source or "")))
        if candidates:
            changed.append(GuardChange(g, candidates.pop(0)))
        else:
            removed.append(g)
    added = [g for bucket in by_place.values() for g in bucket]
    added.sort(key=unmatched_after.index)
    return GuardSetDiff(tuple(removed), tuple(added), tuple(changed))


def _ordered_leftovers(after: tuple[Guard, ...], remaining: dict[tuple[str, str, str], list[Guard]]) -> list[Guard]:
    """The guards of ``after`` still unmatched, in their original order."""
    counts = {key: len(bucket) for key, bucket in remaining.items() if bucket}
    leftovers: list[Guard] = []
    # Unmatched guards are the last ones of each identity bucket (matching popped from the front).
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for g in after:
        totals[guard_identity(g)] += 1
    for g in after:
        key = guard_identity(g)
        seen[key] += 1
        if seen[key] > totals[key] - counts.get(key, 0):
            leftovers.append(g)
    return leftovers
