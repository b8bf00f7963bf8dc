"""The HTML format: one self-contained page to open, share and attach.

Everything is inline (styles, script, data) and the page makes no request: a
Content-Security-Policy forbids any (the only addresses in it are the documentation links
torch gives, which a reader may follow). Without JavaScript the report is all there, in
``<details>`` sections; with it, the page gains search, ``#0/2`` links that open a compile,
and the texts tlparse shows per compile (graphs, generated code, guard trees, metrics),
packed with gzip (``pack``) and unpacked when their section is opened.

A report (``report``: one run, or a job: ``job``) and a diff (``diff``) go through the one
``Renderer`` interface; the style sheet and the script are package data
(``report.css``, ``report.js``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TextIO

from dynotrace.compare.jobs import JobDiff
from dynotrace.model import JobReport
from dynotrace.renderers.base import Renderer
from dynotrace.renderers.html.diff import diff_body
from dynotrace.renderers.html.job import job_body, job_headline
from dynotrace.renderers.html.pack import Packer
from dynotrace.renderers.html.report import ReportView, esc, run_title
from dynotrace.version import __version__

#: No request of any kind: no fetch, no image, no font, no frame; inline style and script only.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """A file of this package (``report.css``, ``report.js``)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    # Inline script and style end at "</": the assets never contain it, and must not.
    assert "</" not in text, "an inline asset must not contain '</'"
    return text


def write_page(
    stream: TextIO, title: str, heading: str, headline: str, nav: list[tuple[str, str]], body: str, packer: Packer
) -> None:
    """The document: head (title, policy, style), header (``heading``, ``headline``,
    ``nav``), body, packed chunks, script."""
    links = "".join(f'<a href="#{esc(anchor)}">{esc(text)}</a>' for anchor, text in nav)
    stream.write(
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="dynotrace {esc(__version__)}">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{_script_safe(asset('report.css'))}</style>\n"
        "</head><body>\n"
        f'<header><h1>{heading}</h1>{headline}<nav>{links}</nav>'
        '<input id="search" type="search" placeholder="Search functions, compiles, causes, files, graph breaks" hidden>'
        "</header>\n<main>\n"
    )
    stream.write(body)
    stream.write(
        f'<p class="footer">Written by dynotrace {esc(__version__)}. One file: everything it shows is inside it.</p>'
        "</main>\n"
    )
    for script in packer.scripts():
        stream.write(script)
    stream.write(f"<script>{_script_safe(asset('report.js'))}</script>\n</body></html>\n")


class HtmlRenderer(Renderer):
    name = "html"

    def report(self, job: JobReport, stream: TextIO) -> None:
        packer = Packer()
        artifacts = self.options.artifacts
        timing = self.options.timing
        title = f"dynotrace: {job.run.command.removeprefix('dynotrace explain ')}"
        if not job.distributed:
            view = ReportView(job.report, artifacts.get(0) if artifacts is not None else None, packer, timing=timing)
            nav = [("fix", "Fix first"), ("timeline", "Timeline"), ("time", "Where compile time went"), ("functions", "Functions"), ("breaks", "Graph breaks")]
            write_page(stream, title, run_title(job.run), view.headline(), nav, view.body(with_headline=False), packer)
            return
        nav = [("job", "Ranks and divergence")] + [(f"rank{g[0]}", f"rank {g[0]}") for g in job.groups]
        write_page(stream, title, run_title(job.run), job_headline(job, timing), nav, job_body(job, artifacts, packer, timing), packer)

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        packer = Packer()
        labels = self.options.labels
        title = f"dynotrace diff: {diff.before.command} / {diff.after.command}"
        heading = f'dynotrace diff <span class="dim">{esc(labels[0])} → {esc(labels[1])}</span>'
        write_page(stream, title, heading, "", [("verdict", "Verdict")], diff_body(diff, labels), packer)
