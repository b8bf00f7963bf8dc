"""``dynotrace explain``: run a script (or read a TORCH_TRACE log) and explain it."""

from __future__ import annotations

import os
import shlex
import sys

from typing import TYPE_CHECKING

import click

from dynotrace.errors import EXIT_USAGE, DynotraceError

if TYPE_CHECKING:  # imported when the command runs, to keep `dynotrace --help` fast
    from dynotrace.ranks.launcher import RankEnv
    from dynotrace.reports.terminal import TerminalOptions

BACKEND_CHOICES = ("eager", "aot_eager", "inductor")


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True},
    epilog="""\b
Examples:
  dynotrace explain train.py --epochs 1
  dynotrace explain train.py --epochs 1 -o report.yaml
  dynotrace explain -m mypkg.train -o report.json
  dynotrace explain --backend eager train.py        fast: skip inductor codegen
  dynotrace explain --trace /tmp/trace_dir          a TORCH_TRACE log, offline
  dynotrace explain train.py -- -o out.bin          after --, every argument is the script's

\b
Distributed jobs:
  torchrun --nproc-per-node 4 -m dynotrace explain train.py -o report.yaml
  dynotrace explain --trace /shared/trace_dir       logs of every rank, read rank by rank
  dynotrace explain --trace /shared/trace_dir --rank 3

The script runs as `python SCRIPT ARGS` would run it (sys.argv, sys.path[0], __main__).
Arguments dynotrace does not know go to the script; write them after `--` when they
clash with dynotrace's own options. Under torchrun (or any launcher that sets RANK and
WORLD_SIZE) each rank captures itself and rank 0 prints one report for the job and
writes one -o file holding every rank's report; the divergence between ranks comes
first.""",
)
@click.argument("target", nargs=-1, type=click.UNPROCESSED, metavar="[SCRIPT [ARGS]...]")
@click.option("-m", "--module", "as_module", is_flag=True, help="Run a module like `python -m` (SCRIPT is a module name).")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Save the report: YAML, or JSON when FILE ends in .json; `-` for stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    help="Report format for -o, when its extension does not say.",
)
@click.option(
    "--backend",
    type=click.Choice(BACKEND_CHOICES),
    help="Make the script's torch.compile calls use this backend. Guards and graph breaks "
    "come from Dynamo whatever the backend; eager is the fastest. Default: leave them alone.",
)
@click.option(
    "--trace",
    "trace_path",
    metavar="PATH",
    help="Read a TORCH_TRACE file or directory instead of running a script.",
)
@click.option("--strict", is_flag=True, help="With --trace: fail on malformed lines, bad checksums and unknown events.")
@click.option("-q", "--quiet", is_flag=True, help="Print no terminal report (use with -o).")
@click.option(
    "--only",
    type=click.Choice(["breaks", "recompiles", "shapes", "guards"]),
    multiple=True,
    help="Show only these sections (repeatable).",
)
@click.option("--function", "function_name", metavar="NAME", help="Show only functions whose name (or Class.method) contains NAME.")
@click.option("--guards", "list_guards", is_flag=True, help="List every guard of every compile, with the user line that made it.")
@click.option(
    "--full",
    is_flag=True,
    help="Explain every recompile in full; by default a cause already explained at an earlier "
    "compile of the function gets one line.",
)
@click.option("--no-timing", is_flag=True, help="Leave compile times out of the terminal report, so two runs print the same.")
@click.option(
    "--rank",
    "show_rank",
    type=click.IntRange(min=0),
    metavar="N",
    help="For a distributed job: show rank N's report (default: one report per group of ranks that compiled the same way).",
)
@click.option(
    "--rank-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Under torchrun: how long rank 0 waits for the other ranks' captures after its script ended, "
    "and each other rank for rank 0 (default 120). A rank missing by then is named in the report.",
)
@click.option("--width", type=click.IntRange(40, 400), help="Terminal report width (default: the terminal's).")
@click.option(
    "--color/--no-color",
    default=None,
    help="Force colour on or off (default: colour on a terminal, off when piped or NO_COLOR is set).",
)
def explain(
    target: tuple[str, ...],
    as_module: bool,
    output: str | None,
    fmt: str | None,
    backend: str | None,
    trace_path: str | None,
    strict: bool,
    quiet: bool,
    only: tuple[str, ...],
    function_name: str | None,
    list_guards: bool,
    full: bool,
    no_timing: bool,
    show_rank: int | None,
    rank_timeout: float | None,
    width: int | None,
    color: bool | None,
) -> None:
    """Run SCRIPT under torch.compile and explain its graph breaks, guards, dynamic shapes
    and recompiles.

    Prints a report per compiled function; -o saves a versioned YAML/JSON report that
    `dynotrace diff` and CI can compare. Exits with the script's own exit code.
    """
    from dynotrace.cli.main import fail

    args = list(target)
    if args and args[0] == "--":
        args = args[1:]
    if trace_path is not None and args:
        fail("give either a script or --trace, not both")
    if trace_path is None and not args:
        fail("no script given (try `dynotrace explain --help`)")
    if trace_path is None and strict:
        fail("--strict applies to --trace only")
    from dynotrace.capture.session import sigterm_as_exit
    from dynotrace.reports.terminal import TerminalOptions

    options = TerminalOptions(only=frozenset(only), function=function_name, guards=list_guards, timing=not no_timing, full=full)
    # SIGTERM (a CI timeout, `kill`) while a log is read or the report is written ends the
    # command through SystemExit(143) too, so a half-written temporary file is removed.
    with sigterm_as_exit():
        try:
            sections = None
            if trace_path is not None:
                from dynotrace.ranks.offline import read_trace_any

                subject, sections = read_trace_any(
                    trace_path, strict=strict, command=_command(["--trace", trace_path]), section_format=_format(output, fmt)
                )
                exit_code = 0
            else:
                from dynotrace.ranks.launcher import rank_env

                shown = (["-m"] if as_module else []) + args
                env = rank_env()
                if env is not None:
                    _explain_rank(args, env, as_module, backend, _command(shown), output, fmt, quiet, rank_timeout, show_rank, width, color, options)
                    return
                from dynotrace.capture.session import capture_target

                result = capture_target(args, as_module=as_module, backend=backend, command=_command(shown))
                subject = result.report
                exit_code = result.exit_code
            from dynotrace.cli.output import render_subject, shows_terminal, write_subject

            if show_rank is not None and not hasattr(subject, "ranks"):
                click.echo("dynotrace: warning: --rank applies to a distributed job's report; this is one process's", err=True)
            if output:
                write_subject(subject, output, fmt, sections)
            if shows_terminal(quiet, output):
                render_subject(subject, sys.__stdout__, width=width, color=color, options=options, rank=show_rank)
        except DynotraceError as exc:
            fail(str(exc), exc.exit_code)
    sys.exit(exit_code)


def _format(output: str | None, fmt: str | None) -> str | None:
    """The format ``-o`` will be written in (``None`` without ``-o``)."""
    if not output:
        return None
    from dynotrace.reports.files import format_for

    return fmt or format_for(output)


def _explain_rank(
    args: list[str],
    env: RankEnv,
    as_module: bool,
    backend: str | None,
    command: str,
    output: str | None,
    fmt: str | None,
    quiet: bool,
    timeout: float | None,
    show_rank: int | None,
    width: int | None,
    color: bool | None,
    options: TerminalOptions,
) -> None:
    """One rank of a live job: capture; rank 0 writes and prints the job's report once."""
    from dynotrace.cli.ranks import finish_other_rank, print_problem
    from dynotrace.cli.output import render_subject, shows_terminal, write_subject
    from dynotrace.ranks.live import DEFAULT_TIMEOUT_S, run_rank

    wait = DEFAULT_TIMEOUT_S if timeout is None else timeout
    run = run_rank(args, env=env, as_module=as_module, backend=backend, command=command, output=output, timeout=wait)
    print_problem(run)
    if run.job is None:
        finish_other_rank(run, output=output, fmt=fmt, quiet=quiet, timeout=wait, width=width, color=color, options=options)
        sys.exit(run.exit_code)
    written = False
    try:
        if output:
            write_subject(run.job, output, fmt)
            # The file is what the other ranks wait for: they may go before it is printed.
            written = True
            run.finish(written=True, output=output)
        if shows_terminal(quiet, output):
            render_subject(run.job, sys.__stdout__, width=width, color=color, options=options, rank=show_rank)
        written = True
    finally:
        run.finish(written=written, output=output)
    sys.exit(run.exit_code)


def _command(args: list[str]) -> str:
    """The command as a user would type it, with this machine's paths left out.

    Bytes of an argument that are not UTF-8 (a file name, decoded by python as lone
    surrogates) are shown as ``\\xff`` escapes: the report must be writable as UTF-8.
    """
    shown = []
    cwd = os.getcwd() + os.sep
    for arg in args:
        arg = arg.removeprefix(cwd)
        shown.append(os.fsencode(arg).decode("utf-8", "backslashreplace"))
    return "dynotrace explain " + shlex.join(shown)


__all__ = ["EXIT_USAGE", "explain"]
