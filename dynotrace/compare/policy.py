"""What counts as a regression: the ``fail_on`` choices, their defaults, and ``Regression``,
shared by the diff of two reports, the diff of two jobs and the gate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dynotrace.errors import UsageError
from dynotrace.model import Location

FAIL_ON_CHOICES = ("graph-breaks", "recompiles", "guards", "limit", "divergence")
#: New graph breaks, more recompiles, more recompile-limit hits. Guards change with torch
#: versions and harmless edits too often to fail on by default.
DEFAULT_FAIL_ON = frozenset({"graph-breaks", "recompiles", "limit"})
#: Ranks of a distributed job that did not compile alike, or a missing rank: added to the
#: default when a distributed job is compared or checked.
DIVERGENCE = "divergence"


def parse_fail_on(value: str | Iterable[str]) -> frozenset[str]:
    """``"graph-breaks,recompiles"`` (or a list of names) as a set; ``none`` and ``all``
    are accepted. Raises ``UsageError`` naming an unknown entry."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = {str(item).strip().lower() for item in items if str(item).strip()}
    if names == {"none"}:
        return frozenset()
    if names == {"all"}:
        return frozenset(FAIL_ON_CHOICES)
    unknown = sorted(names - set(FAIL_ON_CHOICES))
    if unknown:
        raise UsageError(
            f"unknown --fail-on value {unknown[0]!r}; choose from {', '.join(FAIL_ON_CHOICES)}, all or none"
        )
    return frozenset(names)


def default_fail_on(distributed: bool) -> frozenset[str]:
    """The default policy: ``DEFAULT_FAIL_ON``, and ``divergence`` for a distributed job."""
    return DEFAULT_FAIL_ON | {DIVERGENCE} if distributed else DEFAULT_FAIL_ON


def ordered(chosen: Iterable[str]) -> tuple[str, ...]:
    """A policy in ``FAIL_ON_CHOICES``' order, as reports list it."""
    names = parse_fail_on(chosen)
    return tuple(c for c in FAIL_ON_CHOICES if c in names)


@dataclass(frozen=True)
class Regression:
    """One reason to fail: its ``fail_on`` category (or ``budget``), a one-line message,
    and the user's source line when there is one."""

    category: str
    message: str
    location: Location | None = None
    function: str = ""
