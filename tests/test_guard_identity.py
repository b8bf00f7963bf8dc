"""Guard identities and the guard-set diff, each against the rule it implements spelt out
plainly: ``normalise`` and ``comparable_check`` against their substitutions applied to any
text, ``diff_guards`` against its matching done guard by guard on random guard lists whose
identities repeat, whose texts differ only cosmetically (spacing, addresses, Dynamo's
numbered names, a release's wording) and whose global state changes.

Deterministic like ``test_fuzz.py``: CI sees the same examples on every run.
"""

from __future__ import annotations

import os
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dynotrace.analysis import identity
from dynotrace.analysis.identity import diff_guards, guard_identity, normalise, state_changed
from dynotrace.model import Guard, GuardChange, GuardSetDiff, Location
from dynotrace import releases
from dynotrace.releases import GLOBAL_STATE_CHECK, canonical_kind, comparable_check

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("DYNOTRACE_FUZZ_EXAMPLES", "60")) * 5,
)

_STATE = '___check_global_state() against {{"grad_mode": {}, "autocast_state": {{"cpu": false}}{}}}'
#: (kind, source, check) triples, several of them equal in identity, several of the same place.
_TRIPLES = [
    ("TENSOR_MATCH", "L['x']", "check_tensor(L['x'], Tensor, size=[s77, 3], stride=[3, 1])"),
    ("TENSOR_MATCH", "L['x']", "check_tensor(L['x'],  Tensor, size=[s0, 3], stride=[3, 1])"),
    ("TENSOR_MATCH", "L['x']", "check_tensor(L['x'], Tensor, size=[4, 3], stride=[3, 1])"),
    ("TENSOR_MATCH", "L['x']", "check_tensor(L['x'], Tensor, size=[5, 3], stride=[3, 1])"),
    ("TENSOR_MATCH", "L['x']", "check_tensor(L['x'], Tensor, size=[6, 3], stride=[3, 1])"),
    ("TENSOR_MATCH", "L['y']", "check_tensor(L['y'], Tensor, size=[4, 3], stride=[3, 1])"),
    ("TYPE_MATCH", "L['x']", "___check_type_id(L['x'], 0x7f3a2c10)"),
    ("TYPE_MATCH", "L['x']", "___check_type_id(L['x'], 0x7fff0001)"),
    ("ID_MATCH", "G['__builtins_dict___1']", "___check_obj_id(G['__builtins_dict___1'], 140234567890123)"),
    ("ID_MATCH", "G['__builtins_dict___4']", "___check_obj_id(G['__builtins_dict___4'], 140299999990123)"),
    ("EQUALS_MATCH", "L['self'].k", "L['self'].k == 2   (HINT: torch.compile considers integer attributes static)"),
    ("EQUALS_MATCH", "L['self'].k", "L['self'].k == 2"),
    ("EQUALS_MATCH", "L['self'].k", "L['self'].k == 3"),
    ("EQUALS_MATCH", None, "L['self'].k == 3"),
    ("EQUALS_MATCH", "", "L['self'].k == 3"),
    ("DYNAMIC_INDICES", "L['x']", "hasattr(L['x'], '_dynamo_dynamic_indices') == False"),
    ("DIMENSION_DYNAMIC_MARKING_GUARD", "L['x']", "hasattr(L['x'], '_dynamo_dynamic_indices') == False"),
    ("OBJECT_ALIASING", None, "L['a'] is L['b']"),
    ("LAMBDA_GUARD", None, "L['a'] is L['b']"),
    ("GLOBAL_STATE", None, _STATE.format("true", "")),
    ("GLOBAL_STATE", None, _STATE.format("false", "")),
    ("GLOBAL_STATE", None, _STATE.format("true", ', "cuda_matmul_precision": 1')),
    ("GLOBAL_STATE", None, _STATE.format("true", ', "cuda_matmul_precision": 0')),
    ("GLOBAL_STATE", None, "___check_global_state()"),
    ("GLOBAL_STATE", None, "  " + _STATE.format("false", "")),
    ("GLOBAL_STATE", None, "___check_global_state() against {not json"),
    ("GLOBAL_STATE", "L['x']", _STATE.format("false", "")),
    ("TENSOR_MATCH", "L['x']", _STATE.format("false", "")),
    ("TENSOR_MATCH", "L['x']", _STATE.format("true", "")),
]


def _guards(indexes: list[int], side: int) -> tuple[Guard, ...]:
    # Each guard its own line, so that which of two guards of the same text a diff gives
    # shows in the comparison.
    return tuple(
        Guard(kind, check, source, Location("f.py", side * 1000 + n, "f"))
        for n, (kind, source, check) in enumerate(_TRIPLES[i] for i in indexes)
    )


def _reference(before: tuple[Guard, ...], after: tuple[Guard, ...]) -> GuardSetDiff:
    """``diff_guards``'s docstring, one guard at a time."""
    taken = [False] * len(after)
    unmatched: list[Guard] = []
    state_changes: list[GuardChange] = []
    for g in before:
        i = next((i for i, h in enumerate(after) if not taken[i] and guard_identity(h) == guard_identity(g)), None)
        if i is None:
            unmatched.append(g)
            continue
        taken[i] = True
        if state_changed(g, after[i]):
            state_changes.append(GuardChange(g, after[i]))

    def place(g: Guard) -> tuple[str, str]:
        return (canonical_kind(g.kind), normalise(g.source or ""))

    removed: list[Guard] = []
    changed: list[GuardChange] = []
    for g in unmatched:
        i = next((i for i, h in enumerate(after) if not taken[i] and place(h) == place(g)), None)
        if i is None:
            removed.append(g)
        else:
            taken[i] = True
            changed.append(GuardChange(g, after[i]))
    added = tuple(h for i, h in enumerate(after) if not taken[i])
    return GuardSetDiff(tuple(removed), added, tuple(state_changes + changed))


def _identity_of(i: int) -> tuple[str, str, str]:
    kind, source, check = _TRIPLES[i]
    return guard_identity(Guard(kind, check, source))


_INDEX = st.integers(min_value=0, max_value=len(_TRIPLES) - 1)
_SIDE = st.lists(_INDEX, max_size=14)


@given(
    before=_SIDE,
    # Identities once each in ``after`` (every real report's case), or repeated.
    after=st.one_of(st.lists(_INDEX, max_size=14, unique_by=lambda i: _identity_of(i)), _SIDE),
)
@FUZZ
@example(before=[0, 1], after=[2, 1])
@example(before=[2, 3], after=[4, 0])
@example(before=[19, 20, 23, 25], after=[20, 19, 24, 23])
@example(before=[27], after=[28])
@example(before=[0, 6, 10, 8], after=[11, 7, 9, 5, 1])
def test_guard_diff_follows_its_rule(before: list[int], after: list[int]) -> None:
    b, a = _guards(before, 1), _guards(after, 2)
    assert diff_guards(b, a) == _reference(b, a)


# Pieces of guard text where the run-specific numbers and a release's wording are, and
# pieces that come close.
_TEXT = st.lists(
    st.sampled_from(
        [*"0123456789xXaAfFgsu_ ([',.)<>\t\n", "0x", "0x7f", "___", "___3", "s77", "u0", "as", "L['s1']", "\u0663",
         "123456789", ", type=<", ", type=<class 'C'>", "(HINT: ", "  (HINT: x)", "___as_tensor(", ").item()",
         "___as_tensor(x).item()", "__math_isnan(", "torch.sym_", "torch.sym_max(", "torch.sym_min(", "xtorch.sym_min(",
         GLOBAL_STATE_CHECK]
    ),
    max_size=24,
).map("".join)


@given(text=_TEXT)
@FUZZ
@example(text="f(0x7f, 1234567890, ___3, s77 + u0)")
@example(text="as1 x_s2 \u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663")
def test_normalise_is_its_four_substitutions(text: str) -> None:
    # ``normalise`` runs them only where its quick pattern says one of them could match.
    expected = identity._ADDRESS.sub("0x?", text)
    expected = identity._LONG_NUMBER.sub("<id>", expected)
    expected = identity._NUMBERED_NAME.sub(r"\1N", expected)
    expected = identity._SYMBOL.sub(r"\1?", expected)
    assert normalise(text) == expected
    # The quick pattern is the one-alternative-per-pattern spelling, looked for from a digit.
    plain = re.compile(r"0x[0-9a-fA-F]|\d{9}|___\d|\b[su]\d")
    assert (identity._RUN_SPECIFIC.search(text) is None) == (plain.search(text) is None)


@given(text=_TEXT)
@FUZZ
@example(text="L['self'].k == 2   (HINT: x)")
@example(text="not math.isnan(___as_tensor(L['x']).item()), type=<class 'float'>")
@example(text="torch.sym_max(s0, xtorch.sym_min(s1, 2))")
def test_comparable_check_is_its_substitutions(text: str) -> None:
    # ``comparable_check`` runs each only on a check that holds its text.
    expected = text
    for _, wording, common in releases._CHECK_WORDING:
        expected = wording.sub(common, expected)
    assert comparable_check(text) == (GLOBAL_STATE_CHECK if text.startswith(GLOBAL_STATE_CHECK) else expected)
