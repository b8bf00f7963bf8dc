"""A distributed job's page: its headline, the grid of ranks by functions with the cells
where ranks differ highlighted and the divergence explained beside it, then the report of
one rank per group of ranks that compiled the same way (each as a single run's)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from dynotrace.model import Artifacts, JobReport, format_ranks
from dynotrace.renderers import words
from dynotrace.renderers.html.pack import Packer
from dynotrace.renderers.html.report import NO_ARTIFACTS, NOT_CARRIED, ReportView, esc, run_title, where
from dynotrace.renderers.labels import DIVERGENCE_LABELS

#: Functions (rows) of the grid; the others are counted below it.
MAX_ROWS = 60


def job_headline(job: JobReport, timing: bool) -> str:
    s = job.summary
    launcher, count, read = words.ranks_scope(job)
    line = [f"{esc(launcher)}<b>{esc(count)}</b><span class=\"dim\">{esc(read)}</span>"]
    if s.missing_ranks:
        line.append(f'<b class="red">{esc(format_ranks(s.missing_ranks))} missing</b>')
    state = words.groups_state(job)
    if state:
        line.append(f'<span class="{"green" if s.rank_groups <= 1 else "yellow bold"}">{esc(state)}</span>')
    if s.divergences:
        line.append(f'<b class="yellow">{esc(words.plural(s.divergences, "divergence"))}</b>')
    counts = []
    for name, word in words.HEADLINE_COUNTS:
        value, label, extra = words.count_range(getattr(s, name), word)
        text = f"<b>{esc(value)}</b> {esc(label)}"
        if extra:
            text += f' <span class="dim">({esc(extra)})</span>'
        counts.append(f'<span data-count="{name}">{text}</span>')
    if timing:
        known = {r: v for r, report in job.ranks.items() if isinstance(v := report.timing.get("compile_s"), float)}
        if known:
            high = max(known.values())
            slowest = [r for r, v in known.items() if v == high]
            counts.append(
                f"<b>{min(known.values()):.2f}-{high:.2f}s</b> compiling "
                f'<span class="dim">({esc(format_ranks(slowest))}: {high:.2f}s)</span>'
            )
    sep = '<span class="sep"> · </span>'
    out = f'<p class="counts">{sep.join(line)}</p><p class="counts">per rank: {sep.join(counts)}</p>'
    for sentence in words.exit_lines(job):
        out += f'<p class="red bold">{esc(sentence)}</p>'
    for m in job.missing:
        out += f'<p class="red bold">{esc(format_ranks([m.rank]))} missing: {esc(m.reason)}</p>'
    return out


def grid(job: JobReport) -> str:
    """Functions x ranks: compiles per rank (``!N``: recompile-limit hits); a cell that
    differs from most ranks', or that a divergence names, is highlighted."""
    ranks = list(job.ranks)
    names: dict[str, str] = {}
    for report in job.ranks.values():
        for f in report.functions:
            names.setdefault(f.key, f.display_name)
    flagged = {(d.function, r) for d in job.divergence if d.function for r in d.odd_ranks}
    rows = []
    keys = list(names)
    cells = {(k, r): words.function_cell(job.ranks[r], k) for k in keys for r in ranks}
    keys.sort(key=lambda k: len({cells[(k, r)] for r in ranks}) == 1)
    for key in keys[:MAX_ROWS]:
        common = Counter(cells[(key, r)] for r in ranks).most_common(1)[0][0]
        tds = []
        for r in ranks:
            odd = cells[(key, r)] != common or (key, r) in flagged
            tds.append(f'<td class="cell{" odd" if odd else ""}">{esc(cells[(key, r)])}</td>')
        rows.append(f'<tr><td class="magenta">{esc(names[key])}</td>{"".join(tds)}</tr>')
    more = f'<p class="dim">… {len(keys) - MAX_ROWS} more functions</p>' if len(keys) > MAX_ROWS else ""
    head = "".join(f'<th class="num">{r}</th>' for r in ranks)
    return (
        '<div><h3>Compiles per rank</h3><table class="grid">'
        f'<tr><th>function \\ rank</th>{head}</tr>{"".join(rows)}</table>{more}</div>'
    )


def divergence(job: JobReport) -> str:
    if not job.divergence:
        return '<div><h3>Divergence between ranks</h3><p class="green">None: the ranks compiled alike.</p></div>'
    items = []
    explained: set[str] = set()
    for d in job.divergence:
        text = f'<b class="yellow">{esc(DIVERGENCE_LABELS.get(d.kind, d.kind))}:</b> {esc(d.summary)}'
        if d.location is not None and d.location.line:
            text += f"<br>at {where(d.location, code=False)}"
            if d.location.code:
                text += f': <span class="dim">{esc(d.location.code)}</span>'
        if d.groups:
            text += '<br><span class="dim">' + "; ".join(f"{esc(format_ranks(g.ranks))}: {esc(g.what)}" for g in d.groups) + "</span>"
        if d.kind not in explained:
            explained.add(d.kind)
            text += f'<br><span class="why">why it matters: {esc(d.why)}</span>'
        items.append(f"<li data-s>{text}</li>")
    return f'<div><h3>Divergence between ranks</h3><ol class="divergence">{"".join(items)}</ol></div>'


def job_body(job: JobReport, artifacts: Mapping[int, Artifacts] | None, packer: Packer, timing: bool) -> str:
    parts = [f'<section id="job"><div class="jobtop">{grid(job)}{divergence(job)}</div>']
    for note in job.notes:
        parts.append(f'<p class="yellow">note: {esc(note)}</p>')
    parts.append("</section>")
    for n, group in enumerate(job.groups):
        first = group[0]
        view = ReportView(
            job.ranks[first],
            artifacts.get(first) if artifacts is not None else None,
            packer,
            prefix=f"r{first}/",
            timing=timing,
            missing=NO_ARTIFACTS if artifacts is None else NOT_CARRIED,
        )
        opened = " open" if n == 0 else ""
        parts.append(
            f'<details class="group" id="rank{first}"{opened}><summary><h2 style="display:inline">'
            f"{esc(words.group_title(group, first))}</h2></summary>{view.headline()}{view.body(with_headline=False)}</details>"
        )
    return "".join(parts)


__all__ = ["job_body", "job_headline", "run_title"]
