"""``dynotrace html REPORT -o PAGE``: a saved report as one self-contained HTML page.

Reads a report file and nothing else (no torch import). The page holds what the file
holds: the explanation, the timeline and, for reports of schema 3, where compile time
went; the compiled graphs and code are only in pages written from a run or a log
(``dynotrace explain SCRIPT -o page.html``), and the page says so.
"""

from __future__ import annotations

import sys

import click

from dynotrace.cli.common import fail, perfetto_option
from dynotrace.errors import DynotraceError


@click.command(
    epilog="""\b
Examples:
  dynotrace html report.yaml -o report.html
  dynotrace html job.yaml -o job.html --perfetto job-trace.json
  dynotrace explain train.py -o report.html      from a run: graphs and code included
  dynotrace diff before.yaml after.yaml -o diff.html""",
)
@click.argument("report", metavar="REPORT")
@click.option("-o", "--output", metavar="FILE", required=True, help="Where to write the page; `-` for stdout.")
@perfetto_option
def html(report: str, output: str, perfetto: str | None) -> None:
    """Write a saved report (from `explain -o` or `check -o`, one run or a job) as one
    self-contained HTML page to open, share or attach."""
    try:
        from dynotrace import api

        job = api.load_any(report)
        api.render(job, "html", output)
        if perfetto:
            api.render(job, "perfetto", perfetto)
    except DynotraceError as exc:
        fail(str(exc), exc.exit_code)
    sys.exit(0)


__all__ = ["html"]
