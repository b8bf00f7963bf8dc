"""The terminal format: what a person reads (``terminal_job``/``terminal_run`` for a
report, ``terminal_diff`` for a diff or a check)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from dynotrace.renderers.base import Renderer

if TYPE_CHECKING:
    from dynotrace.compare.gate import CheckOutcome
    from dynotrace.compare.jobs import JobDiff
    from dynotrace.model import JobReport


class TerminalRenderer(Renderer):
    # Each subject's module is imported when one is shown: a diff needs none of a report's
    # layout (its panels among others), a report none of a check's verdicts.
    name = "terminal"

    def report(self, job: JobReport, stream: TextIO) -> None:
        from dynotrace.renderers.terminal_job import render_job_terminal

        render_job_terminal(job, stream, options=self.options)

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        from dynotrace.renderers.terminal_diff import render_diff

        render_diff(diff, stream, options=self.options)

    def check(self, outcome: CheckOutcome, stream: TextIO) -> None:
        from dynotrace.renderers.terminal_diff import render_check

        render_check(outcome, stream, options=self.options)
