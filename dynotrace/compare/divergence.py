"""Which ranks compiled the same way, and what differs between them, in the user's terms.

``group_ranks`` puts ranks with the same *compile signature* together: the same
functions, each with the same sequence of compiles, each compile with the same outcome,
the same recompile causes (which guarded value failed, not its values) and the same graph
breaks (by site). Frame and compile numbers are left out: a rank that compiled another
function first numbers its frames differently without compiling differently.

``find_divergence`` then says, function by function, how each other group differs from
the most common one (the largest group; the one with the lowest rank on a tie), and
compares what Inductor logged per graph: collective schedules, output metadata, cache
hits and runtime estimates. Each difference names its ranks and says why it matters for a
distributed job.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from dynotrace.analysis.findings import CATEGORY_LABELS
from dynotrace.compare.diff import match
from dynotrace.analysis.identity import failure_identity, graph_break_identity
from dynotrace.model import Compile, Function, GraphBreak, Location, Report
from dynotrace.analysis.facts import short_collective
from dynotrace.model import CompileFacts, Divergence, RankDetail, RankGroup, format_ranks

#: Runtime estimates of one graph that differ by more than this fraction of the fastest
#: rank's are a divergence (estimates are deterministic for the same graph and device).
RUNTIME_TOLERANCE = 0.10

WHY = {
    "recompile_limit": (
        "From then on that rank runs the function uncompiled (eagerly), slower every step, and "
        "every other rank waits for it at each collective."
    ),
    "functions": (
        "The ranks run different compiled code: a collective in code only some ranks run waits "
        "for peers that never join it, which hangs the job."
    ),
    "recompiles": (
        "While one rank compiles, the others wait for it at their next collective: compile time "
        "on one rank stalls every rank. A collective inside code that only some ranks recompile "
        "can also run in another order there, which can hang the job."
    ),
    "graph_breaks": (
        "The ranks run differently split graphs: a collective in code that breaks on some ranks "
        "only can run in another order there, which can hang the job, and the split graphs run "
        "slower on those ranks, which every rank then waits for."
    ),
    "failed_compiles": (
        "Where a compile failed, that rank runs the code eagerly while the others run it "
        "compiled: slower there, and every rank waits for the slowest."
    ),
    "compile_order": (
        "The ranks compiled the same code in a different order: their graphs, and the "
        "collectives in them, may not line up from step to step."
    ),
    "collectives": (
        "A collective that some ranks issue and others do not, or issue in another order, "
        "waits for peers that never join it: the job hangs until a timeout kills it."
    ),
    "output_meta": (
        "Graphs that produce other shapes, strides or dtypes on some ranks feed different "
        "tensors into collectives, which then fail or hang."
    ),
    "cache": (
        "A cache miss means compiling from scratch on that rank, while the ranks that hit the "
        "cache wait for it at their next collective."
    ),
    "runtime": (
        "Every step waits for the slowest rank at its collectives: the other ranks idle for "
        "the difference."
    ),
}


def compile_signature(c: Compile) -> tuple[Hashable, ...]:
    """What makes two compiles the same across ranks: outcome, recompile or not, the frame
    it resumes, the causes (without their values) and the graph-break sites."""
    return (
        c.status,
        c.is_recompile,
        c.resume_line,
        _cause_key(c),
        tuple(graph_break_identity(gb) for gb in c.graph_breaks),
    )


def _cause_key(c: Compile) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({(f.category, failure_identity(f)) for f in c.guard_failures}))


def function_signature(f: Function) -> tuple[Hashable, ...]:
    return tuple(compile_signature(c) for c in f.compiles)


def rank_signature(report: Report) -> tuple[Hashable, ...]:
    return tuple(sorted((f.key, function_signature(f)) for f in report.functions))


def _groups_by(ranks: Iterable[int], key: Callable[[int], Hashable]) -> list[tuple[int, ...]]:
    """Ranks with equal keys together: the largest group first, then by lowest rank."""
    buckets: dict[Hashable, list[int]] = defaultdict(list)
    for rank in sorted(ranks):
        buckets[key(rank)].append(rank)
    return sorted((tuple(b) for b in buckets.values()), key=lambda g: (-len(g), g[0]))


def group_ranks(reports: Mapping[int, Report]) -> tuple[tuple[int, ...], ...]:
    """The ranks that compiled the same way, the largest group first."""
    signatures = {r: rank_signature(report) for r, report in reports.items()}
    return tuple(_groups_by(reports, signatures.__getitem__))


def find_divergence(reports: Mapping[int, Report], details: Mapping[int, RankDetail]) -> tuple[Divergence, ...]:
    """Every difference between the ranks, most severe kind first (``DIVERGENCE_KINDS``'s
    order), functions in the order the lowest rank compiled them."""
    found: list[Divergence] = []
    if len(reports) >= 2:
        found.extend(_function_divergence(reports))
    if len(details) >= 2:
        facts = {r: details[r].compiles for r in sorted(details)}
        found.extend(_collective_divergence(facts))
        found.extend(_output_meta_divergence(facts))
        found.extend(_cache_divergence(facts))
        found.extend(_runtime_divergence(facts))
    from dynotrace.model import DIVERGENCE_KINDS

    order = {kind: i for i, kind in enumerate(DIVERGENCE_KINDS)}
    return tuple(sorted(found, key=lambda d: order.get(d.kind, len(order))))


# -- functions: what Dynamo compiled ---------------------------------------------------


def _function_divergence(reports: Mapping[int, Report]) -> list[Divergence]:
    by_key: dict[str, dict[int, Function]] = defaultdict(dict)
    for rank in sorted(reports):
        for f in reports[rank].functions:
            by_key[f.key].setdefault(rank, f)
    everyone = tuple(sorted(reports))
    found: list[Divergence] = []
    for key, present in by_key.items():
        some = next(iter(present.values()))
        name = some.display_name
        absent = tuple(r for r in everyone if r not in present)
        if absent:
            found.append(_presence(key, name, some, present, absent))
        groups = _groups_by(present, lambda r: function_signature(present[r]))
        reference = groups[0]
        for other in groups[1:]:
            found.extend(_compare_function(key, name, reference, present[reference[0]], other, present[other[0]]))
    return found


def _presence(
    key: str, name: str, some: Function, present: Mapping[int, Function], absent: tuple[int, ...]
) -> Divergence:
    counts = Counter(len(f.compiles) for f in present.values())
    did = f"compiled `{name}` ({_times(counts.most_common(1)[0][0], 'compile')})"
    if len(present) < len(absent):
        summary = f"only {format_ranks(present)} {did}; {format_ranks(absent)} never did"
        groups = (RankGroup(absent, "never compiled it"), RankGroup(tuple(sorted(present)), did))
    else:
        summary = (
            f"{format_ranks(absent)} never compiled `{name}`, which {format_ranks(present)} compiled "
            f"({_times(counts.most_common(1)[0][0], 'compile')})"
        )
        groups = (RankGroup(tuple(sorted(present)), did), RankGroup(absent, "never compiled it"))
    return Divergence(
        "functions",
        summary,
        WHY["functions"],
        groups,
        function=key,
        function_name=name,
        location=Location(some.file, some.first_line, some.name),
    )


def _compare_function(
    key: str, name: str, ref: tuple[int, ...], rf: Function, other: tuple[int, ...], of: Function
) -> list[Divergence]:
    """How the ``other`` ranks' compiles of a function differ from the ``ref`` ranks'."""
    R, O = format_ranks(ref), format_ranks(other)
    found: list[Divergence] = []

    def add(kind: str, summary: str, groups: tuple[RankGroup, ...], location: Location | None) -> None:
        where = location or Location(of.file, of.first_line, of.name)
        found.append(Divergence(kind, summary, WHY[kind], groups, function=key, function_name=name, location=where))

    hits_r, hits_o = rf.recompile_limit_hits, of.recompile_limit_hits
    if hits_r != hits_o:
        first_o = [c for c in of.compiles if c.status == "recompile_limit"]
        first_r = [c for c in rf.compiles if c.status == "recompile_limit"]
        if hits_o and not hits_r:
            compiled = sum(1 for c in of.compiles if c.status != "recompile_limit")
            summary = (
                f"{O} hit the recompile limit on `{name}` after {_times(compiled, 'compile')} and "
                f"{'runs' if len(other) == 1 else 'run'} it uncompiled from then on; {R} did not"
            )
            where = _cause_location(first_o[0]) if first_o else None
        elif hits_r and not hits_o:
            summary = f"{O} did not hit the recompile limit on `{name}`; {R} did, and run it uncompiled from then on"
            where = _cause_location(first_r[0]) if first_r else None
        else:
            summary = f"`{name}` hit the recompile limit {_times(hits_o, 'time')} on {O}, {_times(hits_r, 'time')} on {R}"
            where = None
        add("recompile_limit", summary, (_limit_group(ref, rf), _limit_group(other, of)), where)

    breaks_r, breaks_o = _break_sites(rf), _break_sites(of)
    if breaks_r.keys() != breaks_o.keys() or any(breaks_r[k][0] != breaks_o[k][0] for k in breaks_r):
        only_o = [breaks_o[k] for k in breaks_o if k not in breaks_r]
        only_r = [breaks_r[k] for k in breaks_r if k not in breaks_o]
        more = [(breaks_r[k], breaks_o[k]) for k in breaks_r if k in breaks_o and breaks_r[k][0] != breaks_o[k][0]]
        # One site: the location line under the summary says where; several: each says.
        at = len(only_o) + len(only_r) + len(more) > 1
        parts = []
        if only_o:
            parts.append(f"{O} broke the graph in `{name}` {_break_list(only_o, at)}; {R} did not")
        if only_r:
            parts.append(f"{R} broke the graph in `{name}` {_break_list(only_r, at)}; {O} did not")
        for (n_r, gb), (n_o, _) in more:
            parts.append(f"`{name}` broke {_break_site(gb, at)} {_times(n_o, 'time')} on {O}, {_times(n_r, 'time')} on {R}")
        first = (only_o or only_r or [m[1] for m in more])[0][1]
        add(
            "graph_breaks",
            "; ".join(parts),
            (RankGroup(ref, _break_summary(rf)), RankGroup(other, _break_summary(of))),
            first.location,
        )

    failed_r = [c for c in rf.compiles if c.status == "failed"]
    failed_o = [c for c in of.compiles if c.status == "failed"]
    if len(failed_r) != len(failed_o):
        fewer, more_ranks, failed = (R, O, failed_o) if len(failed_o) > len(failed_r) else (O, R, failed_r)
        reason = (failed[0].fail_reason or failed[0].fail_type or "no reason recorded").strip().splitlines()[0]
        add(
            "failed_compiles",
            f"a compile of `{name}` failed on {more_ranks} ({compile_number(failed[0])}: {_clip(reason)}); not on {fewer}",
            (RankGroup(ref, _times(len(failed_r), "failed compile")), RankGroup(other, _times(len(failed_o), "failed compile"))),
            None,
        )

    rec_r = [c for c in rf.compiles if c.is_recompile]
    rec_o = [c for c in of.compiles if c.is_recompile]
    _, extra_r, extra_o = match(rec_r, rec_o, _cause_key)
    if extra_o or extra_r:
        groups = (RankGroup(ref, _recompile_summary(rec_r)), RankGroup(other, _recompile_summary(rec_o)))
        if extra_o and not extra_r:
            summary = f"{O} recompiled `{name}` {_recompile_list(extra_o)}; {R} did not"
            where = _cause_location(extra_o[0])
        elif extra_r and not extra_o:
            summary = f"{O} did not recompile `{name}` where {R} did {_recompile_list(extra_r)}"
            where = _cause_location(extra_r[0])
        else:
            summary = (
                f"{O} and {R} recompiled `{name}` for different reasons: {O} {_recompile_list(extra_o)}; "
                f"{R} {_recompile_list(extra_r)}"
            )
            where = _cause_location(extra_o[0])
        add("recompiles", summary, groups, where)

    if not found:
        # Same limit hits, breaks, failures and recompile causes, yet not the same
        # sequence: the same compiles in another order.
        add(
            "compile_order",
            f"{O} compiled `{name}` in another order than {R}: {_sequence(of)} vs {_sequence(rf)}",
            (RankGroup(ref, _sequence(rf)), RankGroup(other, _sequence(of))),
            None,
        )
    return found


def _times(n: int, word: str) -> str:
    if n == 1 and word == "time":
        return "once"
    return f"{n} {word}{'' if n == 1 else 's'}"


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cause_text(c: Compile) -> str:
    """Why a recompile happened, in the report's words: ``x.size()[0] was 8, now 6``."""
    if not c.guard_failures:
        return "no reason recorded"
    f = c.guard_failures[0]
    if f.source and (f.expected is not None or f.actual is not None):
        was = f.expected if f.expected is not None else "?"
        now = f.actual if f.actual is not None else "another value"
        return f"`{f.source}` was {was}, now {now}"
    label = CATEGORY_LABELS.get(f.category, f.category)
    if f.source:
        return f"{label}: `{f.source}`"
    return f"{label}: {_clip(f.reason, 100)}"


def compile_number(c: Compile) -> str:
    """``frame/compile`` as the events number the compile. It is the compile id the report
    shows, except in logs of torch versions whose metrics repeated an earlier id."""
    return f"{c.frame_id}/{c.frame_compile_id}"


def _recompile_list(compiles: Sequence[Compile]) -> str:
    """``(0/1): x.size()[0] was 8, now 6``; several grouped by cause."""
    by_cause: dict[str, list[str]] = defaultdict(list)
    for c in compiles:
        by_cause[cause_text(c)].append(compile_number(c))
    return "; ".join(f"({', '.join(ids)}): {cause}" for cause, ids in by_cause.items())


def _recompile_summary(compiles: Sequence[Compile]) -> str:
    if not compiles:
        return "no recompile"
    causes = Counter(cause_text(c) for c in compiles)
    return f"{_times(len(compiles), 'recompile')}: " + "; ".join(
        f"{cause}" + (f" (x{n})" if n > 1 else "") for cause, n in causes.items()
    )


def _cause_location(c: Compile) -> Location | None:
    """Where the failed guard was made, when that is the user's code (a guard made inside
    torch, ``F.linear`` say, is better shown at the function itself)."""
    return next((f.location for f in c.guard_failures if f.location is not None and _users(f.location)), None)


def _users(location: Location) -> bool:
    return not location.file.startswith("<") and "/torch/" not in location.file


def _break_sites(f: Function) -> dict[Hashable, tuple[int, GraphBreak]]:
    sites: dict[Hashable, tuple[int, GraphBreak]] = {}
    for c in f.compiles:
        for gb in c.graph_breaks:
            k = graph_break_identity(gb)
            n, first = sites.get(k, (0, gb))
            sites[k] = (n + 1, first)
    return sites


def _break_site(gb: GraphBreak, at: bool = True) -> str:
    what = f"({gb.gb_id} {gb.gb_type})" if gb.gb_id else f"({gb.gb_type})"
    return f"at {gb.location} {what}" if at and gb.location else what


def _break_list(items: Sequence[tuple[int, GraphBreak]], at: bool = True) -> str:
    return ", ".join(_break_site(gb, at) + (f" {_times(n, 'time')}" if n > 1 else "") for n, gb in items)


def _break_summary(f: Function) -> str:
    sites = _break_sites(f)
    if not sites:
        return "no graph break"
    return f"{_times(sum(n for n, _ in sites.values()), 'graph break')}: " + _break_list(list(sites.values()))


def _limit_group(ranks: tuple[int, ...], f: Function) -> RankGroup:
    hits = f.recompile_limit_hits
    return RankGroup(ranks, f"hit the recompile limit {_times(hits, 'time')}" if hits else "did not hit the recompile limit")


def _sequence(f: Function) -> str:
    return ", ".join(
        f"{compile_number(c)} " + ("limit" if c.status == "recompile_limit" else "recompile" if c.is_recompile else "compile")
        for c in f.compiles
    )


# -- what Inductor logged per graph ----------------------------------------------------


FactsByRank = Mapping[int, tuple[CompileFacts, ...]]


def _compile_ids(facts: FactsByRank, has: Callable[[CompileFacts], bool]) -> list[str]:
    """Compile ids with the fact on any rank, in the lowest rank's order."""
    seen: dict[str, None] = {}
    for rank in sorted(facts):
        for f in facts[rank]:
            if has(f):
                seen.setdefault(f.compile_id, None)
    return list(seen)


def _value(facts: FactsByRank, rank: int, compile_id: str, read: Callable[[CompileFacts], Any]) -> Any:
    for f in facts[rank]:
        if f.compile_id == compile_id:
            return read(f)
    return None


def _collective_divergence(facts: FactsByRank) -> list[Divergence]:
    from dynotrace.analysis.facts import COLLECTIVE_SCHEDULE

    def schedule(rank: int, compile_id: str) -> tuple[str, ...] | None:
        """The graph's collectives on this rank; ``None`` when its schedule is unreadable."""
        for f in facts[rank]:
            if f.compile_id == compile_id:
                return None if COLLECTIVE_SCHEDULE in f.unreadable else f.collectives
        return ()

    def sequence(rank: int) -> tuple[str, ...]:
        # An unreadable schedule is a difference of its own: it cannot be shown equal.
        return tuple(
            op for f in facts[rank] for op in ((f"?{f.compile_id}",) if COLLECTIVE_SCHEDULE in f.unreadable else f.collectives)
        )

    groups = _differing(facts, sequence)
    if not groups:
        return []
    ref = groups[0]
    R = format_ranks(ref)
    ids = _compile_ids(facts, lambda f: bool(f.collectives) or COLLECTIVE_SCHEDULE in f.unreadable)
    parts: list[str] = []
    unreadable_only = True
    for other in groups[1:]:
        O = format_ranks(other)
        for cid in ids:
            a, b = schedule(ref[0], cid), schedule(other[0], cid)
            if a == b:
                continue
            if a is None or b is None:
                who = O if b is None else R
                parts.append(f"graph {cid}: the schedule of {who} fails its checksum (a damaged or edited log), so it cannot be compared")
                continue
            unreadable_only = False
            if not b:
                parts.append(f"graph {cid} ({_times(len(a), 'collective')}) runs on {R}, not on {O}")
            elif not a:
                parts.append(f"graph {cid} ({_times(len(b), 'collective')}) runs on {O}, not on {R}")
            else:
                parts.append(f"graph {cid}: {O} {_ops_difference(a, b)} ({R}: {_ops(a)})")
    odd = [r for g in groups[1:] for r in g]
    if unreadable_only:
        summary = f"the collective schedules of {format_ranks(odd)} and {R} cannot all be compared"
    else:
        summary = f"{format_ranks(odd)} {'issues' if len(odd) == 1 else 'issue'} another sequence of collectives than {R}"
    summary += ": " + "; ".join(parts[:4]) + ("; …" if len(parts) > 4 else "")

    def described(rank: int) -> str:
        text = _per_graph(facts[rank], lambda f: f.collectives, "collective")
        bad = [f.compile_id for f in facts[rank] if COLLECTIVE_SCHEDULE in f.unreadable]
        return text + (f"; unreadable: {', '.join(bad)}" if bad else "")

    return [Divergence("collectives", summary, WHY["collectives"], tuple(RankGroup(g, described(g[0])) for g in groups))]


def _per_graph(facts: Sequence[CompileFacts], read: Callable[[CompileFacts], Sequence[str]], word: str) -> str:
    """``6 collectives in 2 graphs (0/0: 2, 0/1: 4)``."""
    counts = [(f.compile_id, len(read(f))) for f in facts if read(f)]
    if not counts:
        return f"no {word}"
    total = sum(n for _, n in counts)
    return f"{_times(total, word)} in {_times(len(counts), 'graph')} ({', '.join(f'{cid}: {n}' for cid, n in counts)})"


def _ops(ops: Sequence[str]) -> str:
    return ", ".join(short_collective(op) for op in ops)


def _ops_difference(a: Sequence[str], b: Sequence[str]) -> str:
    """How ``b`` differs from ``a``: ``lacks reduce_scatter_tensor, wait_tensor``."""
    missing: list[str] = []
    extra: list[str] = []
    matcher = difflib.SequenceMatcher(a=list(a), b=list(b), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            missing.extend(a[i1:i2])
        if tag in ("insert", "replace"):
            extra.extend(b[j1:j2])
    said = []
    if missing:
        said.append(f"lacks {_ops(missing)}")
    if extra:
        said.append(f"adds {_ops(extra)}")
    if not said:
        said.append("runs them in another order")
    return f"runs {_ops(b)}: {' and '.join(said)}"


def _output_meta_divergence(facts: FactsByRank) -> list[Divergence]:
    ids = _compile_ids(facts, lambda f: f.output_meta is not None)
    found: list[Divergence] = []
    for cid in ids:
        having = [r for r in facts if _value(facts, r, cid, lambda f: f.output_meta) is not None]
        if len(having) < 2:
            continue
        groups = _groups_by(having, lambda r: _value(facts, r, cid, lambda f: f.output_meta))
        if len(groups) < 2:
            continue
        ref = groups[0]
        ops_ref = _value(facts, ref[0], cid, lambda f: f.output_ops_text) or ()
        detail = ""
        for other in groups[1:]:
            ops_other = _value(facts, other[0], cid, lambda f: f.output_ops_text) or ()
            first = next((i for i, (x, y) in enumerate(zip(ops_ref, ops_other)) if x != y), None)
            if first is not None:
                detail = f"; first at op {first}: {ops_other[first]} on {format_ranks(other)}, {ops_ref[first]} on {format_ranks(ref)}"
                break
            if ops_ref and ops_other and len(ops_ref) != len(ops_other):
                detail = f"; {len(ops_other)} ops on {format_ranks(other)}, {len(ops_ref)} on {format_ranks(ref)}"
                break
        odd = [r for g in groups[1:] for r in g]
        n = _value(facts, ref[0], cid, lambda f: f.output_ops)
        found.append(
            Divergence(
                "output_meta",
                f"graph {cid} produces other output shapes, strides or dtypes on {format_ranks(odd)} than on "
                f"{format_ranks(ref)} (Inductor's metadata of its {n} ops){detail}",
                WHY["output_meta"],
                tuple(
                    RankGroup(g, f"metadata {_value(facts, g[0], cid, lambda f: f.output_meta)}") for g in groups
                ),
            )
        )
    return found


def _differing(facts: FactsByRank, sequence: Callable[[int], tuple[str, ...]]) -> list[tuple[int, ...]]:
    """The groups of ranks by ``sequence``, when some rank has one and they are not all
    alike; else nothing."""
    if not any(sequence(r) for r in facts):
        return []
    groups = _groups_by(facts, sequence)
    return groups if len(groups) >= 2 else []


def _cache_divergence(facts: FactsByRank) -> list[Divergence]:
    def sequence(rank: int) -> tuple[str, ...]:
        return tuple(name for f in facts[rank] for name in f.cache)

    groups = _differing(facts, sequence)
    if not groups:
        return []
    ref = groups[0]
    ids = _compile_ids(facts, lambda f: bool(f.cache))
    parts: list[str] = []
    for other in groups[1:]:
        only: list[str] = []
        for cid in ids:
            a = _value(facts, ref[0], cid, lambda f: f.cache) or ()
            b = _value(facts, other[0], cid, lambda f: f.cache) or ()
            if a == b:
                continue
            if a and b:
                parts.append(f"graph {cid}: {_lookups(b)} on {format_ranks(other)}, {_lookups(a)} on {format_ranks(ref)}")
            else:
                only.append(cid)
        if only:
            a_n, b_n = len(sequence(ref[0])), len(sequence(other[0]))
            parts.append(
                f"{format_ranks(other)} made {_times(b_n, 'cache lookup')} ({_tally(sequence(other[0]))}), "
                f"{format_ranks(ref)} {a_n} ({_tally(sequence(ref[0]))}): they compiled different graphs"
            )
    summary = "the ranks were not served from the compile caches alike: " + "; ".join(parts[:4])
    return [
        Divergence(
            "cache",
            summary,
            WHY["cache"],
            tuple(RankGroup(g, _tally(sequence(g[0])) or "no cache lookup") for g in groups),
        )
    ]


def _lookups(names: Sequence[str]) -> str:
    return ", ".join(n.replace("_cache_", " cache ").replace("_", " ") for n in names)


def _tally(names: Sequence[str]) -> str:
    kinds = Counter(n.rsplit("_", 1)[-1] for n in names)
    return ", ".join(f"{kind} x{n}" for kind, n in sorted(kinds.items()))


def _runtime_divergence(facts: FactsByRank) -> list[Divergence]:
    ids = _compile_ids(facts, lambda f: f.estimated_runtime_ms is not None)
    spread: list[tuple[float, str, dict[int, float]]] = []
    for cid in ids:
        values = {
            r: v for r in facts if (v := _value(facts, r, cid, lambda f: f.estimated_runtime_ms)) is not None
        }
        if len(values) < 2:
            continue
        low, high = min(values.values()), max(values.values())
        if low > 0 and (high - low) / low > RUNTIME_TOLERANCE:
            spread.append(((high - low) / low, cid, values))
    if not spread:
        return []
    spread.sort(key=lambda item: -item[0])
    parts = []
    for fraction, cid, values in spread[:3]:
        low, high = min(values.values()), max(values.values())
        fast = [r for r, v in values.items() if v == low]
        slow = [r for r, v in values.items() if v == high]
        parts.append(
            f"graph {cid}: {high:.3f} ms on {format_ranks(slow)}, {low:.3f} ms on {format_ranks(fast)} (+{fraction:.0%})"
        )
    worst = spread[0][2]
    low, high = min(worst.values()), max(worst.values())
    slowest = tuple(sorted(r for r, v in worst.items() if v == high))
    fastest = tuple(sorted(r for r, v in worst.items() if v == low))
    more = f" (and {len(spread) - 3} more graphs)" if len(spread) > 3 else ""
    return [
        Divergence(
            "runtime",
            f"Inductor estimates {_times(len(spread), 'graph')} to run more than {RUNTIME_TOLERANCE:.0%} slower on some "
            f"ranks than on others: " + "; ".join(parts) + more,
            WHY["runtime"],
            (
                RankGroup(fastest, f"fastest on graph {spread[0][1]}: {low:.3f} ms"),
                RankGroup(slowest, f"slowest on graph {spread[0][1]}: {high:.3f} ms"),
            ),
        )
    ]
