"""``dynotrace explain``: run a script (or read a TORCH_TRACE log) and explain it."""

from __future__ import annotations

import os
import shlex
import sys

import click

from dynotrace.errors import EXIT_USAGE, DynotraceError

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

The script runs as `python SCRIPT ARGS` would run it (sys.argv, sys.path[0], __main__).
Arguments dynotrace does not know go to the script; write them after `--` when they
clash with dynotrace's own options.""",
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

    # SIGTERM (a CI timeout, `kill`) while a log is read or the report is written ends the
    # command through SystemExit(143) too, so a half-written temporary file is removed.
    with sigterm_as_exit():
        try:
            if trace_path is not None:
                from dynotrace.api import read_trace_report

                report = read_trace_report(trace_path, strict=strict, command=_command(["--trace", trace_path]))
                exit_code = 0
            else:
                from dynotrace.capture.session import capture_target

                shown = (["-m"] if as_module else []) + args
                result = capture_target(args, as_module=as_module, backend=backend, command=_command(shown))
                report = result.report
                exit_code = result.exit_code
            from dynotrace.reports.output import writes_to_stdout

            if output:
                from dynotrace.reports.files import write_report

                write_report(report, output, fmt)
            if not quiet and not (output and writes_to_stdout(output)):
                from dynotrace.reports.terminal import TerminalOptions, render_terminal

                sys.stdout.flush()
                sys.stderr.flush()
                options = TerminalOptions(
                    only=frozenset(only), function=function_name, guards=list_guards, timing=not no_timing, full=full
                )
                render_terminal(report, sys.__stdout__, width=width, color=color, options=options)
        except DynotraceError as exc:
            fail(str(exc), exc.exit_code)
    sys.exit(exit_code)


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
