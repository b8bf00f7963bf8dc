"""The terminal format: what a person reads (``terminal_job``/``terminal_run`` for a
report, ``terminal_diff`` for a diff or a check)."""

from __future__ import annotations

from typing import TextIO

from dynotrace.compare.gate import CheckOutcome
from dynotrace.compare.jobs import JobDiff
from dynotrace.model import JobReport
from dynotrace.renderers.base import Renderer
from dynotrace.renderers.terminal_diff import render_check, render_diff
from dynotrace.renderers.terminal_job import render_job_terminal


class TerminalRenderer(Renderer):
    name = "terminal"

    def report(self, job: JobReport, stream: TextIO) -> None:
        render_job_terminal(job, stream, options=self.options)

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        render_diff(diff, stream, options=self.options)

    def check(self, outcome: CheckOutcome, stream: TextIO) -> None:
        render_check(outcome, stream, options=self.options)
