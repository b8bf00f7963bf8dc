"""The terminal form of a diff (``dynotrace diff``) and of a check's outcome (``dynotrace
check``), for one process's runs and for distributed jobs.

Two runs of one process show their one diff. For two jobs, ranks whose diffs are the same
are shown once (``ranks 0, 2, 3: no difference``), each with the same layout, then the
divergence that appeared or went away; then the verdict. Built from rich ``Text`` objects,
never markup strings, so user text (file names, source lines, torch's messages) cannot be
misread as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from dynotrace.compare.diff import FunctionDiff, ReportDiff
from dynotrace.compare.gate import CheckOutcome
from dynotrace.compare.jobs import JobDiff
from dynotrace.compare.policy import DIVERGENCE, Regression
from dynotrace.model import Compile, GraphBreak, Location, RunInfo, format_ranks
from dynotrace.renderers import words
from dynotrace.renderers.base import Options
from dynotrace.renderers.console import make_console
from dynotrace.renderers.labels import budget_rows, changed_counts, count_changes, ranks_line, unchanged_counts
from dynotrace.renderers.labels import verdict_policy

if TYPE_CHECKING:
    # Imported where a table is made: a diff with no difference shows none, and rich.table
    # takes milliseconds to import.
    from rich.table import Table

#: Guard or shape changes shown per function in the terminal; the YAML/JSON has them all.
SHOWN_PER_FUNCTION = 12

_TREND_STYLES = {"worse": "red", "better": "green", "": "bold"}

#: Parts of the output printed by one ``console.print``. Each call costs rich a fixed amount
#: of work (it asks the system for the terminal's size and whether it is one, and flushes the
#: file): a diff of 50 changed functions took 105 calls. In batches, that cost is paid a few
#: times, and a long diff is still written as it is laid out.
_BATCH = 32


def render_diff(diff: JobDiff, file: TextIO | None = None, *, options: Options | None = None) -> None:
    """Print the diff for a person, ending with the regressions (or that there are none)."""
    opts = options or Options()
    _print(make_console(file, width=opts.width, color=opts.color), _diff_parts(diff, opts.labels))


def _diff_parts(diff: JobDiff, labels: tuple[str, str]) -> Iterator[RenderableType]:
    if diff.distributed:
        yield from _job_diff_body(diff, labels)
    else:
        yield from _diff_body(diff.report_diff, labels)
    yield _verdict(diff.regressions, diff.fail_on)


def render_check(outcome: CheckOutcome, file: TextIO | None = None, *, options: Options | None = None) -> None:
    """Print what ``dynotrace check`` compared, the budgets and the verdict."""
    opts = options or Options()
    _print(make_console(file, width=opts.width, color=opts.color), _check_parts(outcome))


def _check_parts(outcome: CheckOutcome) -> Iterator[RenderableType]:
    distributed = outcome.job.distributed
    yield Rule("dynotrace check", style="dim")
    if distributed:
        yield Text(f"A distributed job: {ranks_line(outcome)}", style="bold")
    if outcome.diff is not None:
        yield Text(f"Compared with the baseline {outcome.baseline}", style="bold")
        if distributed:
            yield from _job_diff_body(outcome.diff, ("baseline", "this run"), header=False)
        else:
            yield from _diff_body(outcome.diff.report_diff, ("baseline", "this run"), header=False)
    elif outcome.baseline_written:
        yield Text("No baseline compared: the baseline was rewritten from this run.", style="dim")
    if outcome.budgets.any:
        yield _budget_table(outcome)
    if outcome.baseline_written:
        yield Text(f"Baseline written: {outcome.baseline}", style="bold green")
    divergences = outcome.job.summary.divergences
    if distributed and divergences and DIVERGENCE not in outcome.fail_on:
        yield Text(
            f"{divergences} divergence(s) between ranks, not failed on "
            f"(fail on: {', '.join(outcome.fail_on) or 'nothing'}).",
            style="yellow",
        )
    yield _verdict(outcome.regressions, verdict_policy(outcome))


def _print(console: Console, parts: Iterable[RenderableType]) -> None:
    """Print ``parts``: the same output as ``console.print`` of each in turn."""
    # Without a colour system rich writes no style, and an ASCII text is laid out the same
    # with or without its styles: the text alone is the same output, for far less work (rich
    # divides and renders every span of every line it wraps). Not beyond ASCII: rich measures
    # some characters by their neighbours (a zero-width joiner, an emoji's variation
    # selector), and cut into styled pieces they measure differently. Not on a legacy Windows
    # console either, where rich applies styles through the console's API, not in the text.
    plain = console.color_system is None and not console.legacy_windows
    batch: list[RenderableType] = []
    for part in parts:
        if plain and isinstance(part, Text) and part.plain.isascii():
            part.spans = []
            part.style = ""
        elif isinstance(part, Text):
            # As console.print makes it of a text printed on its own (its style becomes a
            # span): rich 13.0 lays a text's own style out otherwise around a tab.
            part = Text().join([part])
        batch.append(part)
        if len(batch) == _BATCH:
            console.print(Group(*batch))
            batch.clear()
    if batch:
        console.print(Group(*batch))


def _budget_table(outcome: CheckOutcome) -> Table:
    from rich.table import Table

    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold", title_justify="left")
    distributed = outcome.job.distributed
    table.add_column("budget (per rank)" if distributed else "budget")
    table.add_column("worst rank" if distributed else "found", justify="right")
    table.add_column("allowed", justify="right")
    table.add_column("")
    for words, found, limit, ok in budget_rows(outcome):
        table.add_row(words, found, str(limit), Text("ok" if ok else "over", style="green" if ok else "bold red"))
    return table


def _job_diff_body(diff: JobDiff, labels: tuple[str, str], header: bool = True) -> Iterator[RenderableType]:
    """The body of a diff of jobs: run lines, notes, each group of ranks, the divergence."""
    if header:
        yield Text(f"dynotrace diff of a distributed job ({len(diff.ranks)} ranks)", style="bold")
    yield from _runs(diff.before, diff.after, diff.notes, labels)
    for ranks, first in diff.rank_groups():
        title = format_ranks(ranks)
        if first.diff is None:
            yield Text(f"{title}: only in {first.side}", style="bold yellow")
            continue
        if first.diff.empty:
            yield Text(f"{title}: no difference", style="green")
            continue
        yield Rule(Text(title, style="bold"), style="dim")
        yield _summary(first.diff)
        for f in first.diff.functions:
            yield _function_block(f)
        if first.diff.unchanged_functions:
            yield Text(f"{first.diff.unchanged_functions} other function(s) unchanged.", style="dim")
    for sign, style, what, items in (
        ("+", "red", "new divergence", diff.divergence_added),
        ("-", "green", "divergence gone", diff.divergence_removed),
    ):
        for d in items:
            line = Text(f"{sign} {what} ", style=style)
            line.append(f"({d.kind}) ", style="bold")
            line.append(d.summary)
            yield line
    if not diff.divergence_added and diff.divergence_after:
        yield Text(f"{len(diff.divergence_after)} divergence(s) in after, as in before.", style="dim")


def _runs(before: RunInfo, after: RunInfo, notes: tuple[str, ...], labels: tuple[str, str]) -> Iterator[Text]:
    pad = max(len(label) for label in labels)
    for label, run in zip(labels, (before, after), strict=True):
        line = Text(f"  {label:<{pad}}", style="bold")
        line.append(f" {run.command}", style="cyan")
        if run.torch_version:
            line.append(f"  torch {run.torch_version}", style="dim")
        yield line
    for note in notes:
        yield Text(f"note: {note}", style="yellow")


def _diff_body(diff: ReportDiff, labels: tuple[str, str], header: bool = True) -> Iterator[RenderableType]:
    if header:
        yield Text("dynotrace diff", style="bold")
    yield from _runs(diff.before, diff.after, diff.notes, labels)
    if diff.empty:
        yield Text(
            f"No difference in what torch.compile did ({diff.unchanged_functions} "
            f"function{'s' if diff.unchanged_functions != 1 else ''} compared).",
            style="green",
        )
        return
    yield _summary(diff)
    for f in diff.functions:
        yield Rule(style="dim")
        yield _function_block(f)
    if diff.unchanged_functions:
        yield Text(f"{diff.unchanged_functions} other function(s) unchanged.", style="dim")


def _summary_table(diff: ReportDiff) -> Table:
    from rich.table import Table

    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_column("change", justify="right")
    for d, label, trend in changed_counts(diff.summary):
        change = Text(f"{d.change:+d}", style=_TREND_STYLES[trend])
        table.add_row(Text(label, style="bold"), str(d.before), str(d.after), change)
    return table


def _summary(diff: ReportDiff) -> Group:
    """The counts that changed, in a table; the unchanged ones in one dim line."""
    parts: list[Table | Text] = []
    if any(d.change for d in diff.summary):
        parts.append(_summary_table(diff))
    same = unchanged_counts(diff.summary)
    if same:
        parts.append(Text("  unchanged: " + ", ".join(same), style="dim"))
    return Group(*parts)


def _where(loc: Location | None) -> str:
    if loc is None:
        return ""
    return f"{loc}" + (f" in {loc.function}" if loc.function else "")


def _break_lines(text: Text, mark: str, style: str, label: str, gb: GraphBreak) -> None:
    text.append(f"\n  {mark} {label:<20}", style=style)
    if gb.gb_id:
        text.append(f"{gb.gb_id} ", style="bold")
    text.append(gb.gb_type)
    if gb.location:
        text.append(f"\n      at {_where(gb.location)}", style="cyan")
        if gb.location.code:
            text.append(f"\n        {gb.location.code}")


def _compile_line(text: Text, mark: str, style: str, c: Compile, f: FunctionDiff) -> None:
    label, detail = words.diff_compile(c, f)
    text.append(f"\n  {mark} {label:<20}", style=style)
    text.append(f"{c.compile_id} ", style="bold")
    text.append(detail)


def _function_block(f: FunctionDiff) -> Text:
    text = Text()
    text.append(f.name, style="bold magenta")
    line = f.first_line_after if f.first_line_after is not None else f.first_line_before
    text.append(f"  {f.file}:{line}", style="cyan")
    status = words.function_diff_status(f)
    if status:
        text.append(f"  {status}", style="bold" if f.status in ("added", "removed") else "dim")
    changes = count_changes(f.counts)
    if changes:
        text.append(f"  {changes}", style="dim")
    for gb in f.breaks_added:
        _break_lines(text, "+", "red", "graph break", gb)
    for gb in f.breaks_removed:
        _break_lines(text, "-", "green", "graph break gone", gb)
    for m in f.breaks_moved:
        text.append("\n  ~ graph break moved   ", style="dim")
        text.append(f"{m.after.gb_id or m.after.gb_type}", style="dim")
        before_line = m.before.location.line if m.before.location else "?"
        after_line = m.after.location.line if m.after.location else "?"
        text.append(f"  line {before_line} -> {after_line}" + (f" (x{m.count})" if m.count > 1 else ""), style="dim")
    for c in f.compiles_added:
        _compile_line(text, "+", "red" if c.is_recompile or c.status != "ok" else "yellow", c, f)
    for c in f.compiles_removed:
        _compile_line(text, "-", "green", c, f)
    for item in f.guard_changes[:SHOWN_PER_FUNCTION]:
        ids, guard, was = words.guard_change(item)
        if was is not None:
            text.append("\n  ~ guard changed       ", style="yellow")
            text.append(f"{guard.kind} {guard.source or ''}".rstrip(), style="bold")
            text.append(f"  ({ids})", style="dim")
            text.append(f"\n      was: {was.check}", style="dim")
            text.append(f"\n      now: {guard.check}")
        else:
            mark, style = ("+", "yellow") if item.change == "added" else ("-", "green")
            text.append(f"\n  {mark} guard {item.change:<14}", style=style)
            text.append(f"{guard.kind} ", style="bold")
            text.append(guard.check)
            text.append(f"  ({ids})", style="dim")
    hidden = len(f.guard_changes) - SHOWN_PER_FUNCTION
    if hidden > 0:
        text.append(f"\n    ... and {hidden} more guard changes (--format yaml lists them all)", style="dim")
    if f.torch_guard_changes:
        text.append(
            f"\n    {f.torch_guard_changes} change{'s' if f.torch_guard_changes != 1 else ''} of torch's own guards "
            "(on torch's modules and bookkeeping), made by the other torch release",
            style="dim",
        )
    for s in f.shape_changes[:SHOWN_PER_FUNCTION]:
        mark, style = ("+", "yellow") if s.change == "added" else ("-", "green")
        text.append(f"\n  {mark} {s.what + (' gone' if s.change == 'removed' else ''):<20}", style=style)
        text.append(s.text, style="bold")
        if s.location:
            text.append(f"  at {s.location}", style="cyan")
    hidden = len(f.shape_changes) - SHOWN_PER_FUNCTION
    if hidden > 0:
        text.append(f"\n    ... and {hidden} more shape changes (--format yaml lists them all)", style="dim")
    return text


def _verdict(regressions: tuple[Regression, ...], fail_on: tuple[str, ...]) -> Text:
    text = Text()
    policy = f"fail on: {', '.join(fail_on) or 'nothing'}" if fail_on else ""
    if not regressions:
        text.append("No regression.", style="bold green")
        if policy:
            text.append(f"  ({policy})", style="dim")
        return text
    text.append(f"{len(regressions)} regression{'s' if len(regressions) != 1 else ''}", style="bold red")
    if policy:
        text.append(f"  ({policy})", style="dim")
    for r in regressions:
        text.append("\n  x ", style="bold red")
        text.append(r.message)
        if r.location is not None and r.location.line:
            text.append(f"\n      at {r.location}", style="cyan")
    return text
