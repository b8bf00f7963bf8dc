"""A diff of two reports (or of two jobs) as HTML: the verdict and its regressions first,
the counts that changed, then each function that changed, before and after side by side,
the functions with a regression first. The words are the terminal diff's
(``renderers.words``, ``renderers.labels``)."""

from __future__ import annotations

from dynotrace.compare.diff import FunctionDiff, ReportDiff
from dynotrace.compare.jobs import JobDiff
from dynotrace.compare.policy import Regression
from dynotrace.model import Compile, GraphBreak, RunInfo, format_ranks
from dynotrace.renderers import words
from dynotrace.renderers.html.report import esc, where
from dynotrace.renderers.labels import changed_counts, count_changes, unchanged_counts

#: Guard and shape changes listed per function; the YAML/JSON diff has them all.
SHOWN_PER_FUNCTION = 25
_TREND_CSS = {"worse": "change-up", "better": "change-down", "": ""}


def verdict(regressions: tuple[Regression, ...], fail_on: tuple[str, ...]) -> str:
    policy = f' <span class="dim">(fail on: {esc(", ".join(fail_on) or "nothing")})</span>' if fail_on else ""
    if not regressions:
        return f'<section id="verdict"><h2>Verdict</h2><p class="green bold">No regression.{policy}</p></section>'
    items = []
    for r in regressions:
        text = esc(r.message)
        if r.location is not None and r.location.line:
            text += f"<br>at {where(r.location)}"
        items.append(f"<li data-s>{text}</li>")
    n = len(regressions)
    return (
        f'<section id="verdict"><h2>Verdict</h2><p class="red bold">{n} regression{"s" if n != 1 else ""}{policy}</p>'
        f'<ol class="regressions">{"".join(items)}</ol></section>'
    )


def runs(before: RunInfo, after: RunInfo, notes: tuple[str, ...], labels: tuple[str, str]) -> str:
    rows = []
    for label, run in zip(labels, (before, after), strict=True):
        torch = f' <span class="dim">torch {esc(run.torch_version)}</span>' if run.torch_version else ""
        rows.append(f"<tr><th>{esc(label)}</th><td><code>{esc(run.command)}</code>{torch}</td></tr>")
    out = f"<table>{''.join(rows)}</table>"
    for note in notes:
        out += f'<p class="yellow">note: {esc(note)}</p>'
    return out


def summary_table(diff: ReportDiff, labels: tuple[str, str]) -> str:
    rows = [
        f'<tr><td>{esc(label)}</td><td class="num">{d.before}</td>'
        f'<td class="num">{d.after}</td><td class="num {_TREND_CSS[trend]}">{d.change:+d}</td></tr>'
        for d, label, trend in changed_counts(diff.summary)
    ]
    same = unchanged_counts(diff.summary)
    out = ""
    if rows:
        out += (
            f'<table><tr><th></th><th class="num">{esc(labels[0])}</th><th class="num">{esc(labels[1])}</th>'
            f'<th class="num">change</th></tr>{"".join(rows)}</table>'
        )
    if same:
        out += f'<p class="dim">unchanged: {esc(", ".join(same))}</p>'
    return out


def _break(mark: str, label: str, gb: GraphBreak) -> str:
    text = f"{esc(mark)} <b>{esc(label)}</b> " + (f"<b>{esc(gb.gb_id)}</b> " if gb.gb_id else "") + esc(gb.gb_type)
    if gb.location:
        text += f"<br>at {where(gb.location)}"
    return f"<li>{text}</li>"


def _compile(mark: str, c: Compile, f: FunctionDiff) -> str:
    label, detail = words.diff_compile(c, f)
    return f"<li>{esc(mark)} <b>{esc(label)}</b> <code>{esc(c.compile_id)}</code> {esc(detail)}</li>"


def function_block(f: FunctionDiff, labels: tuple[str, str], regressed: bool) -> str:
    line = f.first_line_after if f.first_line_after is not None else f.first_line_before
    summary = f'<span class="name">{esc(f.name)}</span> <span class="cyan">{esc(f.file)}:{line}</span>'
    status = words.function_diff_status(f)
    if status:
        summary += f" <b>{esc(status)}</b>"
    changes = count_changes(f.counts)
    if changes:
        summary += f' <span class="dim">{esc(changes)}</span>'
    if regressed:
        summary += ' <b class="red">regression</b>'
    left: list[str] = []
    right: list[str] = []
    left += [_break("-", "graph break gone", gb) for gb in f.breaks_removed]
    right += [_break("+", "graph break", gb) for gb in f.breaks_added]
    left += [_compile("-", c, f) for c in f.compiles_removed]
    right += [_compile("+", c, f) for c in f.compiles_added]
    for item in f.guard_changes[:SHOWN_PER_FUNCTION]:
        ids, guard, was = words.guard_change(item)
        if was is not None:
            left.append(f"<li>~ guard <b>{esc(was.kind)}</b> <code>{esc(was.check)}</code></li>")
            right.append(
                f"<li>~ guard changed <b>{esc(guard.kind)}</b> <code>{esc(guard.check)}</code>"
                f' <span class="dim">({esc(ids)})</span></li>'
            )
        else:
            entry = (
                f"<li>{'+' if item.change == 'added' else '-'} guard {esc(item.change)} <b>{esc(guard.kind)}</b> "
                f'<code>{esc(guard.check)}</code> <span class="dim">({esc(ids)})</span></li>'
            )
            (right if item.change == "added" else left).append(entry)
    for s in f.shape_changes[:SHOWN_PER_FUNCTION]:
        entry = f"<li>{'+' if s.change == 'added' else '-'} {esc(s.what)} <b>{esc(s.text)}</b>"
        entry += f" at {where(s.location, code=False)}</li>" if s.location else "</li>"
        (right if s.change == "added" else left).append(entry)
    hidden = max(0, len(f.guard_changes) - SHOWN_PER_FUNCTION) + max(0, len(f.shape_changes) - SHOWN_PER_FUNCTION)
    moved = "".join(
        f'<li class="dim">~ graph break moved {esc(m.after.gb_id or m.after.gb_type)} line '
        f"{esc(m.before.location.line if m.before.location else '?')} -> {esc(m.after.location.line if m.after.location else '?')}"
        f"{esc(f' (x{m.count})' if m.count > 1 else '')}</li>"
        for m in f.breaks_moved
    )
    extra = ""
    if hidden:
        extra += f'<p class="dim">… and {hidden} more guard and shape changes (--format yaml lists them all)</p>'
    if f.torch_guard_changes:
        extra += (
            f'<p class="dim">{f.torch_guard_changes} change{"s" if f.torch_guard_changes != 1 else ""} of torch\'s own '
            "guards (on torch's modules and bookkeeping), made by the other torch release</p>"
        )
    side = (
        f'<div class="side"><div><div class="label">{esc(labels[0])}</div><ul>{"".join(left) or "<li class=dim>nothing gone</li>"}</ul></div>'
        f'<div><div class="label">{esc(labels[1])}</div><ul>{"".join(right) or "<li class=dim>nothing new</li>"}</ul></div></div>'
    )
    return f'<details class="fn" open data-s><summary>{summary}</summary>{side}<ul>{moved}</ul>{extra}</details>'


def report_diff_body(diff: ReportDiff, labels: tuple[str, str]) -> str:
    if diff.empty:
        return (
            f'<p class="green">No difference in what torch.compile did ({diff.unchanged_functions} '
            f'function{"s" if diff.unchanged_functions != 1 else ""} compared).</p>'
        )
    regressed = {r.function for r in diff.regressions if r.function}
    functions = sorted(diff.functions, key=lambda f: not ({f.key, f.name} & regressed))
    out = [summary_table(diff, labels)]
    out += [function_block(f, labels, bool({f.key, f.name} & regressed)) for f in functions]
    if diff.unchanged_functions:
        out.append(f'<p class="dim">{diff.unchanged_functions} other function(s) unchanged.</p>')
    return "".join(out)


def diff_body(diff: JobDiff, labels: tuple[str, str]) -> str:
    out = [verdict(diff.regressions, diff.fail_on), "<section><h2>What changed</h2>", runs(diff.before, diff.after, diff.notes, labels)]
    if not diff.distributed:
        out.append(report_diff_body(diff.report_diff, labels))
    else:
        for ranks, first in diff.rank_groups():
            title = format_ranks(ranks)
            if first.diff is None:
                out.append(f'<h3 class="yellow">{esc(title)}: only in {esc(first.side)}</h3>')
            elif first.diff.empty:
                out.append(f'<h3 class="green">{esc(title)}: no difference</h3>')
            else:
                out.append(f"<h3>{esc(title)}</h3>{report_diff_body(first.diff, labels)}")
        for sign, css, what, items in (
            ("+", "red", "new divergence", diff.divergence_added),
            ("-", "green", "divergence gone", diff.divergence_removed),
        ):
            for d in items:
                out.append(f'<p class="{css}">{sign} {what} <b>({esc(d.kind)})</b> {esc(d.summary)}</p>')
        if not diff.divergence_added and diff.divergence_after:
            out.append(f'<p class="dim">{len(diff.divergence_after)} divergence(s) in after, as in before.</p>')
    out.append("</section>")
    return "".join(out)
