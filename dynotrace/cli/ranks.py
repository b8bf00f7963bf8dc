"""What ``explain`` and ``check`` do when this process is one rank of a live job other
than rank 0: keep its findings when rank 0 did not gather them.

Imported only under a launcher (``RANK``/``WORLD_SIZE`` set, see
``dynotrace.ranks.launcher``).
"""

from __future__ import annotations

import sys

import click

from dynotrace.cli.output import render_subject, write_subject
from dynotrace.ranks.live import RankRun, fallback_message, other_rank_wait, print_problem, rank_output_path
from dynotrace.reports.terminal import TerminalOptions


def finish_other_rank(
    run: RankRun,
    *,
    output: str | None,
    fmt: str | None,
    quiet: bool,
    timeout: float,
    width: int | None,
    color: bool | None,
    options: TerminalOptions,
) -> None:
    """A rank other than 0: once rank 0 has said its capture is in the job's report,
    nothing more to do; else keep this rank's findings: its own report beside ``-o``
    (``NAME.rankN.EXT``), or on the terminal without ``-o``."""
    wait = other_rank_wait(run, timeout)
    said = run.wait_for_rank0(wait or 0.0)  # with no wait: one look
    if said is not None and said.get("written") and run.env.rank in (said.get("ranks") or []):
        return
    if wait is None and said is None and run.exchange is not None:
        return  # rank 0 has not gathered yet: it will find this rank's capture waiting
    report = run.result.report
    if output and _is_file(output):
        path = rank_output_path(output, run.env.rank)
        write_subject(report, path, fmt)
        click.echo(fallback_message(run, said, f"in {path}"), err=True)
    elif output:
        # -o names no file (stdout, a device, a FIFO): there is nowhere beside it to write.
        click.echo(fallback_message(run, said, f"not kept: -o {output} is not a file"), err=True)
    elif not quiet:
        click.echo(fallback_message(run, said, "printed below"), err=True)
        render_subject(report, sys.__stdout__, width=width, color=color, options=options)


def _is_file(output: str) -> bool:
    from dynotrace.errors import InputError
    from dynotrace.reports.output import output_target

    try:
        return output_target(output).kind == "file"
    except InputError:
        return False


__all__ = ["finish_other_rank", "print_problem"]
