"""The terminal report: what a person reads after ``dynotrace explain``.

Built from rich ``Text`` objects, never from markup strings, so user text (file names,
source lines, torch's messages) can never be misread as markup.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from dynotrace.model import Compile, Function, GraphBreak, Report

_STATUS_STYLE = {"ok": "green", "failed": "red", "recompile_limit": "bold red", "skipped": "yellow"}


def make_console(file: TextIO | None = None, *, width: int | None = None, color: bool | None = None) -> Console:
    """A console following rich's conventions: colour only on a terminal, ``NO_COLOR``
    honoured, plain text when piped; ``color`` forces it on or off."""
    return Console(
        file=file,
        width=width,
        no_color=None if color is None else not color,
        force_terminal=color if color else None,
        highlight=False,
        soft_wrap=False,
        emoji=False,
    )


def _headline(report: Report) -> Text:
    s = report.summary
    run = report.run
    head = Text()
    head.append("dynotrace", style="bold")
    head.append(f"  {run.command}", style="bold cyan")
    if run.torch_version:
        head.append(f"  torch {run.torch_version}", style="dim")
    if run.backend_override:
        head.append(f"  backend={run.backend_override}", style="dim")
    counts = Text("\n")
    items = [
        ("functions", s.functions, ""),
        ("compiles", s.compiles, ""),
        ("graphs", s.graphs, ""),
        ("graph breaks", s.graph_breaks, "yellow" if s.graph_breaks else ""),
        ("recompiles", s.recompiles, "yellow" if s.recompiles else ""),
        ("guards", s.guards, ""),
        ("recompile-limit hits", s.recompile_limit_hits, "bold red" if s.recompile_limit_hits else ""),
    ]
    for i, (label, value, style) in enumerate(items):
        if i:
            counts.append(" · ", style="dim")
        counts.append(str(value), style=style or "bold")
        counts.append(f" {label}")
    compile_s = report.timing.get("compile_s")
    if compile_s is not None:
        counts.append(" · ", style="dim")
        counts.append(f"{compile_s:.2f}s", style="bold")
        counts.append(" compiling")
    return head + counts


def _compile_line(c: Compile) -> Text:
    line = Text("  ")
    line.append(f"{c.compile_id:<6}", style="bold")
    label = "recompile" if c.is_recompile else c.status.replace("_", " ")
    if c.status == "ok" and not c.is_recompile:
        label = "compile"
    style = "yellow" if c.is_recompile else _STATUS_STYLE.get(c.status, "")
    line.append(f" {label:<16}", style=style)
    where = f"resumes at line {c.resume_line}" if c.resume_line else ""
    detail = [f"{c.graphs} graph{'s' if c.graphs != 1 else ''}"]
    if c.graph_op_count is not None:
        detail.append(f"{c.graph_op_count} ops")
    if c.guard_count is not None:
        detail.append(f"{c.guard_count} guards")
    line.append(", ".join(detail), style="dim")
    if where:
        line.append(f"  ({where})", style="dim")
    for failure in c.guard_failures[:3]:
        line.append("\n           because ")
        line.append(failure.source or failure.reason, style="bold")
        if failure.expected is not None or failure.actual is not None:
            line.append(f": expected {failure.expected or '?'}, got {failure.actual or '?'}")
        elif failure.source:
            line.append(f": {failure.reason}", style="dim")
        line.append(f"  (guard from {failure.failed_compile_id}")
        if failure.location:
            line.append(f", {failure.location}")
        line.append(")")
    if c.status in ("failed", "recompile_limit") and c.fail_reason:
        first = c.fail_reason.strip().splitlines()[0]
        line.append(f"\n           {first}", style="red")
    return line


def _function_block(f: Function) -> Group:
    title = Text()
    title.append(f.name, style="bold magenta")
    title.append(f"  {f.file}:{f.first_line}", style="cyan")
    title.append(
        f"  {len(f.compiles)} compile{'s' if len(f.compiles) != 1 else ''}, "
        f"{f.recompiles} recompile{'s' if f.recompiles != 1 else ''}, "
        f"{f.graph_breaks} graph break{'s' if f.graph_breaks != 1 else ''}",
        style="dim",
    )
    rows: list[Text | Panel] = [title]
    rows.extend(_compile_line(c) for c in f.compiles)
    if f.recompile_limit_hits:
        rows.append(
            Panel(
                Text(
                    f"{f.name} hit the recompile limit after {len(f.compiles) - f.recompile_limit_hits} "
                    "compiles: every later call of it runs in eager mode, uncompiled.",
                    style="bold red",
                ),
                border_style="red",
            )
        )
    return Group(*rows)


def _break_block(gb: GraphBreak, count: int) -> Text:
    text = Text("  ")
    if gb.gb_id:
        text.append(f"{gb.gb_id} ", style="bold yellow")
    text.append(gb.gb_type, style="bold")
    if count > 1:
        text.append(f"  ×{count}", style="yellow")
    if gb.location:
        text.append(f"\n    at {gb.location}", style="cyan")
        if gb.location.function:
            text.append(f" in {gb.location.function}", style="cyan")
        if gb.location.code:
            text.append(f"\n      {gb.location.code}")
    if gb.skip:
        text.append("\n    Dynamo could not resume here: the whole frame runs in eager mode.", style="red")
    if gb.explanation:
        text.append(f"\n    {gb.explanation.splitlines()[0]}", style="dim")
    for hint in gb.hints[:2]:
        text.append(f"\n    hint: {hint}", style="green")
    if gb.doc_url:
        text.append(f"\n    {gb.doc_url}", style="dim underline")
    return text


def render_terminal(
    report: Report, file: TextIO | None = None, *, width: int | None = None, color: bool | None = None
) -> None:
    """Print the report for a person."""
    console = make_console(file, width=width, color=color)
    console.print(_headline(report))
    for note in report.notes:
        console.print(Panel(Text(note), title="nothing compiled", border_style="yellow"))
    if report.problems.any:
        p = report.problems
        console.print(
            Text(
                f"trace log: {p.malformed_lines} malformed lines, {p.bad_payloads} bad payloads, "
                f"{sum(n for _, n in p.unknown_kinds)} events of unknown kinds (skipped)",
                style="yellow",
            )
        )
    for f in report.functions:
        console.print(Rule(style="dim"))
        console.print(_function_block(f))
    breaks: dict[tuple[str | None, str, str], tuple[GraphBreak, int]] = {}
    for c in report.compiles:
        for gb in c.graph_breaks:
            key = (gb.gb_id, gb.gb_type, str(gb.location))
            seen = breaks.get(key)
            breaks[key] = (seen[0] if seen else gb, (seen[1] if seen else 0) + 1)
    if breaks:
        console.print(Rule("graph breaks", style="dim"))
        for gb, count in breaks.values():
            console.print(Padding(_break_block(gb, count), (0, 0, 1, 0)))
