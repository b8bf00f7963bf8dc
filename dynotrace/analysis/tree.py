"""Parse Dynamo's guard tree text (the ``dynamo_cpp_guards_str`` payload).

The tree looks like::

    TREE_GUARD_MANAGER:
    +- RootGuardManager
    | +- GuardManager: source=L['x'], accessed_by=FrameLocalsGuardAccessor(...), type=<class 'torch.Tensor'>, ...
    | | +- TENSOR_MATCH: check_tensor(L['x'], ...)   # y = x * n  # mp/exp/probe.py:11 in f
    +- LAMBDA_GUARD: 5 <= L['x'].size()[0]  # if x.shape[0] > 4:  # mp/exp/probe.py:17 in h (...)

Manager lines name the source their children guard; leaf lines are ``KIND: check``, then
optionally ``# user code`` and ``# file:line in function`` (the file name may be cut short
at its front; ``resolve`` maps it back to a full name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dynotrace.model import Guard, Location

_LINE = re.compile(r"^(?P<indent>(?:\| )*)\+- (?P<body>.*)$")
_LEAF = re.compile(r"^(?P<kind>[A-Z][A-Z0-9_]*): (?P<rest>.*)$")
_MANAGER_SOURCE = re.compile(r"source=(?P<source>.*?), accessed_by=")
_WHERE = re.compile(r"^(?P<file>.+?):(?P<line>\d+) in (?P<func>[^\s(]+)")
# A source expression at the start of a check, e.g. ``L['x']`` or ``G['cfg'].scale``.
_SOURCE_IN_CHECK = re.compile(
    r"(?P<source>(?:L|G)\[['\"][^'\"]+['\"]\](?:(?:\.[A-Za-z_][A-Za-z0-9_]*)|(?:\[[^\]]+\]))*)"
)

#: Maps a possibly shortened file name from a guard comment to the full file name.
FileResolver = Callable[[str], str]


@dataclass(frozen=True)
class _Leaf:
    kind: str
    check: str
    comment: tuple[str, ...]


def _split_leaf(rest: str) -> tuple[str, tuple[str, ...]]:
    """Split ``check  # code  # file:line in fn`` into the check and its comment parts."""
    parts = rest.split("  # ")
    return parts[0].rstrip(), tuple(p.strip() for p in parts[1:])


def parse_where(text: str, resolve: FileResolver, code: str = "") -> Location | None:
    """Parse ``file:line in function`` (as Dynamo prints a user frame) into a Location."""
    m = _WHERE.match(text)
    if m is None:
        return None
    return Location(resolve(m["file"]), int(m["line"]), m["func"], code)


def _location(comment: tuple[str, ...], resolve: FileResolver) -> Location | None:
    # Either ("user code", "file:line in fn ...") or ("file:line in fn",) for guards
    # Dynamo made itself (those point into torch and are not user lines).
    if len(comment) >= 2:
        # The user's line may hold "  # " itself (its own comment): only the last part is
        # the location.
        return parse_where(comment[-1], resolve, "  # ".join(comment[:-1]))
    if len(comment) == 1:
        loc = parse_where(comment[0], resolve)
        if loc is not None and not loc.file.startswith("_dynamo/"):
            return loc
    return None


def guarded_source(check: str) -> str | None:
    """The first ``L[...]``/``G[...]`` source a check mentions, if any."""
    m = _SOURCE_IN_CHECK.search(check)
    return m["source"] if m else None


def parse_guard_tree(text: str, resolve: FileResolver = lambda f: f) -> tuple[Guard, ...]:
    """Every leaf guard of the tree, in tree order, with the source its manager guards."""
    return GuardTreeParser(resolve).parse(text)


#: A parsed tree line: ``(depth, manager source)`` for a manager, ``(depth, kind, check,
#: location, the check's own source)`` for a leaf, ``None`` for any other line.
_Parsed = tuple[int, str | None] | tuple[int, str, str, Location | None, str | None] | None


class GuardTreeParser:
    """``parse_guard_tree`` for many trees, remembering the lines it has parsed.

    The trees of one function's compiles share most of their lines (a recompile for a new
    shape changes the ``TENSOR_MATCH`` lines only): in the 726 trees of the benchmark log,
    2,732 of 22,008 lines are distinct. A line parses the same in every tree, whatever its
    place: only the source a leaf inherits from its managers depends on the tree. A leaf
    line under the same source is the same guard, one object shared by every tree that has
    it (13,878 guards of 1,929 distinct ones there), which the report's writer writes once.
    """

    def __init__(self, resolve: FileResolver = lambda f: f) -> None:
        self.resolve = resolve
        self._lines: dict[str, _Parsed] = {}
        self._guards: dict[tuple[str, str | None], Guard] = {}
        # A guard's comment is the user line that made it: the leaves of one line (a
        # tensor's TENSOR_MATCH and its five DIMENSION_DYNAMIC_MARKING_GUARDs, again in each
        # recompile for another shape) share it (1,929 leaves, 43 comments in the
        # benchmark log), and reading its ``file:line in function`` was half of a
        # line's parse.
        self._locations: dict[tuple[str, ...], Location | None] = {}

    def parse(self, text: str) -> tuple[Guard, ...]:
        return self.parse_lines(text.splitlines())

    def parse_lines(self, tree_lines: Iterable[str]) -> tuple[Guard, ...]:
        """``parse`` of the text whose ``splitlines()`` are ``tree_lines``."""
        guards: list[Guard] = []
        # sources[d] is the source of the manager at depth d (depth = number of "| ").
        sources: dict[int, str | None] = {}
        lines = self._lines
        for raw in tree_lines:
            try:
                parsed = lines[raw]
            except KeyError:
                parsed = lines[raw] = self._parse_line(raw)
            if parsed is None:
                continue
            depth = parsed[0]
            if len(parsed) == 2:
                sources[depth] = parsed[1]
                continue
            _, kind, check, location, own_source = parsed
            source = None
            for d in range(depth - 1, -1, -1):
                if sources.get(d):
                    source = sources[d]
                    break
            if source is None:
                source = own_source
            guard = self._guards.get((raw, source))
            if guard is None:
                guard = self._guards[raw, source] = Guard(kind, check, source, location)
            guards.append(guard)
        return tuple(guards)

    def _parse_line(self, raw: str) -> _Parsed:
        m = _LINE.match(raw)
        if m is None:
            return None
        depth = len(m["indent"]) // 2
        body = m["body"]
        # GuardManager, DictGuardManager, RootGuardManager, ...: a node, not a check.
        if "GuardManager" in body.split(":", 1)[0]:
            sm = _MANAGER_SOURCE.search(body)
            return (depth, sm["source"] if sm else None)
        leaf = _LEAF.match(body)
        if leaf is None:
            return None
        check, comment = _split_leaf(leaf["rest"])
        try:
            location = self._locations[comment]
        except KeyError:
            location = self._locations[comment] = _location(comment, self.resolve)
        return (depth, leaf["kind"], check, location, guarded_source(check))


_MANAGER_TYPE = re.compile(r"source=(?P<source>.*?), accessed_by=.*?, type=<class '(?P<type>[^']+)'>")


def guarded_types(text: str) -> dict[str, str]:
    """The type each guard manager's source had when compiled (``L['self']`` -> ``__main__.Net``)."""
    types: dict[str, str] = {}
    for m in _MANAGER_TYPE.finditer(text):
        types.setdefault(m["source"], m["type"])
    return types


# A manager line whose ``type=<class '`` is not closed on the line: only there can a match
# of ``_MANAGER_TYPE`` (whose ``[^']+`` takes newlines) run on into the next line.
_TYPE_UNCLOSED = re.compile(r"source=.*?, accessed_by=.*?, type=<class '[^']*\Z")


def line_types(line: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The ``(source, type)`` pairs ``guarded_types`` finds in one line of a text split at
    ``"\n"``, and whether a match over the whole text may run on past this line's end (then
    only ``guarded_types`` of the whole text says). When no line of a text may, its
    ``guarded_types`` are its lines' pairs in order, each source's first one kept."""
    if "type=<class '" not in line:
        return (), False
    found = tuple((m["source"], m["type"]) for m in _MANAGER_TYPE.finditer(line))
    return found, _TYPE_UNCLOSED.search(line) is not None
