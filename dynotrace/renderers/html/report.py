"""One process's report as HTML: the terminal report's content in its words
(``renderers.words``), collapsible and linkable, plus what tlparse shows per compile
(packed, unpacked on demand), the timeline, and where compile time went.

Every user string (file names, source lines, torch's messages) goes through ``esc``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass, field
from html import escape
from typing import Any

from dynotrace.analysis.findings import Finding, fix_first, graph_break_findings
from dynotrace.analysis.reasons import user_source
from dynotrace.model import Artifacts, Compile, Function, GuardFailure, Location, Report, RunInfo, is_library_file
from dynotrace.renderers import words
from dynotrace.renderers.html.pack import Packer
from dynotrace.renderers.html.timeline import timeline_svg

#: Above this many compiles, functions start collapsed (search and ``#id`` open them).
OPEN_UP_TO = 400
#: Tell of the texts a report file does not hold.
NO_ARTIFACTS = (
    "This page was written from a report, which holds the explanation, not the compiled "
    "graphs: Dynamo's and AOTAutograd's graphs, Inductor's output code, guard trees and "
    "compilation metrics are only in pages written straight from a run or a log "
    "(dynotrace explain SCRIPT -o report.html, or dynotrace explain --trace LOG -o report.html)."
)
#: Tell of the texts a live distributed job does not carry from its ranks.
NOT_CARRIED = (
    "The ranks of a live job send rank 0 their reports, not their compiled graphs: for Dynamo's and "
    "AOTAutograd's graphs, Inductor's output code, guard trees and compilation metrics, write the ranks' "
    "TORCH_TRACE logs (TORCH_TRACE=DIR torchrun ...) and read them: dynotrace explain --trace DIR -o job.html."
)


def esc(value: Any) -> str:
    return escape(str(value), quote=True)


def link(url: str | None) -> str:
    """A documentation link torch gave, as a link only when it is a web address."""
    if not url:
        return ""
    if url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}" rel="noreferrer noopener">{esc(url)}</a>'
    return esc(url)


def where(location: Location | None, *, code: bool = True) -> str:
    if location is None:
        return ""
    text = f'<span class="cyan">{esc(words.where(location))}</span>'
    if code and location.code:
        text += f'<br><pre class="src">{esc(location.code)}</pre>'
    return text


def run_title(run: RunInfo) -> str:
    """``dynotrace train.py  torch 2.13.0``."""
    text = f'dynotrace <code class="cyan">{esc(run.command.removeprefix("dynotrace explain "))}</code>'
    if run.torch_version:
        text += f' <span class="dim">torch {esc(run.torch_version)}</span>'
    if run.backend_override:
        text += f' <span class="dim">backend={esc(run.backend_override)}</span>'
    return text


@dataclass(eq=False)
class ReportView:
    """The HTML of one report. ``prefix`` makes its ids unique in a job's page (``r1/``);
    ``artifacts`` (``None`` for a report file) are packed into ``packer``."""

    report: Report
    artifacts: Artifacts | None
    packer: Packer
    _: KW_ONLY
    prefix: str = ""
    timing: bool = True
    missing: str = NO_ARTIFACTS
    #: The shape constraints shown so far for the function being rendered.
    constraints_shown: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        report, prefix = self.report, self.prefix
        self.index = {id(c): i for i, c in enumerate(report.compiles)}
        self.breaks = graph_break_findings(report)
        # Breaks Dynamo marks as caused by an earlier one come after the breaks that caused them.
        self.breaks.sort(key=lambda f: bool(f.graph_break and f.graph_break.caused_by_earlier_break))
        self.break_of = {id(gb): n for n, f in enumerate(self.breaks) for c in f.compiles for gb in c.graph_breaks if gb.location == f.location}
        self.anchors: dict[int, str] = {}
        seen: dict[str, int] = {}
        for i, c in enumerate(report.compiles):
            n = seen[c.compile_id] = seen.get(c.compile_id, 0) + 1
            self.anchors[i] = f"{prefix}{c.compile_id}" + (f"~{n}" if n > 1 else "")

    def anchor(self, c: Compile) -> str:
        return self.anchors.get(self.index.get(id(c), -1), self.prefix + c.compile_id)

    def compile_link(self, c: Compile) -> str:
        return f'<a href="#{esc(self.anchor(c))}">{esc(c.compile_id)}</a>'

    # The parts, in page order.

    def headline(self) -> str:
        report = self.report
        s = report.summary
        styles = {
            "graph_breaks": "yellow" if s.graph_breaks else "",
            "recompiles": "yellow" if s.recompiles else "",
            "recompile_limit_hits": "red" if s.recompile_limit_hits else "",
        }
        parts = [
            f'<span data-count="{name}"><b class="{styles.get(name, "")}">{value}</b> {esc(label)}</span>'
            for name, value, label in words.headline_counts(s)
        ]
        compile_s = report.timing.get("compile_s") if self.timing else None
        if compile_s is not None:
            text = f"<b>{compile_s:.2f}s</b> compiling"
            wall = report.timing.get("wall_s")
            if wall:
                text += f' <span class="dim">of a {wall:.2f}s run</span>'
            parts.append(f"<span>{text}</span>")
        out = '<p class="counts">' + '<span class="sep"> · </span>'.join(parts) + "</p>"
        limited = words.limit_headline(report.functions)
        if limited:
            out += f'<p class="red bold">{esc(limited)}</p>'
        return out

    def notes(self) -> str:
        out = []
        for note in self.report.notes:
            out.append(f'<div class="panel warn"><div class="title">note</div>{esc(note)}</div>')
        p = self.report.problems
        if p.any:
            out.append(
                f'<p class="yellow">trace log: {esc(words.plural(p.malformed_lines, "malformed line"))}, '
                f'{esc(words.plural(p.bad_payloads, "bad payload"))}, '
                f'{esc(words.plural(sum(n for _, n in p.unknown_kinds), "event"))} of unknown kinds (skipped)</p>'
            )
        if self.artifacts is None:
            out.append(f'<p class="dim">{esc(self.missing)}</p>')
        return "".join(out)

    def fix_first(self) -> str:
        findings = fix_first(self.report)
        if not findings:
            return ""
        items = []
        for f in findings:
            if f.kind == "graph_break":
                gb = f.graph_break
                head = f'<b class="yellow">graph break</b> {esc((gb.gb_id + " ") if gb and gb.gb_id else "")}{esc(f.title)}'
                head += f' <span class="dim">{esc(words.finding_count(f))}</span>'
            elif f.kind == "recompile_limit":
                head = f'<b class="red">{esc(f.title)}</b>'
            else:
                head = f'<b class="yellow">recompile</b> {esc(f.title)}'
                values = words.recompile_values(f)
                if values:
                    head += f" ({esc(values)})"
                head += f' <span class="dim">{esc(words.finding_count(f))}</span>'
            seconds = f.compile_seconds(self.report.timing) if self.timing else 0
            if seconds:
                head += f'<span class="dim">, {seconds:.2f}s</span>'
            if f.compiles:
                head += f' <span class="dim">(first: {self.compile_link(f.compiles[0])})</span>'
            if f.location:
                head += ("<br>at your call " if words.at_your_call(f) else "<br>at ") + where(f.location, code=False)
            else:
                head += f'<br><span class="dim">{esc(words.NO_LOCATION)}</span>'
            items.append(f"<li data-s>{head}</li>")
        return '<section id="{}fix"><h2>Fix first</h2><div class="panel warn"><ol class="fix">{}</ol></div></section>'.format(
            esc(self.prefix), "".join(items)
        )

    def timeline(self) -> str:
        svg = timeline_svg(self.report, self.anchors)
        if not svg:
            return ""
        return f'<section id="{esc(self.prefix)}timeline"><h2>Timeline</h2>{svg}</section>'

    def time_table(self) -> str:
        report = self.report
        if not self.timing or not report.compiles:
            return ""
        rows = []
        for f in report.functions:
            t = words.total_time(f.compiles)
            if t is None:
                continue
            rows.append(self._time_row(esc(f.display_name), len(f.compiles), t))
        if not rows:
            return (
                f'<section id="{esc(self.prefix)}time"><h2>Where compile time went</h2><p class="dim">This report has no '
                "compile times: a report file written before schema 3, or a log without compilation metrics.</p></section>"
            )
        total = words.total_time(report.compiles)
        assert total is not None
        rows.append(self._time_row("all functions", len(report.compiles), total, total_row=True))
        head = "".join(
            f'<th class="{"num" if n else ""}">{h}</th>'
            for n, h in enumerate(["function", "compiles", "compile time", "dynamo", "aot", "inductor", "backward"])
        )
        summary = ""
        wall = report.timing.get("wall_s")
        if total.total_s is not None and wall:
            share = 100 * total.total_s / wall
            summary = f"<p>{words.seconds(total.total_s)} of compiling in a {words.seconds(wall)} run ({share:.0f}%).</p>"
        return (
            f'<section id="{esc(self.prefix)}time"><h2>Where compile time went</h2>{summary}'
            f"<table><tr>{head}<th>compile caches</th></tr>{''.join(rows)}</table>"
            '<p class="dim">From each compile\'s own metrics: dynamo is the frame compile outside the backend, '
            "aot the backend's outside Inductor (AOTAutograd), inductor Inductor's; backward is Inductor's compile of "
            "the backward graph, at the first backward call.</p></section>"
        )

    def _time_row(self, name: str, n: int, t: Any, total_row: bool = False) -> str:
        def cell(value: float | None) -> str:
            return f'<td class="num">{words.seconds(value) if value is not None else ""}</td>'

        caches = "; ".join(words.cache_counts(t.cache))
        return (
            f'<tr class="{"total" if total_row else ""}"><td>{name}</td><td class="num">{n}</td>'
            + cell(t.total_s)
            + cell(t.dynamo_s)
            + cell(t.aot_s)
            + cell(t.inductor_s)
            + cell(t.backward_s)
            + f"<td>{esc(caches)}</td></tr>"
        )

    def functions(self) -> str:
        report = self.report
        if not report.functions:
            return ""
        opened = " open" if len(report.compiles) <= OPEN_UP_TO else ""
        out = [f'<section id="{esc(self.prefix)}functions"><h2>Functions</h2>']
        for n, f in enumerate(report.functions):
            out.append(self.function(f, n, opened))
        out.append("</section>")
        return "".join(out)

    def function(self, f: Function, n: int, opened: str) -> str:
        summary = (
            f'<span class="name">{esc(f.display_name)}</span> '
            f'<span class="cyan">{esc(f.file)}:{f.first_line}{esc(words.decorator_note(f))}</span> '
            f'<span class="dim">{esc(words.function_counts(f))}</span>'
        )
        body = []
        wrapped = words.wrapped_class(f)
        sites = words.call_sites(f)
        if wrapped or sites:
            note = []
            if wrapped:
                note.append(esc(words.wraps_note(wrapped)))
            if sites:
                shown = ", ".join(where(site, code=False) for site in sites[:3])
                more = f" and {len(sites) - 3} more places" if len(sites) > 3 else ""
                note.append(f"called from {shown}{more}")
            body.append(f'<div class="dim">{"; ".join(note)}</div>')
        explained: dict[tuple[Any, ...], Compile] = {}
        self.constraints_shown = set()
        for c in f.compiles:
            body.append(self.compile(c, explained))
        if self.timing:
            spent = words.function_time_line(f)
            if spent:
                body.append(f'<div class="dim">{esc(spent)}</div>')
        if f.recompile_limit_hits:
            what, consequence, drove, advice = words.limit_text(f)
            body.append(
                f'<div class="panel bad"><div class="title red">recompile limit</div><b class="red">{esc(what)}</b><br>'
                f'<b class="red">{esc(consequence)}</b><br>What drove it there: {esc(drove)}<br>{esc(advice)}</div>'
            )
        kinds = words.guard_kinds(f.compiles)
        if kinds:
            body.append(f'<div class="dim">guard checks by kind: {esc(kinds)}</div>')
        return (
            f'<details class="fn" id="{esc(self.prefix)}f{n}"{opened}><summary>{summary}</summary>'
            f'<div class="fnbody">{"".join(body)}</div></details>'
        )

    def compile(self, c: Compile, explained: dict[tuple[Any, ...], Compile]) -> str:
        label, sort = words.compile_status(c)
        anchor = self.anchor(c)
        parts = [
            f'<div class="compile {sort}" id="{esc(anchor)}"><div class="cline">'
            f'<a class="cid" href="#{esc(anchor)}">{esc(c.compile_id)}</a>'
            f'<span class="status {sort}">{esc(label)}</span><span class="dim">{esc(words.compile_detail(c))}</span>'
        ]
        resume = words.resume_note(c)
        if resume:
            parts.append(f' <span class="dim">{esc(resume)}</span>')
        parts.append("</div>")
        failed = words.fail_line(c)
        if failed:
            parts.append(f'<div class="ind red">{esc(failed)}</div>')
        if self.timing:
            spent = words.compile_time_line(c)
            if spent:
                parts.append(f'<div class="time">{esc(spent)}</div>')
        for gb in c.graph_breaks:
            n = self.break_of.get(id(gb))
            text = f"graph break {(gb.gb_id + ' ') if gb.gb_id else ''}{gb.gb_type}"
            text = esc(text) + (f" at {where(gb.location, code=False)}" if gb.location else "")
            if n is not None:
                text += f' <a href="#{esc(self.prefix)}gb{n}">(explained below)</a>'
            parts.append(f'<div class="ind yellow">{text}</div>')
        if c.guard_failures:
            any_new = False
            repeated: dict[tuple[Any, ...], list[tuple[GuardFailure, int]]] = {}
            for failure, older in words.shown_failures(c):
                key = words.cause_key(failure)
                if key in explained:
                    repeated.setdefault(key, []).append((failure, older))
                else:
                    explained[key] = c
                    parts.append(self.failure(failure, older, c.call_site))
                    any_new = True
            for key, same in repeated.items():
                older_total = len(same) - 1 + sum(n for _, n in same)
                first = explained[key]
                note = words.repeated_note(same[0][0], older_total, first.compile_id)
                note = esc(note).replace(
                    f"see {esc(first.compile_id)})", f"see {self.compile_link(first)})"
                )
                parts.append(f'<div class="failure">{self.failure_headline(same[0][0])} <span class="dim">{note}</span></div>')
            if any_new and c.status != "recompile_limit":
                parts.append(self.guard_diff(c))
        parts.append(self.shapes(c))
        parts.append(self.lazy(c))
        parts.append("</div>")
        return "".join(parts)

    def failure_headline(self, failure: GuardFailure) -> str:
        text = f'<span class="cause">{esc(words.failure_label(failure))}</span>: '
        if failure.source:
            text += f"<code>{esc(failure.source)}</code>"
            change = words.failure_change(failure)
            if change:
                text += f" {esc(change)}"
        else:
            text += esc(failure.reason)
        return text

    def failure(self, failure: GuardFailure, older: int, call_site: Location | None) -> str:
        rows = [self.failure_headline(failure), f'<div class="ind dim">{esc(words.failure_detail(failure, older))}</div>']
        if words.made_inside_library(failure, call_site):
            rows.append(f'<div class="ind">your call: {where(call_site)}</div>')
            rows.append(f'<div class="ind dim">guard made inside {where(failure.location, code=False)}</div>')
        elif failure.location:
            rows.append(f'<div class="ind">made at {where(failure.location)}</div>')
        if failure.suggestion:
            rows.append(f'<div class="ind fix-line">→ {esc(failure.suggestion)}</div>')
        return f'<div class="failure">{"".join(rows)}</div>'

    def guard_diff(self, c: Compile) -> str:
        lines = words.guard_diff_lines(c)
        if not lines:
            return ""
        css = {"-": "minus", "+": "plus", "state": "state", "note": "dim"}
        shown = "\n".join(
            f'<span class="{css[sign]}">{esc(f"{sign} {text}" if sign in ("-", "+") else text)}</span>' for sign, text in lines
        )
        return f'<div class="gdiff dim">guards vs the failed compile:<pre>{shown}</pre></div>'

    def shapes(self, c: Compile) -> str:
        rows = []
        dynamic = words.dynamic_text(c)
        if dynamic:
            rows.append(f'<span class="k">dynamic:</span> {esc(dynamic)}')
        for constraint in c.shape_constraints:
            if constraint in self.constraints_shown:
                continue  # shown for an earlier compile of the function
            self.constraints_shown.add(constraint)
            text = f'<span class="k">valid while</span> <b>{esc(constraint)}</b>'
            origin = words.constraint_origin(constraint, c)
            if origin:
                text += f" from {where(origin, code=False)}"
                if origin.code:
                    text += f': <span class="dim">{esc(origin.code)}</span>'
            rows.append(text)
        for g in c.shape_guards:
            if g.runtime_assert:
                text = f'<span class="k">runtime check</span> <b>{esc(g.named or g.expr)}</b>'
                if g.location:
                    text += f" at {where(g.location, code=False)}"
                rows.append(text)
        for spec in c.specializations:
            text = f'<span class="k">specialised</span> <b>{esc(user_source(spec.source))} = {esc(spec.value)}</b>'
            if spec.reason:
                text += f' <span class="dim">({esc(spec.reason)})</span>'
            if spec.location:
                text += f" at {where(spec.location, code=False)}"
            rows.append(text)
        return "".join(f'<div class="shape">{row}</div>' for row in rows)

    def lazy(self, c: Compile) -> str:
        """The compile's big texts: packed now, shown when opened."""
        i = self.index[id(c)]
        items: list[tuple[str, str]] = []
        texts = self.artifacts.of(i) if self.artifacts is not None else None
        if texts is not None:
            items = [(a.title, a.text) for a in texts.items]
        if c.guards and not any(title.startswith("Guard tree") for title, _ in items):
            items.append((f"Guards ({words.plural(len(c.guards), 'check')})", _guard_lines(c)))
        if not items:
            return ""
        key = f"{self.prefix}{i}"
        chunk = self.packer.add(key, items)
        size = sum(len(text) for _, text in items)
        titles = " · ".join(dict.fromkeys(_family(title) for title, _ in items))
        return (
            f'<details class="lazy art" data-k="{chunk}" data-a="{esc(key)}"><summary>{esc(titles)} '
            f'<span class="dim">({words.plural(len(items), "text")}, {_kb(size)})</span></summary><div class="artbody">'
            "<noscript>These texts are packed in the page; opening them needs JavaScript.</noscript></div></details>"
        )

    def graph_breaks(self) -> str:
        if not self.breaks:
            return ""
        out = [f'<section id="{esc(self.prefix)}breaks"><h2>Graph breaks</h2>']
        for n, f in enumerate(self.breaks):
            out.append(self.graph_break(f, n))
        out.append("</section>")
        return "".join(out)

    def graph_break(self, f: Finding, n: int) -> str:
        gb = f.graph_break
        assert gb is not None
        head = f'<b class="yellow">{esc(gb.gb_id)}</b> ' if gb.gb_id else ""
        head += f"<b>{esc(gb.gb_type)}</b> "
        head += f'<span class="yellow">{esc(words.break_counts(f))}</span>'
        if gb.caused_by_earlier_break:
            head += ' <span class="dim">(caused by an earlier graph break)</span>'
        rows = [f"<div>{head}</div>"]
        if gb.location:
            rows.append(f"<div>at {where(gb.location)}</div>")
            yours = words.user_frame(f)
            if yours is not None and is_library_file(gb.location.file):
                rows.append(f'<div class="dim">reached from your code at {where(yours)}</div>')
        owners = words.break_owners(f)
        if len(owners) > 1:
            rows.append(f'<div class="dim">breaks the compiled code of {esc(", ".join(owners))}</div>')
        for sentence in words.not_resumed(f):
            rows.append(f'<div class="red">{esc(sentence)}</div>')
        context = words.break_context(f, gb)
        if context:
            rows.append(f'<div class="{"hint" if context[1] else "dim"}">{esc(context[0])}</div>')
        if gb.explanation:
            rows.append(f"<div>{esc(words.break_explanation(gb))}</div>")
        for hint in gb.hints:
            rows.append(f'<div class="hint">hint: {esc(hint)}</div>')
        if gb.doc_url:
            rows.append(f'<div class="dim">{link(gb.doc_url)}</div>')
        split = list(dict.fromkeys(self.compile_link(c) for c in f.compiles))
        rows.append(f'<div class="dim">in {", ".join(split[:12])}{" …" if len(split) > 12 else ""}</div>')
        return f'<div class="gb" id="{esc(self.prefix)}gb{n}" data-s>{"".join(rows)}</div>'

    def configs(self) -> str:
        if self.artifacts is None or not self.artifacts.configs:
            return ""
        key = f"{self.prefix}configs"
        chunk = self.packer.add(key, list(self.artifacts.configs.items()))
        return (
            f'<section id="{esc(key)}"><h2>Configurations</h2><p class="dim">Dynamo\'s, Inductor\'s and the other '
            "configurations each compile's metrics carry, each distinct one once.</p>"
            f'<details class="lazy art" data-k="{chunk}" data-a="{esc(key)}" data-open="all"><summary>'
            f'{esc(", ".join(self.artifacts.configs))}</summary><div class="artbody"><noscript>These texts are packed in '
            "the page; opening them needs JavaScript.</noscript></div></details></section>"
        )

    def body(self, *, with_headline: bool = True) -> str:
        """Everything of the report, in the terminal report's order, then what the page adds."""
        parts: Iterable[str] = (
            self.headline() if with_headline else "",
            self.notes(),
            self.fix_first(),
            self.timeline(),
            self.time_table(),
            self.functions(),
            self.graph_breaks(),
            self.configs(),
        )
        return "".join(parts)


def _guard_lines(c: Compile) -> str:
    return "\n".join(
        f"{g.kind}: {g.check}" + (f"  # {words.where(g.location)}" if g.location else "") for g in c.guards
    )


_FAMILIES = (
    ("Dynamo", "Dynamo graph"),
    ("AOTAutograd", "AOTAutograd graphs"),
    ("Inductor post-grad", "Inductor graphs"),
    ("Inductor output code", "Inductor code"),
    ("Guard", "guards"),
    ("Compilation metrics", "metrics"),
)


def _family(title: str) -> str:
    """What a text is, in the few words of an artifact section's summary."""
    return next((family for start, family in _FAMILIES if title.startswith(start)), title)


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} B"
