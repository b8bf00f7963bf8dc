"""Dynamic shapes in the user's terms: symbols named by their sources, SymBool guards
rewritten in those names and simplified with sympy into the ranges and equalities a
compiled graph is valid for (``5 <= x.size()[0]``, ``x.size()[0] == y.size()[0]``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dynotrace.analysis.reasons import user_source
from dynotrace.model import ShapeSymbol

#: A shape symbol as Dynamo names them (``s77``, ``u0``, ``zf1``, ...).
_SYM = r"(?:s|u|zf|zuf|c)\d+"
_SYMBOL = re.compile(rf"\b{_SYM}\b")


def symbol_names(symbols: Iterable[ShapeSymbol]) -> dict[str, str]:
    """``{"s77": "x.size()[0]"}`` for every symbol with a source."""
    return {s.symbol: user_source(s.source) for s in symbols if s.source}


def rename(expr: str, names: Mapping[str, str]) -> str:
    """``s77 > 4`` -> ``x.size()[0] > 4``; symbols without a source keep their name."""
    return _SYMBOL.sub(lambda m: names.get(m[0], m[0]), expr)


def constraints(exprs: Iterable[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """The guards over shape symbols, simplified: one range per symbol constrained alone,
    equalities between symbols, and any other guard as it is; all in source terms.

    Guards of the forms Dynamo writes most (``2 <= s0``, ``s0 < 100``, ``Eq(s0, s1)``,
    ``Ne(s0, 1)``) are read directly; any other form is left to sympy, whose import alone
    costs a quarter of a second (a 57 MB log is read and folded in about a second)."""
    exprs = tuple(exprs)
    simple = _simple_constraints(exprs, names)
    return simple if simple is not None else _sympy_constraints(exprs, names)


#: ``N <= s``, ``N < s``, ``s <= N``, ``s < N``, ``s >= N``, ``s > N``: a bound on one symbol.
_BOUND = re.compile(
    rf"(?P<n1>-?\d+) (?P<op1><=|<) (?P<s1>{_SYM})|(?P<s2>{_SYM}) (?P<op2><=|<|>=|>) (?P<n2>-?\d+)"
)
#: ``Eq(s0, s1)``, ``Ne(s0, 1)``: an equality or inequality of a symbol and another or a number.
_RELATION = re.compile(rf"(?P<op>Eq|Ne)\((?P<a>{_SYM}), (?P<b>{_SYM}|-?\d+)\)")


def _simple_constraints(exprs: tuple[str, ...], names: Mapping[str, str]) -> tuple[str, ...] | None:
    """``constraints`` for guards that are all of the simple forms, as sympy would give
    them (tests hold the two to the same answers); ``None`` where any guard is not."""
    lows: dict[str, int] = {}
    highs: dict[str, int] = {}
    others: list[str] = []
    for expr in exprs:
        if _SYMBOL.search(expr) is None:
            continue
        if (m := _BOUND.fullmatch(expr)) is not None:
            if m["s1"]:
                symbol, low = m["s1"], int(m["n1"]) + (m["op1"] == "<")
                lows[symbol] = max(lows.get(symbol, low), low)
            elif m["op2"] in ("<=", "<"):
                symbol, high = m["s2"], int(m["n2"]) - (m["op2"] == "<")
                highs[symbol] = min(highs.get(symbol, high), high)
            else:
                symbol, low = m["s2"], int(m["n2"]) + (m["op2"] == ">")
                lows[symbol] = max(lows.get(symbol, low), low)
            continue
        m = _RELATION.fullmatch(expr)
        if m is None or m["a"] == m["b"]:
            return None
        text = f"{rename(m['a'], names)} {'==' if m['op'] == 'Eq' else '!='} {rename(m['b'], names)}"
        if text not in others:
            others.append(text)
    ranges = []
    for symbol in sorted(lows.keys() | highs.keys(), key=lambda s: names.get(s, s)):
        name, least, most = names.get(symbol, symbol), lows.get(symbol), highs.get(symbol)
        if least is not None and most is not None:
            if least >= most:
                return None  # one size or none: sympy's words for a set, not a range
            ranges.append(f"{least} <= {name} <= {most}")
        else:
            ranges.append(f"{least} <= {name}" if least is not None else f"{name} <= {most}")
    return tuple(ranges) + tuple(others)


def _sympy_constraints(exprs: Iterable[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """``constraints`` of any guards, simplified by sympy."""
    import sympy

    bounds: dict[str, sympy.Set] = {}
    others: list[str] = []
    for expr in exprs:
        free = sorted(set(_SYMBOL.findall(expr)))
        if not free:
            continue
        local = {name: sympy.Symbol(name, integer=True) for name in free}
        try:
            parsed = sympy.sympify(expr, locals=local)
        except (sympy.SympifyError, TypeError, SyntaxError, AttributeError):
            others.append(rename(expr, names))
            continue
        if len(free) == 1 and isinstance(parsed, sympy.core.relational.Relational) and not isinstance(
            parsed, (sympy.Eq, sympy.Ne)
        ):
            symbol = local[free[0]]
            try:
                interval = sympy.solve_univariate_inequality(parsed, symbol, relational=False)
            except (NotImplementedError, TypeError, ValueError):
                others.append(rename(expr, names))
                continue
            bounds[free[0]] = bounds.get(free[0], sympy.S.Reals).intersect(interval)
        else:
            if isinstance(parsed, (sympy.Eq, sympy.Ne)):
                op = "==" if isinstance(parsed, sympy.Eq) else "!="
                text = f"{rename(str(parsed.lhs), names)} {op} {rename(str(parsed.rhs), names)}"
            else:
                text = rename(expr, names)
            if text not in others:
                others.append(text)
    ranges = [_range_text(names.get(sym, sym), interval) for sym, interval in sorted(bounds.items(), key=lambda kv: names.get(kv[0], kv[0]))]
    return tuple(r for r in ranges if r) + tuple(others)


def _range_text(name: str, interval: object) -> str:
    """``Interval.Lopen(4, oo)`` over the integers -> ``5 <= name``."""
    import sympy

    if not isinstance(interval, sympy.Interval):
        return f"{name} in {interval}"
    lo, hi = interval.start, interval.end
    low = None if lo == -sympy.oo else int(sympy.floor(lo)) + (1 if interval.left_open and lo == sympy.floor(lo) else 0)
    if low is not None and lo != sympy.floor(lo):
        low = int(sympy.ceiling(lo))
    high = None if hi == sympy.oo else int(sympy.ceiling(hi)) - (1 if interval.right_open and hi == sympy.ceiling(hi) else 0)
    if high is not None and hi != sympy.ceiling(hi):
        high = int(sympy.floor(hi))
    if low is not None and high is not None:
        return f"{name} == {low}" if low == high else f"{low} <= {name} <= {high}"
    if low is not None:
        return f"{low} <= {name}"
    if high is not None:
        return f"{name} <= {high}"
    return ""
