"""``dynotrace diff BEFORE AFTER``: what changed between two reports, and is it a regression.

Reads two report files and nothing else: no torch import, so it starts fast.
"""

from __future__ import annotations

import sys

import click

from dynotrace.errors import EXIT_OK, EXIT_REGRESSION, DynotraceError

#: Same as ``dynotrace.reports.diff_render.DIFF_FORMATS`` (not imported: it loads rich).
FORMATS = ("terminal", "yaml", "json", "markdown")
FAIL_ON_HELP = (
    "What counts as a regression, comma-separated: graph-breaks (a new graph break), recompiles "
    "(a function recompiles more), guards (a guard added or changed), limit (any recompile-limit "
    "hit in AFTER); all or none. Default: graph-breaks,recompiles,limit, or fail-on in "
    "[tool.dynotrace] of pyproject.toml."
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
        from dynotrace.reports.diff import DEFAULT_FAIL_ON, diff_reports, parse_fail_on
        from dynotrace.reports.diff_render import diff_format_for, write_diff
        from dynotrace.reports.files import load_reports
        from dynotrace.reports.output import open_output, writes_to_stdout

        policy = parse_fail_on(fail_on) if fail_on is not None else load_settings().fail_on or DEFAULT_FAIL_ON
        a, b = load_reports(before, after)
        result = diff_reports(a, b, policy)
        chosen = diff_format_for(output, fmt)
        if output and not writes_to_stdout(output):
            with open_output(output) as stream:
                write_diff(result, stream, chosen, width=width or 100, color=False)
        else:
            sys.stdout.flush()
            write_diff(result, sys.stdout, chosen, width=width, color=color)
        if sarif:
            from dynotrace.reports.sarif import sarif_log, write_sarif

            write_sarif(sarif_log(b, diff=result), sarif)
    except DynotraceError as exc:
        fail(str(exc), exc.exit_code)
        return
    sys.exit(EXIT_REGRESSION if result.regressed else EXIT_OK)


__all__ = ["diff"]
