"""Write and print what a command produced: one run's ``Report``, or a distributed job's
``JobReport`` (whose modules are imported only for a job)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from dynotrace.model import Report
from dynotrace.reports.output import writes_to_stdout

if TYPE_CHECKING:
    from dynotrace.ranks.files import RankSections
    from dynotrace.ranks.model import JobReport
    from dynotrace.reports.terminal import TerminalOptions


def write_subject(
    subject: Report | JobReport, output: str, fmt: str | None, sections: RankSections | None = None
) -> None:
    """Write a report or a job's report to ``output``, atomically."""
    if isinstance(subject, Report):
        from dynotrace.reports.files import write_report

        write_report(subject, output, fmt)
        return
    from dynotrace.ranks.files import write_job

    write_job(subject, output, fmt, sections)


def render_subject(
    subject: Report | JobReport,
    stream: TextIO | None,
    *,
    width: int | None,
    color: bool | None,
    options: TerminalOptions,
    rank: int | None = None,
) -> None:
    """The terminal report of a run, or of a job (``rank``: that rank's report only)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if isinstance(subject, Report):
        from dynotrace.reports.terminal import render_terminal

        render_terminal(subject, stream, width=width, color=color, options=options)
        return
    from dynotrace.ranks.terminal import render_job_terminal

    render_job_terminal(subject, stream, width=width, color=color, options=options, rank=rank)


def shows_terminal(quiet: bool, output: str | None) -> bool:
    """Whether the terminal report is printed: not with ``-q``, nor when ``-o`` is stdout."""
    return not quiet and not (output and writes_to_stdout(output))
