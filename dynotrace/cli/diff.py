"""``dynotrace diff BEFORE AFTER``: what changed between two reports, and is it a regression.

Reads two report files and nothing else: no torch import, so it starts fast.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import click

from dynotrace.cli.common import exit_leaving_objects, fail, fail_on_option, terminal_options
from dynotrace.errors import EXIT_OK, EXIT_REGRESSION, DynotraceError

#: The formats of a diff (``dynotrace.renderers``).
FORMATS = ("terminal", "yaml", "json", "markdown", "html")


@click.command(
    epilog="""\b
Examples:
  dynotrace diff before.yaml after.yaml
  dynotrace diff before.yaml after.yaml --format markdown -o diff.md
  dynotrace diff before.yaml after.yaml -o diff.html   side by side, in one page
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
@click.option("-o", "--output", metavar="FILE", help="Write the diff to FILE (.md, .json, .yaml, .html pick the format); `-` for stdout.")
@fail_on_option
@click.option("--sarif", metavar="FILE", help="Also write AFTER's graph breaks and recompiles as SARIF 2.1.0, marked new or unchanged.")
@terminal_options
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
    try:
        from dynotrace import api
        from dynotrace.compare.policy import parse_fail_on
        from dynotrace.config import load_settings
        from dynotrace.renderers import format_for

        # --fail-on wins (`none` included); an empty fail-on in pyproject means the default.
        configured = parse_fail_on(fail_on) if fail_on is not None else (load_settings().fail_on or None)
        a, b = api.load_pair(before, after)
        # The two reports live until the command exits and hold no reference cycles; left
        # in the collector's youngest generation, they would be walked by its next passes
        # (0.3 s for two 50,000-guard reports). Frozen, the collector skips them.
        gc.freeze()
        chosen = format_for(output, fmt, default="terminal", among=FORMATS)
        result = api.compare(a, b, fail_on=configured)
        to_file = bool(output) and not api.writes_to_stdout(output or "-")
        # A file gets plain text, 100 wide unless told.
        terminal: dict[str, Any] = {"width": width or 100, "color": False} if to_file else {"width": width, "color": color}
        if not to_file:
            sys.stdout.flush()
        api.render(result, chosen, output if to_file else sys.stdout, **(terminal if chosen == "terminal" else {}))
        if sarif:
            api.render(result, "sarif", sarif)
    except DynotraceError as exc:
        fail(str(exc), exc.exit_code)
    exit_leaving_objects(EXIT_REGRESSION if result.regressions else EXIT_OK)


__all__ = ["diff"]
