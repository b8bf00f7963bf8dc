"""Stable identities for comparing two runs or two compiles, and the guard-set diff.

A guard's identity is its kind, source and check with everything that changes between
runs taken out: object ids and addresses, the numbering Dynamo gives to generated names
(``G['__builtins_dict___1']``) and to shape symbols (``s77``).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping
from itertools import repeat
from operator import attrgetter, itemgetter

from dynotrace.model import GraphBreak, Guard, GuardChange, GuardFailure, GuardSetDiff, ShapeGuard, Specialization
from dynotrace.analysis.names import user_function
from dynotrace.analysis.shapes import rename
from dynotrace.releases import DIM_MARKING_KIND, GLOBAL_STATE_CHECK, canonical_kind, comparable_check, global_state
from dynotrace.releases import global_state_change

_NUMBERED_NAME = re.compile(r"(___)\d+\b")
_SYMBOL = re.compile(r"\b([su])\d+\b")
_LONG_NUMBER = re.compile(r"\b\d{9,}\b")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")


#: Matches wherever one of the four patterns above could (``0x`` and a hex digit, nine
#: digits, ``___`` and a digit, a word starting with ``s`` or ``u`` and a digit): text it
#: does not match is left as it is by all four, so one pass decides most texts. Each of
#: those holds a digit at a fixed place, so the pattern starts at a digit and looks back
#: from there: the engine skips from digit to digit, three times as fast on a guard's
#: check as trying four alternatives at every character.
_RUN_SPECIFIC = re.compile(r"\d(?:(?<=0)x[0-9a-fA-F]|(?<=___\d)|(?<=\b[su]\d)|\d{8})")


@functools.lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """Text with run-specific numbers taken out, for matching across runs."""
    # Cached: the same sources and checks recur in every compile of a function and in both
    # reports of a diff, and four regular-expression passes each are most of a diff's time.
    if _RUN_SPECIFIC.search(text) is None:
        return text
    text = _ADDRESS.sub("0x?", text)
    text = _LONG_NUMBER.sub("<id>", text)
    text = _NUMBERED_NAME.sub(r"\1N", text)
    return _SYMBOL.sub(r"\1?", text)


def guard_identity(guard: Guard) -> tuple[str, str, str]:
    """``(kind, source, check)``, normalised: equal for the same guard in another run, and
    on another torch release (``releases.comparable_check``). A ``GLOBAL_STATE`` guard's
    state is not part of it: ``state_changed`` compares that key by key."""
    return _IDENTITIES[(guard.kind, guard.source, guard.check)]


class _Identities(dict[tuple[str, str | None, str], tuple[str, str, str]]):
    """``(kind, source, check)`` -> the identity, worked out on first use."""

    # A cache like ``normalise``'s: the two reports of a diff hold mostly the same guards
    # (a 50,000-guard diff looks up 100,000). A dict rather than ``lru_cache``: a compile's
    # guards looked up with ``map(_IDENTITIES.__getitem__, ...)`` run no Python code but on
    # a miss, which makes a diff's identities an eighth quicker.
    def __missing__(self, key: tuple[str, str | None, str]) -> tuple[str, str, str]:
        # Bounded as the ``lru_cache`` before it was: a process that diffs report after
        # report does not keep every guard it met.
        if len(self) >= 1 << 18:
            self.clear()
        kind, source, check = key
        identity = self[key] = (canonical_kind(kind), normalise(source or ""), _check_identity(check))
        return identity


_IDENTITIES = _Identities()
_FIELDS = attrgetter("kind", "source", "check")


def _identities(guards: tuple[Guard, ...]) -> list[tuple[str, str, str]]:
    """``guard_identity`` of each guard, in order (a list no caller may change)."""
    global _LAST
    last = _LAST
    if last[0] is guards:
        return last[1]
    identities = list(map(_IDENTITIES.__getitem__, map(_FIELDS, guards)))
    _LAST = (guards, identities)
    return identities


#: The guards whose identities were worked out last, and those identities. Explaining a run
#: diffs each recompile's guards with those of the compile before it, so one compile's guards
#: are the ``after`` of a diff and then the ``before`` of the next: reading each guard's
#: fields once, not twice, saves 19 M of the 432 M instructions that explaining the bench
#: log took. The tuple is held, so ``is`` cannot mistake another tuple at its address for it.
_LAST: tuple[tuple[Guard, ...], list[tuple[str, str, str]]] = ((), [])


@functools.lru_cache(maxsize=1 << 16)
def _check_identity(check: str) -> str:
    # Cached like ``normalise``: a diff meets the same check texts again and again.
    return normalise(comparable_check(" ".join(check.split())))


#: The check part of the identity of every guard whose check starts with
#: ``GLOBAL_STATE_CHECK``.
_STATE_CHECK = _check_identity(GLOBAL_STATE_CHECK)
_CHECK_PART = itemgetter(2)


# Guards Dynamo adds for its own bookkeeping, whatever the user's code: which dimensions
# were marked dynamic, the torch-function mode stack, the default device.
_TORCH_KINDS = frozenset({DIM_MARKING_KIND, "TORCH_FUNCTION_MODE_STACK", "DEFAULT_DEVICE"})
# A local of the compiled frame, or a global of the user's module (not torch itself, not
# one of the names Dynamo makes up: ``G['__import_torch_dot_nn']``, ``G['__builtins_dict___0']``).
_USER_STATE = re.compile(r"\bL\[|\bG\[['\"](?!__)(?!torch['\"])")


def torch_internal(guard: Guard) -> bool:
    """Whether a guard checks torch's own state rather than the user's: torch's modules and
    functions (``G['torch'].relu``), its hooks, Dynamo's bookkeeping on a tensor
    (``hasattr(x, '_dynamo_dynamic_indices')``). Each release adds and drops such guards;
    they are not what a user's code changed. Global state (grad mode, autocast) is the
    user's: ``GLOBAL_STATE`` is never internal."""
    if guard.kind == "GLOBAL_STATE":
        return False
    if canonical_kind(guard.kind) in _TORCH_KINDS or "'_dynamo_" in guard.check or "G['__import_torch" in guard.check:
        return True
    return _USER_STATE.search(f"{guard.source or ''} {guard.check}") is None


def state_changed(before: Guard, after: Guard) -> bool:
    """Whether two guards of the same identity check different global state (grad mode,
    autocast, ...): a key both releases print with different values."""
    a, b = global_state(before.check), global_state(after.check)
    return a is not None and b is not None and bool(global_state_change(a, b))


def diff_guards(before: tuple[Guard, ...], after: tuple[Guard, ...]) -> GuardSetDiff:
    """Match guards by identity; the leftovers of the same kind and source are changes,
    as is a matched global-state guard whose state changed.

    Each guard of ``before``, in order, is matched with the first guard of ``after`` of
    the same identity not matched yet. Of what is left, each guard of ``before`` in order
    is a change to the first guard of ``after`` left of the same kind and source, else it
    was removed; the rest of ``after`` was added. ``removed`` and ``added`` are in their
    side's order, ``changed`` lists the changed global states (in ``before``'s order) and
    then the changes."""
    # Each guard's fields are read here and, for a global-state guard, its check once
    # more: reading an attribute of a guard that msgspec built (``load``) costs some fifteen
    # times what it costs on one built by ``Guard(...)`` (Python 3.11 cannot specialise it),
    # and a diff of two 50,000-guard reports reads 100,000 guards.
    # ``before`` first: ``after`` is then the one remembered, the next diff's ``before``.
    before_ids = _identities(before)
    after_ids = _identities(after)
    # Where each identity first occurs in ``after``: written from the last guard to the
    # first, so the first occurrence is the one kept.
    first = dict(zip(reversed(after_ids), range(len(after) - 1, -1, -1)))
    matched: list[int]
    if len(first) == len(after):
        # Every identity occurs once in ``after`` (as in every real report we have seen):
        # then the first unmatched guard of an identity is its only one until a guard of
        # ``before`` takes it, and taking it is popping it from ``first``; the identities
        # still in ``first`` are those of the guards left unmatched. The same result as
        # ``_match_in_order``, without a Python loop over the guards.
        matched = list(map(first.pop, before_ids, repeat(-1)))
        leftovers = sorted(first.values())
    else:
        matched, leftovers = _match_in_order(before_ids, after_ids)

    state_changes: list[GuardChange] = []
    # ``state_changed`` is false unless both checks start with ``GLOBAL_STATE_CHECK``
    # (``global_state``), and every such check has the identity ``_STATE_CHECK`` (that
    # prefix has no spaces, so collapsing them keeps it, and ``comparable_check`` cuts
    # the check there): pairs of any other identity need no test.
    if _STATE_CHECK in map(_CHECK_PART, before_ids):
        for j, i in enumerate(matched):
            if i >= 0 and before_ids[j][2] == _STATE_CHECK:
                g, match = before[j], after[i]
                # The same text holds the same state: only guards whose text differs are parsed.
                if g.check != match.check and state_changed(g, match):
                    state_changes.append(GuardChange(g, match))

    # An identity is (kind, source, check): its first two are the guard's place.
    by_place: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in leftovers:
        by_place[after_ids[i][:2]].append(i)
    removed: list[Guard] = []
    changed: list[GuardChange] = []
    if -1 in matched:
        for j, i in enumerate(matched):
            if i >= 0:
                continue
            candidates = by_place.get(before_ids[j][:2])
            if candidates:
                changed.append(GuardChange(before[j], after[candidates.pop(0)]))
            else:
                removed.append(before[j])
    added = sorted(i for bucket in by_place.values() for i in bucket)
    return GuardSetDiff(tuple(removed), tuple(after[i] for i in added), tuple(state_changes + changed))


def _match_in_order(
    before_ids: list[tuple[str, str, str]], after_ids: list[tuple[str, str, str]]
) -> tuple[list[int], list[int]]:
    """For each identity of ``before`` in order, the index of the first identity of
    ``after`` equal to it and not taken yet, or -1; and the indexes of ``after`` never
    taken, in order."""
    remaining: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, key in enumerate(after_ids):
        remaining[key].append(i)
    matched = []
    for key in before_ids:
        bucket = remaining.get(key)
        matched.append(bucket.pop(0) if bucket else -1)
    # Taking each identity's first ones left its last ones in the buckets.
    return matched, sorted(i for bucket in remaining.values() for i in bucket)


# Identities of the other things ``dynotrace diff`` matches across two runs. None of them
# holds a line number: an edit above a function moves every line below it, and that alone
# must not make a graph break or a recompile look new.


def code_identity(code: str) -> str:
    """A source line as it matters for matching: its comment dropped and its spacing
    collapsed, so a line that only moved, or whose comment changed, still matches."""
    return " ".join(_without_comment(code).split())


def _without_comment(code: str) -> str:
    # A line from a traceback may be cut short mid-expression, so tokenize cannot be
    # trusted with it; a scan that knows quotes is enough to find a trailing comment.
    quote = ""
    i = 0
    while i < len(code):
        ch = code[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return code[:i]
        i += 1
    return code


def graph_break_identity(gb: GraphBreak, *, by_site: bool = False) -> tuple[str, str, str, str]:
    """``(GB id or type, file, function, code line)``: equal for the same break site in
    another run even when the code around it moved. Falls back to the line number only
    when the report does not have the source line. ``by_site`` leaves the type out, for
    runs on two torch releases, which may name the same break differently (2.6 and 2.7
    wrote free-form messages where later releases give a type)."""
    what = "" if by_site else gb.gb_id or gb.gb_type
    loc = gb.location
    if loc is None:
        return (what, "", "", normalise(gb.explanation))
    return (what, loc.file, user_function(loc.function), code_identity(loc.code) or f"line {loc.line}")


def failure_identity(failure: GuardFailure) -> str:
    """What failed, without the values: the guarded source (``x.size()[0]``), or the
    guard's text when Dynamo's reason names no source."""
    return normalise(failure.source or failure.reason)


def shape_guard_identity(guard: ShapeGuard, names: Mapping[str, str]) -> tuple[bool, str]:
    """``(runtime assert?, expression)`` with shape symbols named by their sources
    (``names`` from ``dynotrace.analysis.shapes.symbol_names``), so symbol numbering does
    not matter."""
    return (guard.runtime_assert, normalise(rename(guard.expr, names)))


def specialization_identity(spec: Specialization) -> tuple[str, str]:
    """``(source, value)`` of a symbol forced to a constant."""
    return (normalise(spec.source), spec.value)
