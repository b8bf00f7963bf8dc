"""Shape guards read without sympy say what sympy says of them (``analysis.shapes``)."""

from __future__ import annotations

import pytest

from dynotrace.analysis.shapes import _simple_constraints, _sympy_constraints, constraints

NAMES = {"s0": "x.size()[0]", "s1": "y.size()[0]"}

CASES = [
    ("2 <= s0",),
    ("s0 < 100", "2 <= s0"),
    ("s0 > 3",),
    ("s0 >= 3", "s0 < 10"),
    ("2 < s0", "s0 <= 4"),
    ("-3 <= s0",),
    ("s2 <= 5",),
    ("Eq(s0, s1)",),
    ("Ne(s0, 1)",),
    ("Eq(s0, 4)",),
    ("Ne(s0, -1)", "Eq(s1, s0)"),
    ("Eq(s0, s1)", "Eq(s0, s1)", "s1 < 8", "1 < s0", "3 <= s0"),
    ("u0 >= 0", "zuf0 > 1"),
    ("4 <= 5",),
]

#: Forms left to sympy: sympy's own words for one size or none, and anything not simple.
TO_SYMPY = [
    ("s0 <= 2", "2 <= s0"),
    ("2 < s0", "s0 <= 3"),
    ("s0 <= 5", "7 <= s0"),
    ("Eq(Mod(s0, 2), 0)",),
    ("Eq(s0, s0)",),
    ("2*s0 <= 8",),
    ("s0 + s1 < 10",),
    ("Eq(2, s0)",),
]


@pytest.mark.parametrize("exprs", CASES, ids=" & ".join)
def test_simple_forms_read_directly_give_sympy_s_answer(exprs: tuple[str, ...]) -> None:
    simple = _simple_constraints(exprs, NAMES)
    assert simple is not None
    assert simple == _sympy_constraints(exprs, NAMES)


@pytest.mark.parametrize("exprs", TO_SYMPY, ids=" & ".join)
def test_other_forms_are_left_to_sympy(exprs: tuple[str, ...]) -> None:
    assert _simple_constraints(exprs, NAMES) is None
    assert constraints(exprs, NAMES) == _sympy_constraints(exprs, NAMES)
