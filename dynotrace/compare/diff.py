"""What changed between two reports of the same program, and whether that is a regression.

``diff_reports(before, after)`` is a pure function of two ``Report`` objects. It matches

* functions by ``Function.key`` (file relative to the run's directory + name), never by line,
  so an edit above a function does not make it new;
* graph breaks by site: GB id (or type), file, function and the source line's text, so a
  break whose code only moved is *moved*, not added and removed;
* compiles within a function by their place in its timeline: which frame (the function
  itself, or the resume function after a given graph break), then the causes of a
  recompile (which guarded value failed), then their order;
* guards of matched compiles by ``guard_identity`` (via ``diff_guards``), whose wording is
  the same on every torch release; when the two reports come from different releases,
  changes of torch's own guards (``torch_internal``) are only counted. Shape guards with
  symbols named by their sources, specialisations by source and value.

A *regression* is what ``fail_on`` names: a new graph break (``graph-breaks``), a function
that recompiles more often (``recompiles``), a guard added or changed in a matched compile
(``guards``), a function hitting the recompile limit more often than in ``before``
(``limit``; ``check --no-recompile-limit`` fails on any hit).
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from dynotrace.analysis.findings import limit_consequence
from dynotrace.compare.policy import DEFAULT_FAIL_ON, Regression, ordered
from dynotrace.analysis.identity import diff_guards, failure_identity, graph_break_identity, guard_identity
from dynotrace.analysis.identity import shape_guard_identity, specialization_identity, torch_internal
from dynotrace.model import FUNCTION_COUNTS, Compile, Function, GraphBreak, Guard, GuardFailure, Location, Report, RunInfo
from dynotrace.releases import releases_differ
from dynotrace.model.schema import SCHEMA_VERSION, pick, to_plain

#: Version of the ``dynotrace diff --format yaml|json`` document.
DIFF_FORMAT_VERSION = 1

T = TypeVar("T")


@dataclass(frozen=True)
class Delta:
    """One count in both reports."""

    name: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class MovedBreak:
    """The same graph-break site at another line (the code around it moved)."""

    before: GraphBreak
    after: GraphBreak
    count: int = 1


@dataclass(frozen=True)
class GuardChangeItem:
    """A guard added, removed or changed, with the (after-side) compiles it happened in."""

    change: Literal["added", "removed", "changed"]
    before: Guard | None
    after: Guard | None
    compile_ids: tuple[str, ...]


@dataclass(frozen=True)
class ShapeChange:
    """A shape guard, runtime assertion or specialisation that appeared or went away.
    ``text`` is in source terms (``x.size()[0] <= 16``, ``n = 3``)."""

    change: Literal["added", "removed"]
    what: Literal["shape guard", "runtime assert", "specialization"]
    text: str
    location: Location | None
    compile_ids: tuple[str, ...]


@dataclass(frozen=True)
class FunctionDiff:
    """How one function's compiles differ. ``compiles_added`` holds compiles of ``after``
    that match nothing in ``before`` (new recompiles, resume functions after a new graph
    break, recompile-limit hits); ``compiles_removed`` the reverse."""

    key: str
    name: str
    file: str
    status: Literal["added", "removed", "changed", "moved", "unchanged"]
    first_line_before: int | None
    first_line_after: int | None
    counts: tuple[Delta, ...]
    breaks_added: tuple[GraphBreak, ...] = ()
    breaks_removed: tuple[GraphBreak, ...] = ()
    breaks_moved: tuple[MovedBreak, ...] = ()
    compiles_added: tuple[Compile, ...] = ()
    compiles_removed: tuple[Compile, ...] = ()
    guard_changes: tuple[GuardChangeItem, ...] = ()
    shape_changes: tuple[ShapeChange, ...] = ()
    #: When the two reports come from different torch releases: how many guard changes
    #: were of torch's own guards (``identity.torch_internal``), which each release adds
    #: and drops. They are counted here, not listed, and never a regression.
    torch_guard_changes: int = 0

    def count(self, name: str) -> Delta:
        return next(d for d in self.counts if d.name == name)

    @property
    def recompiles_added(self) -> tuple[Compile, ...]:
        return tuple(c for c in self.compiles_added if c.is_recompile)

    @property
    def recompiles_removed(self) -> tuple[Compile, ...]:
        return tuple(c for c in self.compiles_removed if c.is_recompile)


@dataclass(frozen=True)
class ReportDiff:
    """Everything that differs between two reports, and the regressions among it."""

    before: RunInfo
    after: RunInfo
    summary: tuple[Delta, ...]
    functions: tuple[FunctionDiff, ...]
    unchanged_functions: int
    notes: tuple[str, ...]
    fail_on: tuple[str, ...]
    regressions: tuple[Regression, ...]

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)

    @property
    def empty(self) -> bool:
        """True when nothing torch.compile did differs (line moves included)."""
        return not self.functions and all(d.change == 0 for d in self.summary)


def diff_reports(
    before: Report,
    after: Report,
    fail_on: Iterable[str] = DEFAULT_FAIL_ON,
) -> ReportDiff:
    """Compare two reports of the same program (a note says what cannot be compared, such
    as reports of different schema or torch versions)."""
    fail = ordered(fail_on)
    pairs = _pair_functions(before.functions, after.functions)
    upgrade = releases_differ(before.run.torch_version, after.run.torch_version)
    diffs = [_diff_function(b, a, upgrade=upgrade) for b, a in pairs]
    changed = tuple(d for d in diffs if d.status != "unchanged")
    sb, sa = before.summary, after.summary
    summary = tuple(Delta(f.name, getattr(sb, f.name), getattr(sa, f.name)) for f in dataclasses.fields(sb))
    return ReportDiff(
        before=before.run,
        after=after.run,
        summary=summary,
        functions=changed,
        unchanged_functions=len(diffs) - len(changed),
        notes=comparability_notes(before, after),
        fail_on=fail,
        regressions=_regressions(diffs, fail),
    )


def comparability_notes(before: Report, after: Report) -> tuple[str, ...]:
    """What makes the two reports less than fully comparable, in words for the user."""
    notes: list[str] = []
    sv_before = SCHEMA_VERSION if before.schema_version is None else before.schema_version
    sv_after = SCHEMA_VERSION if after.schema_version is None else after.schema_version
    if sv_before is not None and sv_after is not None and sv_before != sv_after:
        notes.append(
            f"the reports use schema versions {sv_before} and {sv_after}: only what both record is "
            "compared; details the older schema lacks read as empty there"
        )
    tb, ta = before.run.torch_version, after.run.torch_version
    if releases_differ(tb, ta):
        notes.append(
            f"the reports come from torch {tb} and {ta}: guards are compared without what only torch's "
            "wording changed, and changes of torch's own guards are counted, not listed; what is listed "
            "changed in how torch compiled your code (a new graph break or recompile may still be the "
            "upgrade's doing, not your code's)"
        )
    elif bool(tb) != bool(ta):
        which = "before" if not tb else "after"
        notes.append(
            f"{which} does not name its torch release (a TORCH_TRACE log written by torch 2.9 or older): "
            "the two runs may come from different torch releases"
        )
    if before.run.backend_override != after.run.backend_override:
        notes.append(
            f"the runs used different backends ({before.run.backend_override or 'the script’s own'} and "
            f"{after.run.backend_override or 'the script’s own'}): graphs and failed compiles may differ; "
            "guards and graph breaks come from Dynamo either way"
        )
    if before.functions and not after.functions:
        notes.append(
            "after compiled nothing at all (was torch.compile called?): every function shows as gone"
        )
    for label, report in (("before", before), ("after", after)):
        if report.problems.any:
            notes.append(
                f"{label}'s trace log had unreadable parts ({report.problems.malformed_lines} malformed "
                f"lines, {report.problems.bad_payloads} bad payloads): some changes may be lost events"
            )
        if report.run.interrupted:
            notes.append(f"{label}'s run was interrupted: it may not have compiled everything")
        elif report.run.exit_code not in (None, 0):
            notes.append(
                f"{label}'s script exited with code {report.run.exit_code}: it may not have compiled everything"
            )
    return tuple(notes)


def _pair_functions(
    before: Sequence[Function], after: Sequence[Function]
) -> list[tuple[Function | None, Function | None]]:
    """Functions paired by key (then qualified name, then order), in ``after``'s order with
    removed ones last."""

    pool: dict[str, list[Function]] = defaultdict(list)
    for f in before:
        pool[f.key].append(f)
    pairs: list[tuple[Function | None, Function | None]] = []
    for f in after:
        candidates = pool.get(f.key, [])
        match = next((b for b in candidates if b.display_name == f.display_name), candidates[0] if candidates else None)
        if match is not None:
            candidates.remove(match)
        pairs.append((match, f))
    pairs.extend((b, None) for bucket in pool.values() for b in bucket)
    return pairs


def _breaks(function: Function | None) -> list[GraphBreak]:
    return [gb for c in function.compiles for gb in c.graph_breaks] if function else []


def _counts(b: Function | None, a: Function | None) -> tuple[Delta, ...]:
    before, after = (f.counts() if f else dict.fromkeys(FUNCTION_COUNTS, 0) for f in (b, a))
    return tuple(Delta(n, before[n], after[n]) for n in FUNCTION_COUNTS)


def match(before: Sequence[T], after: Sequence[T], key: Callable[[T], Hashable]) -> tuple[list[tuple[T, T]], list[T], list[T]]:
    """Pair items with equal keys, in order: ``(pairs, only in before, only in after)``,
    each list in its side's order."""
    pool: dict[Hashable, list[int]] = defaultdict(list)
    for i, item in enumerate(before):
        pool[key(item)].append(i)
    pairs: list[tuple[T, T]] = []
    added: list[T] = []
    for item in after:
        bucket = pool.get(key(item))
        if bucket:
            pairs.append((before[bucket.pop(0)], item))
        else:
            added.append(item)
    left = sorted(i for bucket in pool.values() for i in bucket)
    return pairs, [before[i] for i in left], added


def _line_of(gb: GraphBreak) -> int:
    return gb.location.line if gb.location else 0


def _diff_function(b: Function | None, a: Function | None, *, upgrade: bool = False) -> FunctionDiff:
    some = a or b
    assert some is not None
    before_breaks = sorted(_breaks(b), key=_line_of)
    after_breaks = sorted(_breaks(a), key=_line_of)
    def site(gb: GraphBreak) -> tuple[str, str, str, str]:
        return graph_break_identity(gb, by_site=upgrade)

    paired, breaks_removed, breaks_added = match(before_breaks, after_breaks, site)
    moved: dict[tuple[Any, int, int], MovedBreak] = {}
    for x, y in paired:
        if _line_of(x) != _line_of(y):
            k = (site(x), _line_of(x), _line_of(y))
            moved[k] = MovedBreak(x, y, moved[k].count + 1 if k in moved else 1)

    compiles_b = _compile_keys(b, by_site=upgrade)
    compiles_a = _compile_keys(a, by_site=upgrade)
    matched, compiles_removed, compiles_added = match(
        list(compiles_b), list(compiles_a), lambda kc: kc[0]
    )
    guard_changes = _guard_changes([(x[1], y[1]) for x, y in matched])
    torch_guard_changes = 0
    if upgrade:
        user = tuple(item for item in guard_changes if not torch_internal(item.after or item.before))  # type: ignore[arg-type]
        torch_guard_changes = len(guard_changes) - len(user)
        guard_changes = user
    shape_changes = _shape_changes([(x[1], y[1]) for x, y in matched])

    counts = _counts(b, a)
    lines_moved = b is not None and a is not None and b.first_line != a.first_line
    changed = bool(
        breaks_added or breaks_removed or compiles_added or compiles_removed or guard_changes or shape_changes
    ) or any(d.change for d in counts)
    status: Literal["added", "removed", "changed", "moved", "unchanged"]
    if b is None:
        status = "added"
    elif a is None:
        status = "removed"
    elif changed:
        status = "changed"
    elif moved or lines_moved:
        status = "moved"
    else:
        status = "unchanged"
    return FunctionDiff(
        key=some.key,
        name=some.name,
        file=some.file,
        status=status,
        first_line_before=b.first_line if b else None,
        first_line_after=a.first_line if a else None,
        counts=counts,
        breaks_added=tuple(breaks_added),
        breaks_removed=tuple(breaks_removed),
        breaks_moved=tuple(moved.values()),
        compiles_added=tuple(c for _, c in compiles_added),
        compiles_removed=tuple(c for _, c in compiles_removed),
        guard_changes=guard_changes,
        shape_changes=shape_changes,
        torch_guard_changes=torch_guard_changes,
    )


def _compile_keys(function: Function | None, *, by_site: bool = False) -> list[tuple[tuple[Any, ...], Compile]]:
    """Each compile with its place in the function's timeline: (frame, kind, causes, n)."""
    if function is None:
        return []
    frames = _frame_identities(function, by_site=by_site)
    seen: dict[tuple[Any, ...], int] = defaultdict(int)
    keyed = []
    for c in function.compiles:
        kind = "limit" if c.status == "recompile_limit" else "compile"
        causes = tuple(sorted({failure_identity(f) for f in c.guard_failures}))
        base = (frames.get(c.frame_id, ("frame", c.frame_id)), kind, causes)
        keyed.append(((*base, seen[base]), c))
        seen[base] += 1
    return keyed


def _frame_identities(function: Function, *, by_site: bool = False) -> dict[int, tuple[Any, ...]]:
    """Which frame each compile belongs to, in terms that survive code moving: the
    function itself, or the resume function after a given graph-break site."""
    breaks = _breaks(function)
    identities: dict[int, tuple[Any, ...]] = {}
    unresolved: list[tuple[int, int]] = []
    for c in function.compiles:
        if c.frame_id in identities:
            continue
        if c.resume_line is None:
            identities[c.frame_id] = ("function",)
            continue
        # A resume function continues at the line of the break that made it: in this
        # function's own code, which for a break inside a called function is the call.
        site = next(
            (
                gb
                for gb in breaks
                if any(
                    loc.line == c.resume_line and loc.file == function.file
                    for loc in ((gb.location,) if gb.location else ()) + gb.user_stack
                )
            ),
            None,
        )
        if site is not None:
            identities[c.frame_id] = ("resume after", graph_break_identity(site, by_site=by_site))
        else:
            unresolved.append((c.resume_line, c.frame_id))
    for n, (_, frame_id) in enumerate(sorted(unresolved)):
        identities.setdefault(frame_id, ("resume", n))
    return identities


def _guard_changes(pairs: list[tuple[Compile, Compile]]) -> tuple[GuardChangeItem, ...]:
    """Guard differences of matched compiles, one item per distinct change."""
    items: dict[tuple[Any, ...], GuardChangeItem] = {}

    def add(key: tuple[Any, ...], item: GuardChangeItem) -> None:
        seen = items.get(key)
        if seen is None:
            items[key] = item
        elif item.compile_ids[0] not in seen.compile_ids:
            items[key] = dataclasses.replace(seen, compile_ids=seen.compile_ids + item.compile_ids)

    for b, a in pairs:
        gd = diff_guards(b.guards, a.guards)
        for g in gd.added:
            add(("added", guard_identity(g)), GuardChangeItem("added", None, g, (a.compile_id,)))
        for g in gd.removed:
            add(("removed", guard_identity(g)), GuardChangeItem("removed", g, None, (a.compile_id,)))
        for ch in gd.changed:
            add(
                ("changed", guard_identity(ch.before), guard_identity(ch.after)),
                GuardChangeItem("changed", ch.before, ch.after, (a.compile_id,)),
            )
    return tuple(items.values())


def _shape_items(c: Compile) -> list[tuple[tuple[Any, ...], str, str, Location | None]]:
    """(identity, kind, text in source terms, location) of a compile's shape facts."""
    from dynotrace.analysis.reasons import user_source
    from dynotrace.analysis.shapes import rename, symbol_names

    names = symbol_names(c.symbols)
    out: list[tuple[tuple[Any, ...], str, str, Location | None]] = []
    for g in c.shape_guards:
        kind = "runtime assert" if g.runtime_assert else "shape guard"
        out.append((("guard", shape_guard_identity(g, names)), kind, rename(g.expr, names), g.location))
    for s in c.specializations:
        text = f"{_specialized_source(s.source, user_source)} = {s.value}"
        out.append((("spec", specialization_identity(s)), "specialization", text, s.location))
    return out


def _specialized_source(raw: str, user_source: Any) -> str:
    # Dynamo lists a specialised symbol's sources as a JSON list: '["L['x'].size()[0]"]'.
    if raw.startswith("["):
        try:
            sources = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(sources, list) and sources:
            return ", ".join(user_source(str(item)) for item in sources)
    return str(user_source(raw))


def _shape_changes(pairs: list[tuple[Compile, Compile]]) -> tuple[ShapeChange, ...]:
    items: dict[tuple[Any, ...], ShapeChange] = {}
    for b, a in pairs:
        _, removed, added = match(_shape_items(b), _shape_items(a), lambda item: item[0])
        for change, group in (("removed", removed), ("added", added)):
            for ident, what, text, loc in group:
                key = (change, ident)
                seen = items.get(key)
                if seen is None:
                    items[key] = ShapeChange(change, what, text, loc, (a.compile_id,))  # type: ignore[arg-type]
                elif a.compile_id not in seen.compile_ids:
                    items[key] = dataclasses.replace(seen, compile_ids=seen.compile_ids + (a.compile_id,))
    return tuple(items.values())


def describe_causes(c: Compile) -> str:
    """Why a recompile happened, one phrase per distinct failed guard:
    ``x.dtype: expected Float, got Double [dtype]``."""
    return describe_failures(c.guard_failures)


def describe_failures(failures: Iterable[GuardFailure]) -> str:
    """``describe_causes`` for any guard failures."""
    parts: list[str] = []
    seen: set[str] = set()
    for f in failures:
        ident = failure_identity(f)
        if ident in seen:
            continue
        seen.add(ident)
        text = f.source or f.reason
        if f.expected is not None:
            text += f": expected {f.expected}" + (f", got {f.actual}" if f.actual is not None else "")
        elif f.source:
            text += f" ({f.reason})"
        if f.category and f.category != "other":
            text += f" [{f.category}]"
        parts.append(text)
    return "; ".join(parts) or "no reason recorded"


def cause_location(c: Compile, function: FunctionDiff | Function) -> Location:
    """Where a recompile's cause is in user code, else the function's first line."""
    for f in c.guard_failures:
        if f.location is not None:
            return f.location
    line = function.first_line_after if isinstance(function, FunctionDiff) else function.first_line
    return Location(function.file, line or 0, function.name)


def _regressions(diffs: list[FunctionDiff], fail_on: tuple[str, ...]) -> tuple[Regression, ...]:
    found: list[Regression] = []
    for d in diffs:
        if "graph-breaks" in fail_on:
            for gb in d.breaks_added:
                found.append(
                    Regression(
                        "graph-breaks",
                        f"new graph break in {d.name}: {gb.gb_id + ' ' if gb.gb_id else ''}{gb.gb_type}",
                        gb.location,
                        d.key,
                    )
                )
        rc = d.count("recompiles")
        if "recompiles" in fail_on and rc.after > rc.before:
            for c in d.recompiles_added:
                found.append(
                    Regression(
                        "recompiles",
                        f"{d.name} recompiles more ({rc.before} -> {rc.after}); new: {c.compile_id} because "
                        f"{describe_causes(c)}",
                        cause_location(c, d),
                        d.key,
                    )
                )
            if not d.recompiles_added:
                found.append(
                    Regression("recompiles", f"{d.name} recompiles more ({rc.before} -> {rc.after})", None, d.key)
                )
        if "guards" in fail_on:
            for item in d.guard_changes:
                if item.change == "removed" or item.after is None:
                    continue
                verb = "new guard" if item.change == "added" else "changed guard"
                found.append(
                    Regression(
                        "guards",
                        f"{verb} in {d.name}: {item.after.kind} {item.after.check}",
                        item.after.location,
                        d.key,
                    )
                )
        limit = d.count("recompile_limit_hits")
        if "limit" in fail_on and limit.after > limit.before:
            more = f" more often ({limit.before} -> {limit.after}x)" if limit.before else f" ({limit.after}x)"
            found.append(
                Regression(
                    "limit",
                    f"{d.name} hit the recompile limit{more}: "
                    f"{limit_consequence(any(c.limit_raised for c in d.compiles_added))}",
                    Location(d.file, d.first_line_after or 0, d.name),
                    d.key,
                )
            )
    return tuple(found)


def _compile_summary(c: Compile) -> dict[str, Any]:
    return {
        **pick(c, "compile_id", "status"),
        "recompile": c.is_recompile,
        "resume_line": c.resume_line,
        "causes": to_plain(c.guard_failures),
        "guards": len(c.guards),
        "graph_breaks": len(c.graph_breaks),
    }


def diff_to_dict(diff: ReportDiff) -> dict[str, Any]:
    """The diff as plain data for YAML/JSON, keys in a fixed order."""

    def run(info: RunInfo) -> dict[str, Any]:
        return {"command": info.command, "torch": info.torch_version, "dynotrace": info.dynotrace_version}

    return {
        "diff_format": DIFF_FORMAT_VERSION,
        "regressed": diff.regressed,
        "fail_on": list(diff.fail_on),
        "before": run(diff.before),
        "after": run(diff.after),
        "notes": list(diff.notes),
        "summary": {d.name: {"before": d.before, "after": d.after, "change": d.change} for d in diff.summary},
        "regressions": [to_plain(r) for r in diff.regressions],
        "unchanged_functions": diff.unchanged_functions,
        "functions": [
            {
                "key": f.key,
                "name": f.name,
                "file": f.file,
                "status": f.status,
                "first_line": {"before": f.first_line_before, "after": f.first_line_after},
                "counts": {d.name: {"before": d.before, "after": d.after} for d in f.counts},
                "graph_breaks": {
                    "added": to_plain(f.breaks_added),
                    "removed": to_plain(f.breaks_removed),
                    "moved": [
                        {"before": to_plain(m.before.location), "after": to_plain(m.after.location), "count": m.count,
                         "gb_id": m.after.gb_id, "gb_type": m.after.gb_type}
                        for m in f.breaks_moved
                    ],
                },
                "compiles": {
                    "added": [_compile_summary(c) for c in f.compiles_added],
                    "removed": [_compile_summary(c) for c in f.compiles_removed],
                },
                "guards": [to_plain(g) for g in f.guard_changes],
                "torch_guard_changes": f.torch_guard_changes,
                "shapes": [to_plain(s) for s in f.shape_changes],
            }
            for f in diff.functions
        ],
    }
