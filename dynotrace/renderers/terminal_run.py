"""The terminal report of one process's run: what a person reads after ``dynotrace explain``.

Built from rich ``Text`` objects, never from markup strings, so user text (file names,
source lines, torch's messages) can never be misread as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from dynotrace.analysis.findings import Finding, fix_first, graph_break_findings
from dynotrace.analysis.reasons import user_source
from dynotrace.model import Compile, Function, GuardFailure, Location, Report, RunInfo, is_library_file
from dynotrace.renderers import words
from dynotrace.renderers.base import Options
from dynotrace.renderers.console import trimmed

def _pad(renderable: RenderableType, indent: int) -> Padding:
    """Indent a block so that its wrapped lines keep the indent."""
    return Padding(renderable, (0, 0, 0, indent), expand=False)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return words.plural(n, word, plural)


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
    styles = {
        "graph_breaks": "yellow" if s.graph_breaks else "",
        "recompiles": "yellow" if s.recompiles else "",
        "recompile_limit_hits": "bold red" if s.recompile_limit_hits else "",
    }
    for i, (name, value, label) in enumerate(words.headline_counts(s)):
        if i:
            counts.append(" · ", style="dim")
        counts.append(str(value), style=styles.get(name) or "bold")
        counts.append(" " + label)
    compile_s = report.timing.get("compile_s") if timing else None
    if compile_s is not None:
        counts.append(" · ", style="dim")
        counts.append(f"{compile_s:.2f}s", style="bold")
        counts.append(" compiling")
    limited = words.limit_headline(report.functions)
    if limited:
        counts.append("\n")
        counts.append(limited, style="bold red")
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
            lines.append(f"  {words.finding_count(f)}", style="dim")
        elif f.kind == "recompile_limit":
            lines.append(f.title, style=style)
        else:
            lines.append("recompile ", style=style)
            lines.append(f.title)
            values = words.recompile_values(f)
            if values:
                lines.append(f" ({values})")  # one change, the same in every recompile
            lines.append(f"  {words.finding_count(f)}", style="dim")
        seconds = f.compile_seconds(report.timing) if timing else 0
        if seconds:
            lines.append(f", {seconds:.2f}s", style="dim")
        if f.location:
            lines.append("\n   at your call " if words.at_your_call(f) else "\n   at ")
            lines.append_text(_where(f.location, code=False))
        else:
            lines.append(f"\n   {words.NO_LOCATION}", style="dim")
    return Panel(lines, title="Fix first", title_align="left", border_style="yellow")


def _failure_headline(failure: GuardFailure) -> Text:
    text = Text()
    text.append(words.failure_label(failure), style="bold yellow")
    text.append(": ")
    if failure.source:
        text.append(failure.source, style="bold")
        change = words.failure_change(failure)
        if change:
            text.append(f"  {change}")
    else:
        text.append(failure.reason)
    return text


def _repeated_failure_line(failure: GuardFailure, older: int, explained_at: str) -> RenderableType:
    text = _failure_headline(failure)
    text.append("  " + words.repeated_note(failure, older, explained_at), style="dim")
    return _pad(text, 6)


def _failure_block(failure: GuardFailure, *, older: int, call_site: Location | None = None) -> RenderableType:
    text = _failure_headline(failure)
    detail = Text(words.failure_detail(failure, older), style="dim")
    rows: list[RenderableType] = [_pad(text, 6), _pad(detail, 8)]
    if words.made_inside_library(failure, call_site):
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


_DIFF_STYLES = {"-": "red", "+": "green", "state": "yellow", "note": "dim"}


def _guard_diff_block(c: Compile) -> list[RenderableType]:
    """The guards that differ between the failed compile and this one (``words.guard_diff_lines``)."""
    lines = words.guard_diff_lines(c)
    if not lines:
        return []
    rows: list[RenderableType] = [_pad(Text("guards vs the failed compile:", style="dim"), 6)]
    for sign, text in lines:
        shown = f"{sign} {text}" if sign in ("-", "+") else text
        rows.append(_pad(Text(shown, style=_DIFF_STYLES[sign]), 8))
    return rows


def _compile_rows(
    c: Compile, opts: Options, explained: dict[tuple[Any, ...], str], constraints_shown: set[str] | None = None
) -> list[RenderableType]:
    """The compile's line and, for a recompile, why. A cause already explained at an earlier
    compile of the function (``explained``: cause -> that compile's id, filled in here) gets
    one line, so a function that recompiles 200 times for one reason reads as one
    explanation and a list, not 200 copies of it."""
    line = Text("  ")
    line.append(f"{c.compile_id:<6}", style="bold")
    label, sort = words.compile_status(c)
    style = {"limit": "bold red", "failed": "red", "recompile": "yellow", "compile": "green"}[sort]
    line.append(f" {label:<10}", style=style)
    line.append(" " + words.compile_detail(c), style="dim")
    resume = words.resume_note(c)
    if resume:
        line.append(f"  {resume}", style="dim")
    rows: list[RenderableType] = [line]
    failed = words.fail_line(c)
    if failed:
        rows.append(_pad(Text(failed, style="red"), 6))
    if opts.timing:
        spent = words.compile_time_line(c)
        if spent:
            rows.append(_pad(Text(spent, style="dim"), 6))
    if opts.shows("recompiles") and c.guard_failures:
        any_new = False
        repeated: dict[tuple[Any, ...], list[tuple[GuardFailure, int]]] = {}
        for failure, older_entries in words.shown_failures(c):
            key = words.cause_key(failure)
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
    dynamic = words.dynamic_text(c)
    if dynamic:
        text = Text("dynamic: ", style="magenta")
        text.append(dynamic)
        rows.append(_pad(text, 6))
    seen = shown if shown is not None else set()
    for constraint in c.shape_constraints:
        if constraint in seen:
            continue
        seen.add(constraint)
        text = Text("valid while ", style="magenta")
        text.append(constraint, style="bold")
        origin = words.constraint_origin(constraint, c)
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


def _guard_rows(c: Compile) -> list[RenderableType]:
    rows: list[RenderableType] = [_pad(Text(f"guards ({len(c.guards)} checks):", style="dim"), 6)]
    for g in c.guards:
        line = Text()
        line.append(f"{g.kind}: ", style="bold")
        line.append(words.short(g.check))
        if g.location:
            line.append("  ")
            line.append_text(_where(g.location, code=False))
        rows.append(_pad(line, 8))
    return rows


def _wrapper_note(f: Function) -> RenderableType | None:
    wrapped = words.wrapped_class(f)
    sites = words.call_sites(f)
    if not wrapped and not sites:
        return None
    text = Text()
    if wrapped:
        text.append(words.wraps_note(wrapped), style="dim")
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


def _function_block(f: Function, opts: Options) -> Group:
    title = Text()
    title.append(f.display_name, style="bold magenta")
    title.append(f"  {f.file}:{f.first_line}{words.decorator_note(f)}", style="cyan")
    title.append(f"  {words.function_counts(f)}", style="dim")
    rows: list[RenderableType] = [title]
    note = _wrapper_note(f)
    if note is not None:
        rows.append(note)
    explained: dict[tuple[Any, ...], str] = {}
    shown: set[str] = set()
    for c in f.compiles:
        rows.extend(_compile_rows(c, opts, explained, shown))
    if opts.timing:
        spent = words.function_time_line(f)
        if spent:
            rows.append(_pad(Text(spent, style="dim"), 2))
    if f.recompile_limit_hits:
        rows.append(_limit_panel(f))
    if not opts.guards and opts.shows("guards"):
        kinds = words.guard_kinds(f.compiles)
        if kinds:
            text = Text("guard checks by kind: ", style="dim")
            text.append(kinds, style="dim")
            text.append("  (--guards lists them)", style="dim")
            rows.append(_pad(text, 2))
    return Group(*rows)


def _limit_panel(f: Function) -> Panel:
    what, consequence, drove, advice = words.limit_text(f)
    text = Text()
    text.append(what + "\n", style="bold red")
    text.append(consequence + "\n", style="bold red")
    text.append("What drove it there: ")
    text.append(drove)
    text.append("\n" + advice)
    return Panel(text, title="recompile limit", title_align="left", border_style="red")


def _break_block(f: Finding) -> RenderableType:
    gb = f.graph_break
    assert gb is not None
    text = Text()
    if gb.gb_id:
        text.append(f"{gb.gb_id} ", style="bold yellow")
    text.append(gb.gb_type, style="bold")
    text.append(f"  {words.break_counts(f)}", style="yellow")
    if gb.caused_by_earlier_break:
        text.append("  (caused by an earlier graph break)", style="dim")
    rows: list[RenderableType] = [_pad(text, 2)]
    if gb.location:
        at = Text("at ")
        at.append_text(_where(gb.location))
        rows.append(_pad(at, 4))
        yours = words.user_frame(f)
        if yours is not None and is_library_file(gb.location.file):
            reached = Text("reached from your code at ", style="dim")
            reached.append_text(_where(yours))
            rows.append(_pad(reached, 4))
    owners = words.break_owners(f)
    if len(owners) > 1:
        rows.append(_pad(Text(f"breaks the compiled code of {', '.join(owners)}", style="dim"), 4))
    for sentence in words.not_resumed(f):
        rows.append(_pad(Text(sentence, style="red"), 4))
    context = words.break_context(f, gb)
    if context:
        rows.append(_pad(Text(context[0], style="green" if context[1] else "dim"), 4))
    if gb.explanation:
        rows.append(_pad(Text(words.break_explanation(gb)), 4))
    for hint in gb.hints:
        rows.append(_pad(Text(f"hint: {hint}", style="green"), 4))
    if gb.doc_url:
        rows.append(_pad(Text(gb.doc_url, style="dim"), 4))
    return Group(*rows)


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
