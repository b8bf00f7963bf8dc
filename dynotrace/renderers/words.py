"""The sentences of a report, as plain text, for every format that shows one to a person.

The terminal (``terminal_run``) and the HTML page (``html``) say the same things in the
same words: each phrase is made here once, and each format only styles and lays it out.
Nothing here knows rich or HTML.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from dynotrace.analysis.findings import CATEGORY_LABELS, Finding, inside_torch
from dynotrace.analysis.graph_breaks import torch_context
from dynotrace.analysis.identity import torch_internal
from dynotrace.compare.diff import FunctionDiff, GuardChangeItem, cause_location, describe_causes
from dynotrace.analysis.reasons import user_source
from dynotrace.model import CacheLookup, Compile, CompileTime, CountRange, Function, GraphBreak, Guard, GuardFailure
from dynotrace.model import JobReport
from dynotrace.model import Location, Report, Summary, format_ranks, is_library_file
from dynotrace.releases import global_state, global_state_change

#: Guard changes a recompile shows (a changed guard counts once); the report file has them all.
SHOWN_GUARD_CHANGES = 8

#: A "Fix first" item with no location.
NO_LOCATION = "where: no line of yours is known for it (the log names none)"


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural_form or word + 's'}"


def short(text: str, limit: int = 110) -> str:
    """``text`` on one line, cut with ``…`` beyond ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def where(location: Location) -> str:
    """``file:line in function``."""
    return str(location) + (f" in {location.function}" if location.function else "")


#: A headline count's words: ``Summary`` field, singular.
HEADLINE_COUNTS = (
    ("functions", "function"),
    ("compiles", "compile"),
    ("graphs", "graph"),
    ("graph_breaks", "graph break"),
    ("recompiles", "recompile"),
    ("recompile_limit_hits", "limit hit"),
)


def headline_counts(summary: Summary) -> list[tuple[str, int, str]]:
    """``(field, value, words)`` of the headline: ``3`` ``compiles``."""
    return [(name, getattr(summary, name), plural(getattr(summary, name), word).split(" ", 1)[1]) for name, word in HEADLINE_COUNTS]


def limit_headline(functions: Iterable[Function]) -> str | None:
    """``1 function hit the recompile limit and now runs uncompiled``, or ``None``."""
    limited = [f for f in functions if f.recompile_limit_hits]
    if not limited:
        return None
    raised = all(f.limit_raised for f in limited)
    one = len(limited) == 1
    return f"{plural(len(limited), 'function')} hit the recompile limit and " + (
        "raised instead of compiling"
        if raised
        else f"{'runs' if one else 'run'} uncompiled for calls {'its' if one else 'their'} graphs don't fit"
    )


def recompile_values(finding: Finding) -> str | None:
    """``Float → Double`` when every recompile of a finding changed the same value the same way."""
    values = {(c.guard_failures[0].expected, c.guard_failures[0].actual) for c in finding.compiles if c.guard_failures}
    if len(values) == 1 and None not in (pair := values.pop()):
        return f"{pair[0]} → {pair[1]}"
    return None


def finding_count(finding: Finding) -> str:
    """``split 2 compiles`` for a graph break, ``3 recompiles in 2 functions`` for a cause."""
    if finding.kind == "graph_break":
        return f"split {plural(finding.count, 'compile')}"
    text = plural(finding.count, "recompile")
    owners = len({o.key for o in finding.owners})
    return text + (f" in {owners} functions" if owners > 1 else "")


def at_your_call(finding: Finding) -> bool:
    """A recompile of library code that the user's own line caused: its place is "your call"."""
    loc = finding.location
    return (
        loc is not None and finding.kind == "recompile" and not is_library_file(loc.file)
        and is_library_file(finding.function.file)
    )


def failure_label(failure: GuardFailure) -> str:
    return CATEGORY_LABELS.get(failure.category, failure.category)


def failure_change(failure: GuardFailure) -> str | None:
    """``was 8, now 10``, when the failure names a value."""
    if failure.expected is None and failure.actual is None:
        return None
    return (
        f"was {failure.expected if failure.expected is not None else '?'}, "
        f"now {failure.actual if failure.actual is not None else 'another value'}"
    )


def failure_detail(failure: GuardFailure, older: int) -> str:
    """``guard of 0/0 (TENSOR_MATCH); the same check failed on 1 older cache entry: <torch's reason>``."""
    text = f"guard of {failure.failed_compile_id}"
    if failure.guard_kind:
        text += f" ({failure.guard_kind})"
    if older:
        text += f"; the same check failed on {plural(older, 'older cache entry', 'older cache entries')}"
    if failure.reason != failure.source:
        text += f": {failure.reason}"
    return text


def repeated_note(failure: GuardFailure, older: int, explained_at: str) -> str:
    """``(guard of 0/3; +1 older cache entry; see 0/1)``: a cause explained at an earlier compile."""
    more = f"; +{plural(older, 'older cache entry', 'older cache entries')}" if older else ""
    return f"(guard of {failure.failed_compile_id}{more}; see {explained_at})"


def made_inside_library(failure: GuardFailure, call_site: Location | None) -> bool:
    """The guard was made in a library and the user's call that reached it is known."""
    return failure.location is not None and call_site is not None and is_library_file(failure.location.file)


def shown_failures(c: Compile) -> list[tuple[GuardFailure, int]]:
    """A recompile's failures worth a line each: the first, with how many older cache
    entries failed the same check, then those on other sources."""
    first = c.guard_failures[0]
    older = sum(1 for f in c.guard_failures[1:] if f.source == first.source)
    return [(first, older)] + [(f, 0) for f in c.guard_failures[1:] if f.source != first.source]


def cause_key(failure: GuardFailure) -> tuple[Any, ...]:
    """What makes two failures of one function the same cause (explained once)."""
    return (failure.category, failure.source or failure.reason, failure.location)


def compile_status(c: Compile) -> tuple[str, str]:
    """``(label, sort)`` of a compile's line: sort is ``limit``, ``failed``, ``recompile`` or ``compile``."""
    if c.status == "recompile_limit":
        return "refused: recompile limit", "limit"
    if c.status != "ok":
        return c.status, "failed"
    if c.is_recompile:
        return "recompile", "recompile"
    return "compile", "compile"


def compile_detail(c: Compile) -> str:
    """``1 graph, 4 ops, 11 guards``."""
    detail = [plural(c.graphs, "graph")]
    if c.graph_op_count is not None:
        detail.append(plural(c.graph_op_count, "op"))
    if c.guard_count is not None:
        detail.append(plural(c.guard_count, "guard"))
    return ", ".join(detail)


def resume_note(c: Compile) -> str | None:
    return f"(resumes after the graph break at line {c.resume_line})" if c.resume_line else None


def fail_line(c: Compile) -> str | None:
    """The first line of a failed compile's reason."""
    if c.status == "failed" and c.fail_reason:
        return short(c.fail_reason.strip().splitlines()[0])
    return None


def source_root(source: str) -> str:
    """The guarded object a failure's source names: ``kwargs['x'].size()[0]`` -> ``kwargs['x']``."""
    return re.split(r"\.(?:size|stride|dim)\(|\.(?:dtype|device|requires_grad)\b| dispatch keys", source, maxsplit=1)[0]


def _top_level_parts(check: str) -> list[str]:
    """``check_tensor(L['x'], Tensor, ..., size=[8, 3])`` -> its top-level arguments."""
    inner = check[check.index("(") + 1 : check.rindex(")")] if "(" in check and check.endswith(")") else check
    parts, depth, current = [], 0, ""
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def changed_parts(before: str, after: str) -> tuple[str, str] | None:
    """Only the arguments that differ between two checks of one call, with the subject."""
    a, b = _top_level_parts(before), _top_level_parts(after)
    if len(a) != len(b) or len(a) < 2:
        return None
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if not diff:
        return None
    subject = a[0]
    return (
        f"{subject}: " + ", ".join(a[i] for i in diff),
        f"{subject}: " + ", ".join(b[i] for i in diff),
    )


def guard_diff_lines(c: Compile) -> list[tuple[str, str]]:
    """How a recompile's guards differ from those of the compile whose guard failed, as
    ``(sign, text)`` lines: ``-``/``+`` for a guard, ``state`` for a changed global-state
    key, ``note`` for what is left out. The guards on what failed first come first; after a
    change of global state only the state keys that changed (the new compile traced the
    program anew under it, so hundreds of guards differ for that one reason)."""
    diff = c.guard_diff
    if diff is None or diff.empty:
        return []
    failure = c.guard_failures[0] if c.guard_failures else None
    total = len(diff.changed) + len(diff.removed) + len(diff.added)
    lines: list[tuple[str, str]] = []
    if failure is not None and failure.category == "global_state":
        state = [ch for ch in diff.changed if ch.before.kind == "GLOBAL_STATE"]
        for change in state:
            before, after = global_state(change.before.check) or {}, global_state(change.after.check) or {}
            keys = global_state_change(before, after)
            shown = ", ".join(f"{k}: {json.dumps(before.get(k))} → {json.dumps(after.get(k))}" for k in keys)
            lines.append(("state", f"GLOBAL_STATE: {shown or 'changed'}"))
        others = total - len(state)
        if others:
            lines.append((
                "note",
                f"… {plural(others, 'other guard')} differ because the new compile traced the code "
                "anew under the new state, not because they changed (see -o report.yaml: guard_diff)",
            ))
        return lines
    root = source_root(failure.source) if failure is not None and failure.source else None

    def about(guard: Guard) -> bool:
        return bool(root) and root in user_source(guard.check)  # type: ignore[operator]

    def line(g: Guard, check: str | None = None) -> str:
        return f"{g.kind}: {short(check if check is not None else g.check)}"

    # Each change as the lines it shows, the guards on the source that failed first (changed,
    # removed, added), then the others in torch's order. Guards on torch's own state (its
    # modules' functions, Dynamo's bookkeeping) say nothing about what the user changed:
    # counted, not shown.
    entries: list[tuple[bool, list[tuple[str, str]]]] = []
    for change in diff.changed:
        if torch_internal(change.after):
            continue
        parts = changed_parts(change.before.check, change.after.check)
        pair = [("-", line(change.before, parts[0] if parts else None)), ("+", line(change.after, parts[1] if parts else None))]
        entries.append((about(change.before) or about(change.after), pair))
    entries += [(about(g), [("-", line(g))]) for g in diff.removed if not torch_internal(g)]
    entries += [(about(g), [("+", line(g))]) for g in diff.added if not torch_internal(g)]
    entries.sort(key=lambda entry: not entry[0])
    listed = entries[:SHOWN_GUARD_CHANGES]
    for _, pair in listed:
        lines += pair
    hidden = total - len(listed)
    if hidden:
        lines.append(("note", f"… {hidden} more (see -o report.yaml: guard_diff)"))
    return lines


def dynamic_text(c: Compile) -> str | None:
    """``x.size()[0] (=12, range [2, int_oo])``: the compile's dynamic dimensions."""
    dynamic = [s for s in c.symbols if s.source]
    if not dynamic:
        return None
    return ", ".join(f"{user_source(s.source)} (={s.value}, range {s.range})" for s in dynamic)


_NAMES_IN = re.compile(r"[A-Za-z_][\w.()\[\]'\"]*")


def constraint_origin(constraint: str, c: Compile) -> Location | None:
    """The line whose shape guard a constraint came from: the first shape guard over the
    same values (a constraint is a simplification of them)."""
    names = {n for n in _NAMES_IN.findall(constraint) if not n.isdigit() and n not in ("Min", "Max", "Eq", "Ne")}
    for g in c.shape_guards:
        if not g.runtime_assert and g.location and names and all(n in (g.named or g.expr) for n in names):
            return g.location
    return None


def guard_kinds(functions: Iterable[Compile]) -> str | None:
    """``TENSOR_MATCH 3, GLOBAL_STATE 1``: guard checks by kind, the most common first."""
    kinds = Counter(g.kind for c in functions for g in c.guards)
    if not kinds:
        return None
    return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


def wrapped_class(f: Function) -> str | None:
    """The class a wrapper frame was called on, unless the function's name already says it."""
    wrapped = next((c.wrapped_class for c in f.compiles if c.wrapped_class), None)
    if wrapped and f.display_name.startswith(f"{wrapped}."):
        return None
    return wrapped


def wraps_note(wrapped: str) -> str:
    """``wraps a call on an AdamW (its first argument)``."""
    article = "an" if wrapped[:1].lower() in "aeiou" else "a"
    return f"wraps a call on {article} {wrapped} (its first argument)"


def call_sites(f: Function) -> list[Location]:
    """Where the user's code called the function, each place once, in order."""
    return list(dict.fromkeys(c.call_site for c in f.compiles if c.call_site))


def decorator_note(f: Function) -> str:
    """`` (its decorator wrapper)`` when the frame Dynamo compiled is a decorator's wrapper
    of the method the function is named after."""
    method = f.display_name.rsplit(".", 1)[-1]
    if method == f.name:
        return ""
    if f.name == "inner" and f.file.endswith("torch/_dynamo/external_utils.py"):
        return " (torch.compile's wrapper around the module)"
    return f" (its decorator {f.name})"


def function_counts(f: Function) -> str:
    """``3 compiles, 2 recompiles, 0 graph breaks``."""
    return f"{plural(len(f.compiles), 'compile')}, {plural(f.recompiles, 'recompile')}, {plural(f.graph_breaks, 'graph break')}"


def limit_text(f: Function) -> tuple[str, str, str, str]:
    """The recompile-limit panel: what happened, what it did to the calls, what drove it
    there, and what to do."""
    # The limit counts the entries of one code object: a resume function has its own.
    frames = {c.frame_id for c in f.compiles if c.status == "recompile_limit"}
    compiled = [c for c in f.compiles if c.status != "recompile_limit" and c.frame_id in frames]
    reasons = Counter(
        CATEGORY_LABELS.get(c.guard_failures[0].category, "other") + (f": {c.guard_failures[0].source}" if c.guard_failures[0].source else "")
        for c in f.compiles
        if c.guard_failures
    )
    what = f"{f.display_name} hit the recompile limit after {plural(len(compiled), 'compile')}."
    if f.limit_raised:
        consequence = (
            "Torch raised FailOnRecompileLimitHit from the call instead of running it eagerly "
            "(fail_on_recompile_limit_hit or fullgraph=True is set)."
        )
    else:
        consequence = (
            "From then on, a call that none of its compiled graphs fits runs eagerly, uncompiled "
            "(torch logs a warning the first time)."
        )
    drove = "; ".join(f"{reason} (×{n})" for reason, n in reasons.most_common())
    if any(fl.category == "shared_code" for c in f.compiles for fl in c.guard_failures):
        advice = (
            "One code object serves several classes here: compile the methods it wraps, or raise "
            "torch._dynamo.config.recompile_limit to at least their number; either is a real fix."
        )
    else:
        advice = (
            "Fix the cause above so one graph serves every call; raising "
            "torch._dynamo.config.recompile_limit only delays the fallback."
        )
    return what, consequence, drove, advice


def break_counts(finding: Finding) -> str:
    """``hit 2 times, split 2 compiles``."""
    return f"hit {plural(finding.count, 'time')}, split {plural(len({c.compile_id for c in finding.compiles}), 'compile')}"


def break_owners(finding: Finding) -> list[str]:
    return list(dict.fromkeys(o.display_name for o in finding.owners))


def not_resumed(finding: Finding) -> list[str]:
    """One sentence per function whose compile could not resume after the break."""
    return [
        f"torch could not resume {function.display_name} after this break: the call that met it ran "
        "eagerly from there, uncompiled."
        for function in finding.skipped
    ]


def break_context(finding: Finding, gb: GraphBreak) -> tuple[str, bool] | None:
    """What torch's own code means by a break (``(text, True)``: advice), or that it is in
    torch's code, where the user has nothing to change (``(text, False)``)."""
    context = torch_context(gb)
    if context:
        return context, True
    if inside_torch(finding):
        return "This break is in torch's own code, not yours: nothing to change in your code for it.", False
    return None


#: Where torch's explanation of a data-dependent branch goes on with the FX code that
#: computed the condition (``# File ..., code: ... l_stack0_: "f32[]" = ...``): code of
#: Dynamo's graph, in its own names, kept in the report file, not shown.
_GRAPH_CODE = re.compile(r"(computed as follows:)\s*#\s*File .*", re.DOTALL)


def break_explanation(gb: GraphBreak) -> str:
    """Torch's explanation of a graph break, without the graph code it may go on with."""
    return short(_GRAPH_CODE.sub(r"\1 (the graph code is in -o report.yaml: graph_breaks)", gb.explanation or ""), 400)


def user_frame(finding: Finding) -> Location | None:
    """The innermost frame of the user's own code in the stacks of a graph break's hits."""
    for c in finding.compiles:
        for gb in c.graph_breaks:
            if gb.location == finding.location:
                own = [loc for loc in gb.user_stack if not is_library_file(loc.file)]
                if own:
                    return own[-1]
    return next((c.call_site for c in finding.compiles if c.call_site), None)


# Where compile time went.

#: Words of a cache lookup's outcome, and of torch's finer status (2.9+).
CACHE_NAMES = {"fx_graph": "fx graph cache", "aotautograd": "aot cache", "dynamo": "dynamo cache", "precompile": "precompile cache"}
CACHE_DETAILS = {
    "full_miss": "no entry for this graph",
    "guard_miss": "entries for this graph, but their shape guards failed",
}


def seconds(value: float) -> str:
    """``0.12s``, ``1.8s``, ``12s``: two significant figures below 10 s."""
    if value < 10:
        return f"{value:.2f}s" if value < 1 else f"{value:.1f}s"
    return f"{value:.0f}s"


def phases(t: CompileTime) -> list[str]:
    """``dynamo 0.12s``, ``aot 0.30s``, ``inductor 1.8s``, ``backward 0.9s``: the phases a
    compile spent time in (AOTAutograd and the backward only when they took any)."""
    parts = []
    if t.dynamo_s is not None:
        parts.append(f"dynamo {seconds(t.dynamo_s)}")
    if t.aot_s is not None and (t.aot_s >= 0.005 or t.inductor_s):
        parts.append(f"aot {seconds(t.aot_s)}")
    if t.inductor_s is not None:
        parts.append(f"inductor {seconds(t.inductor_s)}")
    if t.backward_s:
        parts.append(f"backward {seconds(t.backward_s)}")
    return parts


def cache_words(lookup: CacheLookup) -> str:
    """``fx graph cache miss (no entry for this graph)``, ``aot cache bypass (<torch's reason>)``."""
    text = f"{CACHE_NAMES.get(lookup.cache, lookup.cache + ' cache')} {lookup.outcome}"
    why = lookup.reason or (CACHE_DETAILS.get(lookup.detail, lookup.detail) if lookup.detail and lookup.detail != lookup.outcome else None)
    if lookup.detail == "guard_miss" and lookup.guard:
        why = f"{why}: {lookup.guard}"
    return f"{text} ({short(why, 200)})" if why else text


def cache_summary(lookups: Iterable[CacheLookup]) -> list[str]:
    """Each distinct lookup once, with how often: ``fx graph cache miss (no entry ...) ×2``."""
    counts = Counter(cache_words(lookup) for lookup in lookups)
    return [f"{words} ×{n}" if n > 1 else words for words, n in counts.items()]


def compile_time_line(c: Compile) -> str | None:
    """``dynamo 0.12s · aot 0.30s · inductor 1.8s · fx graph cache miss (...)``."""
    t = c.time
    if t is None:
        return None
    parts = phases(t) + cache_summary(t.cache)
    return " · ".join(parts) if parts else None


def total_time(compiles: Iterable[Compile]) -> CompileTime | None:
    """The phases of several compiles summed (and their cache lookups), ``None`` when none is timed."""
    timed = [c.time for c in compiles if c.time is not None]
    if not timed:
        return None

    def add(name: str) -> float | None:
        values = [getattr(t, name) for t in timed if getattr(t, name) is not None]
        return round(sum(values), 6) if values else None

    return CompileTime(
        total_s=add("total_s"),
        dynamo_s=add("dynamo_s"),
        aot_s=add("aot_s"),
        inductor_s=add("inductor_s"),
        backward_s=add("backward_s"),
        cache=tuple(lookup for t in timed for lookup in t.cache),
    )


def cache_counts(lookups: Iterable[CacheLookup]) -> list[str]:
    """``fx graph cache 2 misses, 1 hit``: each cache's outcomes counted."""
    by_cache: dict[str, Counter[str]] = {}
    for lookup in lookups:
        by_cache.setdefault(lookup.cache, Counter())[lookup.outcome] += 1
    words = {"hit": ("hit", "hits"), "miss": ("miss", "misses"), "bypass": ("bypass", "bypasses")}
    out = []
    for cache, outcomes in by_cache.items():
        shown = ", ".join(
            f"{n} {words.get(o, (o, o + 's'))[0 if n == 1 else 1]}" for o, n in sorted(outcomes.items(), key=lambda kv: -kv[1])
        )
        out.append(f"{CACHE_NAMES.get(cache, cache + ' cache')} {shown}")
    return out


def function_time_line(f: Function) -> str | None:
    """``compile time 2.3s: dynamo 0.4s · aot 0.5s · inductor 1.4s; backward 0.9s; fx graph cache 2
    misses, 1 hit``: the frame compiles (as the headline counts them), then the backward's."""
    t = total_time(f.compiles)
    if t is None or t.total_s is None:
        return None
    text = f"compile time {seconds(t.total_s)}"
    parts = [p for p in phases(t) if not p.startswith("backward")]
    if parts:
        text += ": " + " · ".join(parts)
    if t.backward_s:
        text += f"; backward {seconds(t.backward_s)}"
    caches = cache_counts(t.cache)
    if caches:
        text += "; " + ", ".join(caches)
    return text


# A job of many ranks.


def count_range(counts: CountRange, word: str) -> tuple[str, str, str | None]:
    """A per-rank count: ``("2-3", "compiles", "ranks 5, 6: 3")`` (the last ``None`` when
    every rank has the same)."""
    if counts.uniform:
        return str(counts.min), word if counts.min == 1 else word + "s", None
    return f"{counts.min}-{counts.max}", f"{word}s", f"{format_ranks(counts.max_ranks)}: {counts.max}"


def ranks_scope(job: JobReport) -> tuple[str, str, str]:
    """``("torchrun job, ", "3 of 4 ranks", "")`` or ``("", "7 ranks", " (0-6) read from their logs")``."""
    s = job.summary
    if job.launcher is not None:
        count = f"{s.ranks} of {job.world_size} ranks" if job.world_size and s.ranks != job.world_size else plural(s.ranks, "rank")
        return f"{job.launcher} job, ", count, ""
    return "", plural(s.ranks, "rank"), f" ({format_ranks(job.ranks, word=False)}) read from their logs"


def groups_state(job: JobReport) -> str | None:
    """``all compiled the same way`` or ``2 groups compiled differently`` (``None`` for one rank)."""
    s = job.summary
    if s.ranks < 2:
        return None
    return "all compiled the same way" if s.rank_groups <= 1 else f"{s.rank_groups} groups compiled differently"


def exit_lines(job: JobReport) -> list[str]:
    """``ranks 1, 2 exited with code 1``: ranks whose script failed, by exit code."""
    failed = {r: report.run.exit_code for r, report in job.ranks.items() if report.run.exit_code not in (None, 0)}
    out = []
    for code in sorted(set(failed.values()), key=lambda c: c or 0):
        ranks = [r for r, c in failed.items() if c == code]
        how = {130: "was interrupted (Ctrl-C, exit code 130)", 143: "was stopped (SIGTERM, exit code 143)"}
        verb = how.get(code or 0, f"exited with code {code}")
        if len(ranks) > 1:
            verb = verb.replace("was ", "were ", 1)
        out.append(f"{format_ranks(ranks)} {verb}")
    return out


def group_title(group: tuple[int, ...], first: int) -> str:
    """``ranks 0-4: compiled the same way; the report of rank 0`` or ``rank 5``."""
    if len(group) > 1:
        return f"{format_ranks(group)}: compiled the same way; the report of rank {first}"
    return f"rank {first}"


def function_cell(report: Report, key: str) -> str:
    """How many compiles a rank made of a function (``!N``: recompile-limit hits), ``-`` for none."""
    for f in report.functions:
        if f.key == key:
            limit = f.recompile_limit_hits
            return f"{len(f.compiles)}" + (f" !{limit}" if limit else "")
    return "-"


# A diff of two runs.


def diff_compile(c: Compile, f: FunctionDiff) -> tuple[str, str]:
    """A compile that appeared or went away: ``("recompile", "because <causes>  (file:line)")``."""
    if c.status == "recompile_limit":
        return "recompile limit hit", "the call raised" if c.limit_raised else "later calls run eagerly"
    if c.is_recompile:
        detail = f"because {describe_causes(c)}"
        place = cause_location(c, f)
        if place.line:
            detail += f"  ({place})"
        return "recompile", detail
    if c.resume_line is not None:
        return "compile", f"resume function after the graph break at line {c.resume_line}"
    return "compile", "first compile" if c.status == "ok" else c.status.replace("_", " ")


def guard_change(item: GuardChangeItem) -> tuple[str, Guard, Guard | None]:
    """A guard added, removed or changed, as a diff shows it: the compiles it happened in
    (``1/1, 1/2``), the guard (of a change, the new one), and the guard a change replaced
    (``None`` for a guard added or removed)."""
    ids = ", ".join(item.compile_ids)
    if item.change == "changed" and item.before and item.after:
        return ids, item.after, item.before
    guard = item.after or item.before
    assert guard is not None
    return ids, guard, None


def function_diff_status(f: FunctionDiff) -> str | None:
    """``new: only in after``, ``gone: only in before``, ``(moved from line 12)``, or ``None``."""
    if f.status in ("added", "removed"):
        return "new: only in after" if f.status == "added" else "gone: only in before"
    if f.first_line_before != f.first_line_after:
        return f"(moved from line {f.first_line_before})"
    return None
