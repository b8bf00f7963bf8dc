"""Dynamic shapes in the user's terms: symbols named by their sources, SymBool guards
rewritten in those names and simplified with sympy into the ranges and equalities a
compiled graph is valid for (``5 <= x.size()[0]``, ``x.size()[0] == y.size()[0]``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dynotrace.analysis.reasons import user_source
from dynotrace.model import ShapeSymbol

_SYMBOL = re.compile(r"\b(?:s|u|zf|zuf|c)\d+\b")


def symbol_names(symbols: Iterable[ShapeSymbol]) -> dict[str, str]:
    """``{"s77": "x.size()[0]"}`` for every symbol with a source."""
    return {s.symbol: user_source(s.source) for s in symbols if s.source}


def rename(expr: str, names: Mapping[str, str]) -> str:
    """``s77 > 4`` -> ``x.size()[0] > 4``; symbols without a source keep their name."""
    return _SYMBOL.sub(lambda m: names.get(m[0], m[0]), expr)


def constraints(exprs: Iterable[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """The guards over shape symbols, simplified: one range per symbol constrained alone,
    equalities between symbols, and any other guard as it is; all in source terms."""
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
