"""The terminal report of one process's run: what a person reads after ``dynotrace explain``.

Built from rich ``Text`` objects, never from markup strings, so user text (file names,
source lines, torch's messages) can never be misread as markup.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from dynotrace.analysis.findings import CATEGORY_LABELS, Finding, fix_first, graph_break_findings, inside_torch
from dynotrace.analysis.graph_breaks import torch_context
from dynotrace.analysis.identity import torch_internal
from dynotrace.analysis.reasons import user_source
from dynotrace.releases import global_state, global_state_change
from dynotrace.model import Compile, Function, Guard, GuardFailure, Location, Report, RunInfo, is_library_file
from dynotrace.renderers.base import Options
from dynotrace.renderers.console import trimmed

def _pad(renderable: RenderableType, indent: int) -> Padding:
    """Indent a block so that its wrapped lines keep the indent."""
    return Padding(renderable, (0, 0, 0, indent), expand=False)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _where(location: Location | None, *, code: bool = True) -> Text:
    text = Text()
    if location is None:
        return text
    text.append(str(location), style="cyan")
    if location.function:
        text.append(f" in {location.function}", style="cyan")
    if code and location.code:
        text.append("\n  ")
        text.append(location.code, style="bold")
    return text


def run_title(run: RunInfo) -> Text:
    """``dynotrace train.py  torch 2.13.0``: what ran, the first line of a report."""
    head = Text()
    head.append("dynotrace ", style="bold")
    head.append(run.command.removeprefix("dynotrace explain "), style="bold cyan")
    if run.torch_version:
        head.append(f"  torch {run.torch_version}", style="dim")
    if run.backend_override:
        head.append(f"  backend={run.backend_override}", style="dim")
    return head


def _headline(report: Report, timing: bool) -> Text:
    s = report.summary
    head = run_title(report.run)
    counts = Text("\n")
    items = [
        ("function", s.functions, ""),
        ("compile", s.compiles, ""),
        ("graph", s.graphs, ""),
        ("graph break", s.graph_breaks, "yellow" if s.graph_breaks else ""),
        ("recompile", s.recompiles, "yellow" if s.recompiles else ""),
        ("limit hit", s.recompile_limit_hits, "bold red" if s.recompile_limit_hits else ""),
    ]
    for i, (label, value, style) in enumerate(items):
        if i:
            counts.append(" · ", style="dim")
        counts.append(str(value), style=style or "bold")
        counts.append(" " + _plural(value, label).split(" ", 1)[1])
    compile_s = report.timing.get("compile_s") if timing else None
    if compile_s is not None:
        counts.append(" · ", style="dim")
        counts.append(f"{compile_s:.2f}s", style="bold")
        counts.append(" compiling")
    limited = [f for f in report.functions if f.recompile_limit_hits]
    if limited:
        counts.append("\n")
        raised = all(f.limit_raised for f in limited)
        counts.append(
            f"{_plural(len(limited), 'function')} hit the recompile limit and "
            + ("raised instead of compiling" if raised else "runs uncompiled for calls its graphs don't fit"),
            style="bold red",
        )
    return head + counts


def _fix_first(report: Report, findings: list[Finding], timing: bool) -> RenderableType:
    lines = Text()
    for i, f in enumerate(findings):
        if i:
            lines.append("\n")
        lines.append(f"{i + 1}. ", style="bold")
        style = "bold red" if f.kind == "recompile_limit" else "bold yellow"
        if f.kind == "graph_break":
            lines.append("graph break ", style=style)
            gb = f.graph_break
            lines.append(f"{gb.gb_id + ' ' if gb and gb.gb_id else ''}{f.title}")
            lines.append(f"  split {_plural(f.count, 'compile')}", style="dim")
        elif f.kind == "recompile_limit":
            lines.append(f.title, style=style)
        else:
            lines.append("recompile ", style=style)
            lines.append(f.title)
            values = {(c.guard_failures[0].expected, c.guard_failures[0].actual) for c in f.compiles if c.guard_failures}
            if len(values) == 1 and None not in (pair := values.pop()):
                lines.append(f" ({pair[0]} → {pair[1]})")  # one change, the same in every recompile
            lines.append(f"  {_plural(f.count, 'recompile')}", style="dim")
            owners = len({o.key for o in f.owners})
            if owners > 1:
                lines.append(f" in {owners} functions", style="dim")
        seconds = f.compile_seconds(report.timing) if timing else 0
        if seconds:
            lines.append(f", {seconds:.2f}s", style="dim")
        if f.location:
            mine = f.kind == "recompile" and not is_library_file(f.location.file) and is_library_file(f.function.file)
            lines.append("\n   at your call " if mine else "\n   at ")
            lines.append_text(_where(f.location, code=False))
        else:
            lines.append("\n   where: no line of yours is known for it (the log names none)", style="dim")
    return Panel(lines, title="Fix first", title_align="left", border_style="yellow")


def _failure_headline(failure: GuardFailure) -> Text:
    text = Text()
    text.append(CATEGORY_LABELS.get(failure.category, failure.category), style="bold yellow")
    text.append(": ")
    if failure.source:
        text.append(failure.source, style="bold")
        if failure.expected is not None or failure.actual is not None:
            text.append(f"  was {failure.expected if failure.expected is not None else '?'}")
            text.append(f", now {failure.actual if failure.actual is not None else 'another value'}")
    else:
        text.append(failure.reason)
    return text


def _repeated_failure_line(failure: GuardFailure, older: int, explained_at: str) -> RenderableType:
    text = _failure_headline(failure)
    more = f"; +{_plural(older, 'older cache entry', 'older cache entries')}" if older else ""
    text.append(f"  (guard of {failure.failed_compile_id}{more}; see {explained_at})", style="dim")
    return _pad(text, 6)


def _failure_block(failure: GuardFailure, *, older: int, call_site: Location | None = None) -> RenderableType:
    text = _failure_headline(failure)
    detail = Text(f"guard of {failure.failed_compile_id}", style="dim")
    if failure.guard_kind:
        detail.append(f" ({failure.guard_kind})")
    if older:
        detail.append(f"; the same check failed on {_plural(older, 'older cache entry', 'older cache entries')}")
    if failure.reason != failure.source:
        detail.append(f": {failure.reason}")
    rows: list[RenderableType] = [_pad(text, 6), _pad(detail, 8)]
    if failure.location and call_site is not None and is_library_file(failure.location.file):
        # Where to act is the user's own line; the library line that made the guard is context.
        made = Text("your call: ")
        made.append_text(_where(call_site))
        rows.append(_pad(made, 8))
        inside = Text("guard made inside ", style="dim")
        inside.append_text(_where(failure.location, code=False))
        rows.append(_pad(inside, 8))
    elif failure.location:
        made = Text("made at ")
        made.append_text(_where(failure.location))
        rows.append(_pad(made, 8))
    if failure.suggestion:
        rows.append(_pad(Text("→ " + failure.suggestion, style="green"), 8))
    return Group(*rows)


def _guard_line(guard: Guard, sign: str, style: str, check: str | None = None) -> RenderableType:
    line = Text(f"{sign} ", style=style)
    line.append(f"{guard.kind}: ", style=style)
    line.append(_short(check if check is not None else guard.check), style=style)
    return _pad(line, 8)


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


def _changed_parts(before: str, after: str) -> tuple[str, str] | None:
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


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Where torch's explanation of a data-dependent branch goes on with the FX code that
#: computed the condition (``# File ..., code: ... l_stack0_: "f32[]" = ...``): code of
#: Dynamo's graph, in its own names, shown in the report file, not here.
_GRAPH_CODE = re.compile(r"(computed as follows:)\s*#\s*File .*", re.DOTALL)


def _without_graph_code(explanation: str) -> str:
    return _GRAPH_CODE.sub(r"\1 (the graph code is in -o report.yaml: graph_breaks)", explanation)


def _guard_diff_block(c: Compile) -> list[RenderableType]:
    """The guards that differ between the failed compile and this one, those about what
    failed first. After a change of global state the new compile traced the program anew
    under it, so hundreds of guards differ for that one reason: only the state keys that
    changed are shown."""
    diff = c.guard_diff
    if diff is None or diff.empty:
        return []
    failure = c.guard_failures[0] if c.guard_failures else None
    total = len(diff.changed) + len(diff.removed) + len(diff.added)
    rows: list[RenderableType] = [_pad(Text("guards vs the failed compile:", style="dim"), 6)]
    if failure is not None and failure.category == "global_state":
        state = [ch for ch in diff.changed if ch.before.kind == "GLOBAL_STATE"]
        for change in state:
            before, after = global_state(change.before.check) or {}, global_state(change.after.check) or {}
            keys = global_state_change(before, after)
            shown = ", ".join(f"{k}: {json.dumps(before.get(k))} → {json.dumps(after.get(k))}" for k in keys)
            rows.append(_pad(Text(f"GLOBAL_STATE: {shown or 'changed'}", style="yellow"), 8))
        others = total - len(state)
        if others:
            rows.append(
                _pad(
                    Text(
                        f"… {_plural(others, 'other guard')} differ because the new compile traced the code "
                        "anew under the new state, not because they changed (see -o report.yaml: guard_diff)",
                        style="dim",
                    ),
                    8,
                )
            )
        return rows
    root = _source_root(failure.source) if failure is not None and failure.source else None

    def about(guard: Guard) -> bool:
        return bool(root) and root in user_source(guard.check)  # type: ignore[operator]

    # Each change as the lines it shows, the guards on the source that failed first (changed,
    # removed, added), then the others in torch's order. Guards on torch's own state (its
    # modules' functions, Dynamo's bookkeeping) say nothing about what the user changed:
    # counted, not shown.
    entries: list[tuple[bool, list[RenderableType]]] = []
    for change in diff.changed:
        if torch_internal(change.after):
            continue
        parts = _changed_parts(change.before.check, change.after.check)
        lines = [
            _guard_line(change.before, "-", "red", parts[0] if parts else None),
            _guard_line(change.after, "+", "green", parts[1] if parts else None),
        ]
        entries.append((about(change.before) or about(change.after), lines))
    for guard in diff.removed:
        if not torch_internal(guard):
            entries.append((about(guard), [_guard_line(guard, "-", "red")]))
    for guard in diff.added:
        if not torch_internal(guard):
            entries.append((about(guard), [_guard_line(guard, "+", "green")]))
    entries.sort(key=lambda entry: not entry[0])
    listed = entries[:8]
    for _, lines in listed:
        rows.extend(lines)
    hidden = total - len(listed)
    if hidden:
        rows.append(_pad(Text(f"… {hidden} more (see -o report.yaml: guard_diff)", style="dim"), 8))
    return rows


def _source_root(source: str) -> str:
    """The guarded object a failure's source names: ``kwargs['x'].size()[0]`` -> ``kwargs['x']``."""
    return re.split(r"\.(?:size|stride|dim)\(|\.(?:dtype|device|requires_grad)\b| dispatch keys", source, maxsplit=1)[0]


def _compile_rows(
    c: Compile, opts: Options, explained: dict[tuple[Any, ...], str], constraints_shown: set[str] | None = None
) -> list[RenderableType]:
    """The compile's line and, for a recompile, why. A cause already explained at an earlier
    compile of the function (``explained``: cause -> that compile's id, filled in here) gets
    one line, so a function that recompiles 200 times for one reason reads as one
    explanation and a list, not 200 copies of it."""
    line = Text("  ")
    line.append(f"{c.compile_id:<6}", style="bold")
    if c.status == "recompile_limit":
        label, style = "refused: recompile limit", "bold red"
    elif c.status != "ok":
        label, style = c.status, "red"
    elif c.is_recompile:
        label, style = "recompile", "yellow"
    else:
        label, style = "compile", "green"
    line.append(f" {label:<10}", style=style)
    detail = [_plural(c.graphs, "graph")]
    if c.graph_op_count is not None:
        detail.append(_plural(c.graph_op_count, "op"))
    if c.guard_count is not None:
        detail.append(_plural(c.guard_count, "guard"))
    line.append(" " + ", ".join(detail), style="dim")
    if c.resume_line:
        line.append(f"  (resumes after the graph break at line {c.resume_line})", style="dim")
    rows: list[RenderableType] = [line]
    if c.status in ("failed",) and c.fail_reason:
        rows.append(_pad(Text(_short(c.fail_reason.strip().splitlines()[0]), style="red"), 6))
    if opts.shows("recompiles") and c.guard_failures:
        first = c.guard_failures[0]
        older = sum(1 for f in c.guard_failures[1:] if f.source == first.source)
        shown = [(first, older)] + [(f, 0) for f in c.guard_failures[1:] if f.source != first.source]
        any_new = False
        repeated: dict[tuple[Any, ...], list[tuple[GuardFailure, int]]] = {}
        for failure, older_entries in shown:
            key = (failure.category, failure.source or failure.reason, failure.location)
            if key in explained and not opts.full:
                repeated.setdefault(key, []).append((failure, older_entries))
            else:
                explained.setdefault(key, c.compile_id)
                rows.append(_failure_block(failure, older=older_entries, call_site=c.call_site))
                any_new = True
        for key, same in repeated.items():
            older_total = len(same) - 1 + sum(n for _, n in same)
            rows.append(_repeated_failure_line(same[0][0], older_total, explained[key]))
        if any_new and c.status != "recompile_limit":
            rows.extend(_guard_diff_block(c))
    if opts.shows("shapes"):
        rows.extend(_shape_rows(c, constraints_shown))
    if opts.guards:
        rows.extend(_guard_rows(c))
    return rows


def _shape_rows(c: Compile, shown: set[str] | None = None) -> list[RenderableType]:
    """A compile's dynamic sizes and the constraints its graph holds for; a constraint
    already shown for an earlier compile of the function (``shown``) is not repeated."""
    rows: list[RenderableType] = []
    dynamic = [s for s in c.symbols if s.source]
    if dynamic:
        text = Text("dynamic: ", style="magenta")
        text.append(", ".join(f"{user_source(s.source)} (={s.value}, range {s.range})" for s in dynamic))
        rows.append(_pad(text, 6))
    seen = shown if shown is not None else set()
    for constraint in c.shape_constraints:
        if constraint in seen:
            continue
        seen.add(constraint)
        text = Text("valid while ", style="magenta")
        text.append(constraint, style="bold")
        origin = _constraint_origin(constraint, c)
        if origin:
            text.append("  from ")
            text.append_text(_where(origin, code=False))
            if origin.code:
                text.append(f": {origin.code}", style="dim")
        rows.append(_pad(text, 6))
    for g in c.shape_guards:
        if g.runtime_assert:
            text = Text("runtime check ", style="magenta")
            text.append(g.named or g.expr, style="bold")
            if g.location:
                text.append("  at ")
                text.append_text(_where(g.location, code=False))
            rows.append(_pad(text, 6))
    for spec in c.specializations:
        text = Text("specialised ", style="magenta")
        text.append(f"{user_source(spec.source)} = {spec.value}", style="bold")
        if spec.reason:
            text.append(f" ({spec.reason})", style="dim")
        if spec.location:
            text.append("  at ")
            text.append_text(_where(spec.location, code=False))
        rows.append(_pad(text, 6))
    return rows


_NAMES_IN = re.compile(r"[A-Za-z_][\w.()\[\]'\"]*")


def _constraint_origin(constraint: str, c: Compile) -> Location | None:
    """The line whose shape guard a constraint came from: the first shape guard over the
    same values (a constraint is a simplification of them)."""
    names = {n for n in _NAMES_IN.findall(constraint) if not n.isdigit() and n not in ("Min", "Max", "Eq", "Ne")}
    for g in c.shape_guards:
        if not g.runtime_assert and g.location and names and all(n in (g.named or g.expr) for n in names):
            return g.location
    return None


def _guard_rows(c: Compile) -> list[RenderableType]:
    rows: list[RenderableType] = [_pad(Text(f"guards ({len(c.guards)} checks):", style="dim"), 6)]
    for g in c.guards:
        line = Text()
        line.append(f"{g.kind}: ", style="bold")
        line.append(_short(g.check))
        if g.location:
            line.append("  ")
            line.append_text(_where(g.location, code=False))
        rows.append(_pad(line, 8))
    return rows


def _wrapper_note(f: Function) -> RenderableType | None:
    wrapped = next((c.wrapped_class for c in f.compiles if c.wrapped_class), None)
    if wrapped and f.display_name.startswith(f"{wrapped}."):
        wrapped = None  # already in its name
    sites = list(dict.fromkeys(c.call_site for c in f.compiles if c.call_site))
    if not wrapped and not sites:
        return None
    text = Text()
    if wrapped:
        text.append(f"wraps a call on a {wrapped} (its first argument)", style="dim")
    if sites:
        text.append("; " if wrapped else "", style="dim")
        text.append("called from ", style="dim")
        for i, site in enumerate(sites[:3]):
            if i:
                text.append(", ", style="dim")
            text.append_text(_where(site, code=False))
        if len(sites) > 3:
            text.append(f" and {len(sites) - 3} more places", style="dim")
    return _pad(text, 2)


def _decorator_note(f: Function) -> str:
    """`` (its decorator wrapper)`` when the frame Dynamo compiled is a decorator's wrapper
    of the method the function is named after."""
    method = f.display_name.rsplit(".", 1)[-1]
    if method == f.name:
        return ""
    if f.name == "inner" and f.file.endswith("torch/_dynamo/external_utils.py"):
        return " (torch.compile's wrapper around the module)"
    return f" (its decorator {f.name})"


def _function_block(f: Function, opts: Options) -> Group:
    title = Text()
    title.append(f.display_name, style="bold magenta")
    title.append(f"  {f.file}:{f.first_line}{_decorator_note(f)}", style="cyan")
    title.append(
        f"  {_plural(len(f.compiles), 'compile')}, {_plural(f.recompiles, 'recompile')}, "
        f"{_plural(f.graph_breaks, 'graph break')}",
        style="dim",
    )
    rows: list[RenderableType] = [title]
    note = _wrapper_note(f)
    if note is not None:
        rows.append(note)
    explained: dict[tuple[Any, ...], str] = {}
    shown: set[str] = set()
    for c in f.compiles:
        rows.extend(_compile_rows(c, opts, explained, shown))
    if f.recompile_limit_hits:
        rows.append(_limit_panel(f))
    if not opts.guards and opts.shows("guards"):
        kinds = Counter(g.kind for c in f.compiles for g in c.guards)
        if kinds:
            text = Text("guard checks by kind: ", style="dim")
            text.append(", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))), style="dim")
            text.append("  (--guards lists them)", style="dim")
            rows.append(_pad(text, 2))
    return Group(*rows)


def _limit_panel(f: Function) -> Panel:
    # The limit counts the entries of one code object: a resume function has its own.
    frames = {c.frame_id for c in f.compiles if c.status == "recompile_limit"}
    compiled = [c for c in f.compiles if c.status != "recompile_limit" and c.frame_id in frames]
    reasons = Counter(
        CATEGORY_LABELS.get(c.guard_failures[0].category, "other") + (f": {c.guard_failures[0].source}" if c.guard_failures[0].source else "")
        for c in f.compiles
        if c.guard_failures
    )
    text = Text()
    text.append(f"{f.display_name} hit the recompile limit after {_plural(len(compiled), 'compile')}.\n", style="bold red")
    if f.limit_raised:
        text.append(
            "Torch raised FailOnRecompileLimitHit from the call instead of running it eagerly "
            "(fail_on_recompile_limit_hit or fullgraph=True is set).\n",
            style="bold red",
        )
    else:
        text.append(
            "From then on, a call that none of its compiled graphs fits runs eagerly, uncompiled "
            "(torch logs a warning the first time).\n",
            style="bold red",
        )
    text.append("What drove it there: ")
    text.append("; ".join(f"{reason} (×{n})" for reason, n in reasons.most_common()))
    shared = any(fl.category == "shared_code" for c in f.compiles for fl in c.guard_failures)
    if shared:
        text.append(
            "\nOne code object serves several classes here: compile the methods it wraps, or raise "
            "torch._dynamo.config.recompile_limit to at least their number; either is a real fix."
        )
    else:
        text.append(
            "\nFix the cause above so one graph serves every call; raising "
            "torch._dynamo.config.recompile_limit only delays the fallback."
        )
    return Panel(text, title="recompile limit", title_align="left", border_style="red")


def _break_block(f: Finding) -> RenderableType:
    gb = f.graph_break
    assert gb is not None
    text = Text()
    if gb.gb_id:
        text.append(f"{gb.gb_id} ", style="bold yellow")
    text.append(gb.gb_type, style="bold")
    text.append(f"  hit {_plural(f.count, 'time')}, split {_plural(len({c.compile_id for c in f.compiles}), 'compile')}", style="yellow")
    if gb.caused_by_earlier_break:
        text.append("  (caused by an earlier graph break)", style="dim")
    rows: list[RenderableType] = [_pad(text, 2)]
    if gb.location:
        at = Text("at ")
        at.append_text(_where(gb.location))
        rows.append(_pad(at, 4))
        yours = _user_frame(f)
        if yours is not None and is_library_file(gb.location.file):
            reached = Text("reached from your code at ", style="dim")
            reached.append_text(_where(yours))
            rows.append(_pad(reached, 4))
    owners = list(dict.fromkeys(o.display_name for o in f.owners))
    if len(owners) > 1:
        rows.append(_pad(Text(f"breaks the compiled code of {', '.join(owners)}", style="dim"), 4))
    for function in f.skipped:
        rows.append(
            _pad(
                Text(
                    f"torch could not resume {function.display_name} after this break: the call that met it ran "
                    "eagerly from there, uncompiled.",
                    style="red",
                ),
                4,
            )
        )
    context = torch_context(gb)
    if context:
        rows.append(_pad(Text(context, style="green"), 4))
    elif inside_torch(f):
        rows.append(_pad(Text("This break is in torch's own code, not yours: nothing to change in your code for it.", style="dim"), 4))
    if gb.explanation:
        rows.append(_pad(Text(_short(_without_graph_code(gb.explanation), 400)), 4))
    for hint in gb.hints:
        rows.append(_pad(Text(f"hint: {hint}", style="green"), 4))
    if gb.doc_url:
        rows.append(_pad(Text(gb.doc_url, style="dim"), 4))
    return Group(*rows)


def _user_frame(f: Finding) -> Location | None:
    """The innermost frame of the user's own code in the stacks of a graph break's hits."""
    for c in f.compiles:
        for gb in c.graph_breaks:
            if gb.location == f.location:
                own = [loc for loc in gb.user_stack if not is_library_file(loc.file)]
                if own:
                    return own[-1]
    return next((c.call_site for c in f.compiles if c.call_site), None)


def _selected(report: Report, opts: Options) -> list[Function]:
    if opts.function is None:
        return list(report.functions)
    needle = opts.function
    return [f for f in report.functions if needle in (f.name, f.display_name) or needle in f.display_name]


def render_terminal(report: Report, file: TextIO | None = None, *, options: Options | None = None) -> None:
    """Print the report of one process's run for a person."""
    opts = options or Options()
    with trimmed(file, width=opts.width, color=opts.color) as out:
        _render(out.console, report, opts)


def _render(console: Console, report: Report, opts: Options) -> None:
    console.print(_headline(report, opts.timing))
    for note in report.notes:
        console.print(Panel(Text(note), title="note", title_align="left", border_style="yellow"))
    if report.problems.any:
        p = report.problems
        console.print(
            Text(
                f"trace log: {_plural(p.malformed_lines, 'malformed line')}, {_plural(p.bad_payloads, 'bad payload')}, "
                f"{_plural(sum(n for _, n in p.unknown_kinds), 'event')} of unknown kinds (skipped)",
                style="yellow",
            )
        )
    functions = _selected(report, opts)
    if opts.function is not None and not functions:
        console.print(Text(f"No compiled function matches {opts.function!r}.", style="yellow"))
        return
    if not opts.only and opts.function is None:
        findings = fix_first(report)
        if findings:
            console.print(_fix_first(report, findings, opts.timing))
    if opts.shows("recompiles") or opts.shows("shapes") or opts.shows("guards"):
        for f in functions:
            console.print(Rule(style="dim"))
            console.print(_function_block(f, opts))
    if opts.shows("breaks"):
        _print_breaks(console, report, functions)
    if report.trials is not None and not opts.only and opts.function is None:
        from dynotrace.renderers.terminal_trials import trials_panel

        console.print(trials_panel(report.trials, opts))


def _print_breaks(console: Console, report: Report, functions: Iterable[Function]) -> None:
    keys = {f.key for f in functions}
    findings = [f for f in graph_break_findings(report) if any(o.key in keys for o in f.owners)]
    if not findings:
        return
    # Breaks Dynamo marks as caused by an earlier one come after the breaks that caused them.
    findings.sort(key=lambda f: bool(f.graph_break and f.graph_break.caused_by_earlier_break))
    console.print(Rule("graph breaks", style="dim"))
    for i, finding in enumerate(findings):
        if i:
            console.print()
        console.print(_break_block(finding))
