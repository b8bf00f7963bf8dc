"""Render a ``JobDiff`` (``dynotrace diff`` of multi-rank reports: terminal, markdown,
YAML or JSON) and a ``JobCheckOutcome`` (``dynotrace check`` of a job).

Ranks whose diffs are the same are shown once (``ranks 0, 2, 3: no difference``), each
with the single-rank diff's own layout; then the divergence that appeared or went away;
then the verdict.
"""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dynotrace.ranks.check import JobCheckOutcome
from dynotrace.ranks.diff import DIVERGENCE, JobDiff, job_diff_to_dict
from dynotrace.ranks.model import CountRange, Divergence, format_ranks
from dynotrace.reports.diff_markdown import _diff_body, _headline, _regression_list, code, escape
from dynotrace.reports.diff_render import _function_block, _summary, _verdict
from dynotrace.reports.terminal import make_console


def write_job_diff(
    diff: JobDiff,
    stream: TextIO,
    fmt: str,
    *,
    width: int | None = None,
    color: bool | None = None,
    labels: tuple[str, str] = ("before", "after"),
) -> None:
    """Write ``diff`` to ``stream`` as ``terminal``, ``markdown``, ``yaml`` or ``json``."""
    if fmt == "json":
        json.dump(job_diff_to_dict(diff), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    elif fmt == "yaml":
        import yaml

        yaml.dump(job_diff_to_dict(diff), stream, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)
    elif fmt == "markdown":
        stream.write(job_diff_markdown(diff, labels=labels))
    else:
        render_job_diff_terminal(diff, stream, width=width, color=color, labels=labels)


def render_job_diff_terminal(
    diff: JobDiff,
    file: TextIO | None = None,
    *,
    width: int | None = None,
    color: bool | None = None,
    labels: tuple[str, str] = ("before", "after"),
) -> None:
    console = make_console(file, width=width, color=color)
    print_job_diff(console, diff, labels)
    console.print(_verdict(diff.regressions, diff.fail_on))


def print_job_diff(console: Console, diff: JobDiff, labels: tuple[str, str], header: bool = True) -> None:
    """The body of the job diff: run lines, notes, each group of ranks, the divergence."""
    if header:
        console.print(Text(f"dynotrace diff of a distributed job ({len(diff.ranks)} ranks)", style="bold"))
    pad = max(len(label) for label in labels)
    for label, run in zip(labels, (diff.before, diff.after), strict=True):
        line = Text(f"  {label:<{pad}}", style="bold")
        line.append(f" {run.command}", style="cyan")
        if run.torch_version:
            line.append(f"  torch {run.torch_version}", style="dim")
        console.print(line)
    for note in diff.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    for ranks, first in diff.rank_groups():
        title = format_ranks(ranks)
        if first.diff is None:
            console.print(Text(f"{title}: only in {first.side}", style="bold yellow"))
            continue
        if first.diff.empty:
            console.print(Text(f"{title}: no difference", style="green"))
            continue
        console.print(Rule(Text(title, style="bold"), style="dim"))
        console.print(_summary(first.diff))
        for f in first.diff.functions:
            console.print(_function_block(f))
        if first.diff.unchanged_functions:
            console.print(Text(f"{first.diff.unchanged_functions} other function(s) unchanged.", style="dim"))
    for sign, style, what, items in (
        ("+", "red", "new divergence", diff.divergence_added),
        ("-", "green", "divergence gone", diff.divergence_removed),
    ):
        for d in items:
            line = Text(f"{sign} {what} ", style=style)
            line.append(f"({d.kind}) ", style="bold")
            line.append(d.summary)
            console.print(line)
    if not diff.divergence_added and diff.divergence_after:
        console.print(Text(f"{len(diff.divergence_after)} divergence(s) in after, as in before.", style="dim"))


def _divergence_lines(sign: str, items: tuple[Divergence, ...]) -> list[str]:
    return [f"- {sign} **{escape(d.kind)}**: {escape(d.summary)}" for d in items]


def job_diff_markdown(diff: JobDiff, *, labels: tuple[str, str] = ("before", "after")) -> str:
    """The job diff as a markdown section, regressions first."""
    out = [_headline(diff.regressions, "dynotrace diff (distributed job)")]
    if diff.regressions:
        out += _regression_list(diff.regressions) + [""]
    out += job_diff_markdown_body(diff, labels)
    out.append(f"_Fails on: {', '.join(diff.fail_on) or 'nothing'}._")
    return "\n".join(out) + "\n"


def job_diff_markdown_body(diff: JobDiff, labels: tuple[str, str]) -> list[str]:
    out = [f"> **Note:** {escape(note)}" for note in diff.notes]
    if out:
        out.append("")
    for ranks, first in diff.rank_groups():
        title = f"#### {code(format_ranks(ranks))}"
        if first.diff is None:
            out += [f"{title}: only in {first.side}", ""]
        elif first.diff.empty:
            out += [f"{title}: no difference", ""]
        else:
            out += [title, ""] + _diff_body(first.diff, labels)
    out += _divergence_lines(":heavy_plus_sign: new divergence", diff.divergence_added)
    out += _divergence_lines(":heavy_minus_sign: divergence gone", diff.divergence_removed)
    if diff.divergence_added or diff.divergence_removed:
        out.append("")
    return out


def render_job_check_terminal(
    outcome: JobCheckOutcome, file: TextIO | None = None, *, width: int | None = None, color: bool | None = None
) -> None:
    """Print what ``dynotrace check`` compared for a job, its budgets and the verdict."""
    console = make_console(file, width=width, color=color)
    s = outcome.job.summary
    console.print(Rule("dynotrace check", style="dim"))
    console.print(Text(f"A distributed job: {_ranks_line(outcome)}", style="bold"))
    if outcome.diff is not None:
        console.print(Text(f"Compared with the baseline {outcome.baseline}", style="bold"))
        print_job_diff(console, outcome.diff, ("baseline", "this run"), header=False)
    elif outcome.baseline_written:
        console.print(Text("No baseline compared: the baseline was rewritten from this run.", style="dim"))
    if outcome.budgets.any:
        console.print(_job_budget_table(outcome))
    if outcome.baseline_written:
        console.print(Text(f"Baseline written: {outcome.baseline}", style="bold green"))
    if s.divergences and DIVERGENCE not in outcome.fail_on:
        console.print(
            Text(
                f"{s.divergences} divergence(s) between ranks, not failed on "
                f"(fail on: {', '.join(outcome.fail_on) or 'nothing'}).",
                style="yellow",
            )
        )
    console.print(_verdict(outcome.regressions, outcome.fail_on))


def _ranks_line(outcome: JobCheckOutcome) -> str:
    s = outcome.job.summary
    text = f"{s.ranks} rank{'s' if s.ranks != 1 else ''}"
    if s.missing_ranks:
        text += f", {format_ranks(s.missing_ranks)} missing"
    text += f", {s.rank_groups} group{'s' if s.rank_groups != 1 else ''} of ranks that compiled alike"
    return text + f", {s.divergences} divergence{'s' if s.divergences != 1 else ''}"


def _job_budget_table(outcome: JobCheckOutcome) -> Table:
    b, s = outcome.budgets, outcome.job.summary
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("budget (per rank)")
    table.add_column("worst rank", justify="right")
    table.add_column("allowed", justify="right")
    table.add_column("")
    rows: list[tuple[str, CountRange, int]] = []
    if b.max_graph_breaks is not None:
        rows.append(("graph breaks", s.graph_breaks, b.max_graph_breaks))
    if b.max_recompiles is not None:
        rows.append(("recompiles", s.recompiles, b.max_recompiles))
    if b.no_recompile_limit:
        rows.append(("recompile-limit hits", s.recompile_limit_hits, 0))
    for label, counts, allowed in rows:
        ok = counts.max <= allowed
        table.add_row(
            label,
            f"{counts.max} ({format_ranks(counts.max_ranks)})",
            str(allowed),
            Text("ok" if ok else "over", style="green" if ok else "bold red"),
        )
    return table


def job_check_markdown(outcome: JobCheckOutcome) -> str:
    """The job's check as a markdown section (the GitHub step summary)."""
    out = [_headline(outcome.regressions, f"dynotrace check {code(outcome.command)}")]
    out.append(f"A distributed job: {escape(_ranks_line(outcome))}.")
    out.append("")
    if outcome.regressions:
        out += _regression_list(outcome.regressions) + [""]
    b, s = outcome.budgets, outcome.job.summary
    if b.any:
        out += ["| budget (per rank) | worst rank | allowed |", "|:--|--:|--:|"]
        if b.max_graph_breaks is not None:
            out.append(f"| graph breaks | {s.graph_breaks.max} ({escape(format_ranks(s.graph_breaks.max_ranks))}) | {b.max_graph_breaks} |")
        if b.max_recompiles is not None:
            out.append(f"| recompiles | {s.recompiles.max} ({escape(format_ranks(s.recompiles.max_ranks))}) | {b.max_recompiles} |")
        if b.no_recompile_limit:
            out.append(f"| recompile-limit hits | {s.recompile_limit_hits.max} | 0 |")
        out.append("")
    if outcome.diff is not None:
        out += job_diff_markdown_body(outcome.diff, (f"baseline {outcome.baseline}", "this run"))
    if outcome.baseline_written:
        out += [f"Baseline written: {code(outcome.baseline or '')}.", ""]
    return "\n".join(out) + "\n"
