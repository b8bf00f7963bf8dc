"""The terminal report of a job: what a person reads after ``dynotrace explain``.

A job that is not distributed (one process's run) is its one report (``terminal_run``).
For a distributed job (``torchrun ... dynotrace explain`` or ``dynotrace explain --trace
DIR``):

printed once for the job. The divergence comes first when there is one, with a compact
view of each function's compiles per group of ranks; then the report of one rank per
group of ranks that compiled the same way (the single-rank report, unchanged), so a job
whose ranks all compiled alike reads like one run. Built from rich ``Text``, never from
markup strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TextIO

from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dynotrace.model import CountRange, Divergence, JobReport, Report, format_ranks
from dynotrace.renderers import words
from dynotrace.renderers.base import Options
from dynotrace.renderers.labels import DIVERGENCE_LABELS
from dynotrace.renderers.console import trimmed
from dynotrace.renderers.terminal_run import render_terminal, run_title

#: Groups of ranks whose report is printed in full; the others are named (``--rank N``
#: shows any one).
MAX_GROUPS_SHOWN = 4
#: Columns (groups of ranks) and rows (functions) of the compiles-per-rank view.
MAX_COLUMNS = 8
MAX_ROWS = 20

_HEADLINE_COUNTS = words.HEADLINE_COUNTS
_KIND_LABELS = DIVERGENCE_LABELS


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _range_text(name: str, word: str, counts: CountRange) -> Text:
    text = Text()
    style = "bold"
    if name in ("graph_breaks", "recompiles") and counts.max:
        style = "yellow"
    if name == "recompile_limit_hits" and counts.max:
        style = "bold red"
    value, label, extra = words.count_range(counts, word)
    text.append(value, style=style)
    text.append(" " + label)
    if extra:
        text.append(f" ({extra})", style="dim")
    return text


def _headline(job: JobReport, timing: bool) -> Text:
    head = run_title(job.run)
    s = job.summary
    line = Text("\n")
    launcher, count, read = words.ranks_scope(job)
    line.append(launcher)
    line.append(count, style="bold")
    line.append(read, style="dim")
    if s.missing_ranks:
        line.append(" · ", style="dim")
        line.append(f"{format_ranks(s.missing_ranks)} missing", style="bold red")
    state = words.groups_state(job)
    if state:
        line.append(" · ", style="dim")
        line.append(state, style="green" if s.rank_groups <= 1 else "bold yellow")
    if s.divergences:
        line.append(" · ", style="dim")
        line.append(_plural(s.divergences, "divergence"), style="bold yellow")
    counts = Text("\nper rank: ")
    for i, (name, word) in enumerate(_HEADLINE_COUNTS):
        if i:
            counts.append(" · ", style="dim")
        counts.append_text(_range_text(name, word, getattr(s, name)))
    if timing:
        seconds = {r: report.timing.get("compile_s") for r, report in job.ranks.items()}
        known = {r: v for r, v in seconds.items() if isinstance(v, float)}
        if known:
            high = max(known.values())
            slowest = [r for r, v in known.items() if v == high]
            counts.append(" · ", style="dim")
            counts.append(f"{min(known.values()):.2f}-{high:.2f}s", style="bold")
            counts.append(f" compiling ({format_ranks(slowest)}: {high:.2f}s)", style="dim")
    exits = Text()
    for sentence in words.exit_lines(job):
        exits.append(f"\n{sentence}", style="bold red")
    return head + line + counts + exits


def _divergence_panel(divergences: Iterable[Divergence]) -> Panel:
    """Each divergence: its kind, what differs, where, and (once per kind) why it matters;
    wrapped lines keep their indent."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    explained: set[str] = set()
    for i, d in enumerate(divergences):
        lines = Text()
        lines.append(_KIND_LABELS.get(d.kind, d.kind) + ": ", style="bold yellow")
        lines.append(d.summary)
        if d.location is not None and d.location.line:
            lines.append("\nat ")
            lines.append(str(d.location), style="cyan")
            if d.location.code:
                lines.append(f": {d.location.code}", style="dim")
        if d.kind not in explained:
            explained.add(d.kind)
            lines.append("\nwhy it matters: " + d.why, style="dim")
        grid.add_row(Text(f"{i + 1}.", style="bold"), lines)
    return Panel(grid, title="Divergence between ranks", title_align="left", border_style="yellow")


def _compiles_view(job: JobReport, function: str | None) -> Table | None:
    """Functions x groups of ranks: how many compiles each group made (``!N`` marks
    recompile-limit hits). Groups compiled alike, so every rank of a column has the
    same counts."""
    columns = list(job.groups[:MAX_COLUMNS])
    if len(columns) < 2:
        return None
    rows: dict[str, str] = {}
    for group in columns:
        for f in job.ranks[group[0]].functions:
            rows.setdefault(f.key, f.display_name)
    counts = {
        (key, group): _cell(job.ranks[group[0]], key) for key in rows for group in columns
    }
    keys = [k for k in rows if function is None or function in rows[k]]
    # Functions whose counts differ first, then the others, in first-compile order.
    keys.sort(key=lambda k: len({counts[(k, g)] for g in columns}) == 1)
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", title_justify="left")
    table.add_column("compiles per rank", no_wrap=False)
    for group in columns:
        table.add_column(format_ranks(group), justify="right")
    for key in keys[:MAX_ROWS]:
        cells = [counts[(key, g)] for g in columns]
        style = "yellow" if len(set(cells)) > 1 else ""
        table.add_row(Text(rows[key], style="bold magenta"), *(Text(c, style=style) for c in cells))
    if len(keys) > MAX_ROWS:
        table.add_row(Text(f"… {len(keys) - MAX_ROWS} more functions", style="dim"), *("" for _ in columns))
    if len(job.groups) > MAX_COLUMNS:
        table.caption = f"… and {len(job.groups) - MAX_COLUMNS} more groups of ranks"
    return table


def _cell(report: Report, key: str) -> str:
    return words.function_cell(report, key)


def render_job_terminal(job: JobReport, file: TextIO | None = None, *, options: Options | None = None) -> None:
    """Print the job's report for a person. ``options.rank`` shows that rank's report
    instead of one per group of ranks."""
    opts = options or Options()
    if not job.distributed:
        render_terminal(job.report, file, options=opts)
        return
    rank = opts.rank
    with trimmed(file, width=opts.width, color=opts.color) as out:
        console = out.console
        console.print(_headline(job, opts.timing))
        for m in job.missing:
            console.print(Text(f"{format_ranks([m.rank])} missing: {m.reason}", style="bold red"))
        divergences = [d for d in job.divergence if opts.function is None or d.function_name is None or opts.function in d.function_name]
        if divergences:
            console.print(_divergence_panel(divergences))
        view = _compiles_view(job, opts.function)
        if view is not None:
            console.print(view)
        for note in job.notes:
            console.print(Text(f"note: {note}", style="yellow"))
        if rank is not None:
            report = job.ranks.get(rank)
            if report is None:
                console.print(Text(f"No report of rank {rank} in this job ({format_ranks(job.ranks)} reported).", style="yellow"))
                return
            shown: tuple[tuple[tuple[int, ...], int], ...] = (((rank,), rank),)
        else:
            shown = tuple((group, group[0]) for group in job.groups[:MAX_GROUPS_SHOWN])
        for group, first in shown:
            title = words.group_title(group, first)
            console.print(Rule(Text(title, style="bold"), style="bold", characters="═"))
            out.flush()
            render_terminal(job.ranks[first], out.out, options=replace(opts, width=out.target.width))
        hidden = job.groups[MAX_GROUPS_SHOWN:] if rank is None else ()
        if hidden:
            console.print(Rule(style="dim"))
            console.print(
                Text(
                    f"{_plural(len(hidden), 'more group')} of ranks compiled differently: "
                    + "; ".join(format_ranks(g) for g in hidden)
                    + " (--rank N shows one; -o report.yaml holds them all)",
                    style="dim",
                )
            )
