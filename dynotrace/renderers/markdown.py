"""Markdown for a diff or a check's outcome: pull-request comments and the GitHub Actions
step summary (GitHub-flavoured: tables, ``<details>``). For distributed jobs, each group of
ranks whose diffs are the same is one section, then the divergence."""

from __future__ import annotations

import re

from typing import TextIO

from dynotrace.compare.diff import FunctionDiff, ReportDiff, cause_location, describe_causes
from dynotrace.compare.gate import CheckOutcome
from dynotrace.compare.jobs import JobDiff
from dynotrace.compare.policy import Regression
from dynotrace.model import Divergence, GraphBreak, Location, format_ranks
from dynotrace.renderers import words
from dynotrace.renderers.base import Renderer
from dynotrace.renderers.labels import budget_rows, changed_counts, ranks_line, unchanged_counts

# Mid-line, only these can start markup; "<" and ">" could start HTML.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape(text: str) -> str:
    """User text safe inside markdown prose: no markup, no HTML, one line."""
    text = " ".join(text.split())
    return _SPECIAL.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """An inline code span that holds any text, backticks included."""
    text = " ".join(text.split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _where(loc: Location | None) -> str:
    return f" at {code(str(loc))}" if loc is not None and loc.line else ""


def _headline(regressions: tuple[Regression, ...], what: str) -> str:
    if regressions:
        n = len(regressions)
        return f"### {what}: :x: {n} regression{'s' if n != 1 else ''}\n"
    return f"### {what}: :white_check_mark: no regression\n"


def _regression_list(regressions: tuple[Regression, ...]) -> list[str]:
    return [f"- :x: {escape(r.message)}{_where(r.location)}" for r in regressions]


def _summary_table(diff: ReportDiff) -> list[str]:
    """The counts that changed as a table, the others in one line."""
    lines = []
    changed = changed_counts(diff.summary)
    if changed:
        lines += ["| | before | after | change |", "|:--|--:|--:|--:|"]
        lines += [f"| {label} | {d.before} | {d.after} | **{d.change:+d}** |" for d, label, _ in changed]
        lines.append("")
    same = unchanged_counts(diff.summary)
    if same:
        lines.append(f"Unchanged: {', '.join(same)}.")
    return lines


def _break(gb: GraphBreak) -> str:
    text = (f"**{escape(gb.gb_id)}** " if gb.gb_id else "") + escape(gb.gb_type) + _where(gb.location)
    if gb.location and gb.location.code:
        text += f": {code(gb.location.code)}"
    return text


def _function(f: FunctionDiff) -> list[str]:
    line = f.first_line_after if f.first_line_after is not None else f.first_line_before
    title = f"#### {code(f.name)} — {code(f'{f.file}:{line}')}"
    if f.status == "added":
        title += " (new)"
    elif f.status == "removed":
        title += " (gone)"
    elif f.first_line_before != f.first_line_after:
        title += f" (moved from line {f.first_line_before})"
    out = [title, ""]
    out += [f"- :heavy_plus_sign: graph break {_break(gb)}" for gb in f.breaks_added]
    out += [f"- :heavy_minus_sign: graph break gone: {_break(gb)}" for gb in f.breaks_removed]
    for m in f.breaks_moved:
        b = m.before.location.line if m.before.location else "?"
        a = m.after.location.line if m.after.location else "?"
        out.append(f"- graph break moved (same code): {escape(m.after.gb_id or m.after.gb_type)}, line {b} → {a}")
    for sign, compiles in ((":heavy_plus_sign:", f.compiles_added), (":heavy_minus_sign:", f.compiles_removed)):
        for c in compiles:
            if c.status == "recompile_limit":
                consequence = "the call raised" if c.limit_raised else "later calls run eagerly"
                out.append(f"- {sign} **recompile limit hit** ({code(c.compile_id)}): {consequence}")
            elif c.is_recompile:
                out.append(
                    f"- {sign} recompile {code(c.compile_id)} because {escape(describe_causes(c))}"
                    f"{_where(cause_location(c, f))}"
                )
            else:
                out.append(f"- {sign} compile {code(c.compile_id)}" + (
                    f" (resume function after the graph break at line {c.resume_line})" if c.resume_line else ""
                ))
    details: list[str] = []
    for item in f.guard_changes:
        ids, guard, was = words.guard_change(item)
        if was is not None:
            details.append(
                f"- changed {code(guard.kind)} on {code(guard.source or '')} ({ids}): "
                f"{code(was.check)} → {code(guard.check)}"
            )
        else:
            details.append(f"- {item.change} {code(guard.kind)} {code(guard.check)} ({ids})")
    for s in f.shape_changes:
        details.append(f"- {s.what} {s.change}: {code(s.text)}{_where(s.location)}")
    if details:
        out += ["", f"<details><summary>{len(details)} guard and shape change(s)</summary>", "", *details, "", "</details>"]
    return out + [""]


def _diff_body(diff: ReportDiff, labels: tuple[str, str]) -> list[str]:
    out = []
    for label, run in zip(labels, (diff.before, diff.after), strict=True):
        torch = f" (torch {escape(run.torch_version)})" if run.torch_version else ""
        out.append(f"- **{escape(label)}**: {code(run.command)}{torch}")
    out.append("")
    out += [f"> **Note:** {escape(note)}" for note in diff.notes]
    if diff.notes:
        out.append("")
    if diff.empty:
        out.append(f"No difference in what `torch.compile` did ({diff.unchanged_functions} function(s) compared).")
        return out + [""]
    out += _summary_table(diff) + [""]
    for f in diff.functions:
        out += _function(f)
    if diff.unchanged_functions:
        out += [f"{diff.unchanged_functions} other function(s) unchanged.", ""]
    return out


def diff_markdown(diff: JobDiff, *, labels: tuple[str, str] = ("before", "after")) -> str:
    """The diff as a markdown section, regressions first."""
    what = "dynotrace diff (distributed job)" if diff.distributed else "dynotrace diff"
    out = [_headline(diff.regressions, what)]
    if diff.regressions:
        out += _regression_list(diff.regressions) + [""]
    out += _job_diff_body(diff, labels) if diff.distributed else _diff_body(diff.report_diff, labels)
    out.append(f"_Fails on: {', '.join(diff.fail_on) or 'nothing'}._")
    return "\n".join(out) + "\n"


def check_markdown(outcome: CheckOutcome) -> str:
    """The check's result as a markdown section (the GitHub step summary)."""
    distributed = outcome.job.distributed
    out = [_headline(outcome.regressions, f"dynotrace check {code(outcome.command)}")]
    if distributed:
        out.append(f"A distributed job: {escape(ranks_line(outcome))}.")
        out.append("")
    if outcome.regressions:
        out += _regression_list(outcome.regressions) + [""]
    if outcome.budgets.any:
        if distributed:
            out += ["| budget (per rank) | worst rank | allowed |", "|:--|--:|--:|"]
        else:
            out += ["| budget | found | allowed |", "|:--|--:|--:|"]
        for words, found, limit, _ in budget_rows(outcome):
            out.append(f"| {words} | {escape(found)} | {limit} |")
        out.append("")
    if outcome.diff is not None:
        labels = (f"baseline {outcome.baseline}", "this run")
        out += _job_diff_body(outcome.diff, labels) if distributed else _diff_body(outcome.diff.report_diff, labels)
    if outcome.baseline_written:
        out += [f"Baseline written: {code(outcome.baseline or '')}.", ""]
    return "\n".join(out) + "\n"


def _divergence_lines(sign: str, items: tuple[Divergence, ...]) -> list[str]:
    return [f"- {sign} **{escape(d.kind)}**: {escape(d.summary)}" for d in items]


def _job_diff_body(diff: JobDiff, labels: tuple[str, str]) -> list[str]:
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


class MarkdownRenderer(Renderer):
    name = "markdown"

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        stream.write(diff_markdown(diff, labels=self.options.labels))

    def check(self, outcome: CheckOutcome, stream: TextIO) -> None:
        stream.write(check_markdown(outcome))
