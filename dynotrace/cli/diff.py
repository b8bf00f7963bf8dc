"""``dynotrace diff BEFORE AFTER``: what changed between two reports, and is it a regression.

Reads two report files and nothing else: no torch import, so it starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import click

from dynotrace.errors import EXIT_OK, EXIT_REGRESSION, DynotraceError

if TYPE_CHECKING:
    from dynotrace.model import Report
    from dynotrace.ranks.model import JobReport
    from dynotrace.reports.diff import ReportDiff

#: Same as ``dynotrace.reports.diff_render.DIFF_FORMATS`` (not imported: it loads rich).
FORMATS = ("terminal", "yaml", "json", "markdown")
FAIL_ON_HELP = (
    "What counts as a regression, comma-separated: graph-breaks (a new graph break), recompiles "
    "(a function recompiles more), guards (a guard added or changed), limit (any recompile-limit "
    "hit in AFTER), divergence (ranks of a distributed job that did not compile alike, or a missing "
    "rank); all or none. Default: graph-breaks,recompiles,limit (and divergence for multi-rank "
    "reports), or fail-on in [tool.dynotrace] of pyproject.toml."
)
@click.command(
    epilog="""\b
Examples:
  dynotrace diff before.yaml after.yaml
  dynotrace diff before.yaml after.yaml --format markdown -o diff.md
  dynotrace diff before.yaml after.yaml --fail-on graph-breaks,recompiles,guards

\b
Functions are matched by file and name, graph breaks by their site (GB id, file,
function and the source line's text), so code that only moved is shown as moved
and is not a regression. Exit codes: 0 no regression, 1 regression, 2 unreadable
report or bad usage.""",
)
@click.argument("before", metavar="BEFORE")
@click.argument("after", metavar="AFTER")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from -o's extension, else terminal).")
@click.option("-o", "--output", metavar="FILE", help="Write the diff to FILE (.md, .json, .yaml pick the format); `-` for stdout.")
@click.option("--fail-on", "fail_on", metavar="LIST", help=FAIL_ON_HELP)
@click.option("--sarif", metavar="FILE", help="Also write AFTER's graph breaks and recompiles as SARIF 2.1.0, marked new or unchanged.")
@click.option("--width", type=click.IntRange(40, 400), help="Terminal width (default: the terminal's).")
@click.option("--color/--no-color", default=None, help="Force colour on or off (default: on a terminal, unless NO_COLOR).")
def diff(
    before: str,
    after: str,
    fmt: str | None,
    output: str | None,
    fail_on: str | None,
    sarif: str | None,
    width: int | None,
    color: bool | None,
) -> None:
    """Compare two dynotrace reports (from `explain -o` or `check -o`): graph breaks added,
    removed or moved, recompiles and their causes, guards, shape constraints, and the
    summary counts. Exits 1 when AFTER regressed."""
    from dynotrace.cli.main import fail

    try:
        from dynotrace.config import load_settings
        from dynotrace.model import Report
        from dynotrace.ranks.files import load_any_pair
        from dynotrace.reports.diff import DEFAULT_FAIL_ON, diff_reports, parse_fail_on
        from dynotrace.reports.diff_render import diff_format_for, write_diff

        # --fail-on wins (`none` included); an empty fail-on in pyproject means the default.
        configured = parse_fail_on(fail_on) if fail_on is not None else (load_settings().fail_on or None)
        a, b = load_any_pair(before, after)
        chosen = diff_format_for(output, fmt)
        if isinstance(a, Report) and isinstance(b, Report):
            result = diff_reports(a, b, configured if configured is not None else DEFAULT_FAIL_ON)
            _emit(lambda stream, w, c: write_diff(result, stream, chosen, width=w, color=c), output, width, color)
            regressions = result.regressions
            sarif_of: tuple[Report, ReportDiff | None] = (b, result)
        else:
            from dynotrace.ranks.diff import DIVERGENCE, diff_jobs
            from dynotrace.ranks.diff_render import write_job_diff

            # A distributed job: ranks that do not compile alike fail by default too.
            job_diff = diff_jobs(a, b, configured if configured is not None else DEFAULT_FAIL_ON | {DIVERGENCE})
            _emit(lambda stream, w, c: write_job_diff(job_diff, stream, chosen, width=w, color=c), output, width, color)
            regressions = job_diff.regressions
            sarif_of = (_first_rank(b), None)
        if sarif:
            from dynotrace.reports.sarif import sarif_log, write_sarif

            report, report_diff = sarif_of
            write_sarif(sarif_log(report, diff=report_diff, regressions=() if report_diff else regressions), sarif)
    except DynotraceError as exc:
        fail(str(exc), exc.exit_code)
        return
    sys.exit(EXIT_REGRESSION if regressions else EXIT_OK)


def _emit(write: Callable[[TextIO, int | None, bool | None], None], output: str | None, width: int | None, color: bool | None) -> None:
    """Write the diff to ``-o`` (plain, 100 wide unless told) or to stdout."""
    from dynotrace.reports.output import open_output, writes_to_stdout

    if output and not writes_to_stdout(output):
        with open_output(output) as stream:
            write(stream, width or 100, False)
    else:
        sys.stdout.flush()
        write(sys.stdout, width, color)


def _first_rank(subject: Report | JobReport) -> Report:
    """The report SARIF describes for a job: that of the lowest rank of its largest group
    of ranks that compiled alike (each group's code sites are the same code)."""
    from dynotrace.model import Report

    if isinstance(subject, Report):
        return subject
    rank = subject.groups[0][0] if subject.groups else min(subject.ranks)
    return subject.ranks[rank]


__all__ = ["diff"]
