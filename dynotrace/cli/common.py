"""What the commands share: the options they have in common (declared once here), how a
target is given, and how an error becomes one line and an exit code.

Importing this module must not import torch or rich (``dynotrace --help`` stays fast).
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from dynotrace.errors import EXIT_USAGE

F = TypeVar("F", bound=Callable[..., Any])

#: The same as ``dynotrace.api.BACKENDS`` (not imported: the API is loaded when a command runs).
BACKEND_CHOICES = ("eager", "aot_eager", "inductor")

FAIL_ON_HELP = (
    "What counts as a regression, comma-separated: graph-breaks (a new graph break), recompiles "
    "(a function recompiles more), guards (a guard added or changed), limit (a function hits the "
    "recompile limit more often), divergence (ranks of a distributed job that did not compile alike, or a missing "
    "rank); all or none. Default: graph-breaks,recompiles,limit (and divergence for multi-rank "
    "reports), or fail-on in [tool.dynotrace] of pyproject.toml."
)


#: Set by ``dynotrace.cli.main.main``: the command is the whole process (the console script
#: or ``python -m dynotrace``), not called from other Python code (click's ``CliRunner``).
_owns_process = False


def own_process() -> None:
    """Say that the command running is the whole process (``exit_leaving_objects``)."""
    global _owns_process
    _owns_process = True


def exit_leaving_objects(code: int) -> NoReturn:
    """Exit with ``code`` without freeing the process's objects one by one, when the
    command is the whole process; else ``sys.exit(code)``.

    ``dynotrace diff`` of two 50,000-guard reports holds a million objects; freeing them
    as the interpreter shuts down took 0.05 s, a tenth of the command, for a memory the
    operating system takes back at once. The standard streams are flushed first (nothing
    else of the process needs its shutdown: files written are closed by then)."""
    if not _owns_process:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: let the interpreter's own exit deal with it
        sys.exit(code)
    os._exit(code)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr, and exit with ``code``."""
    click.echo(f"dynotrace: error: {message}", err=True)
    sys.exit(code)


def target_options(f: F) -> F:
    """``[SCRIPT [ARGS]...]``, ``-m`` and ``--trace``: what to run, or the log to read."""
    f = click.option(
        "--trace",
        "trace_path",
        metavar="PATH",
        help="Read a TORCH_TRACE file or directory (the logs of every rank of a job) instead of running a script.",
    )(f)
    f = click.option("-m", "--module", "as_module", is_flag=True, help="Run a module like `python -m` (SCRIPT is a module name).")(f)
    return click.argument("target", nargs=-1, type=click.UNPROCESSED, metavar="[SCRIPT [ARGS]...]")(f)  # type: ignore[no-any-return]


def backend_option(f: F) -> F:
    return click.option(  # type: ignore[no-any-return]
        "--backend",
        type=click.Choice(BACKEND_CHOICES),
        help="Make the script's torch.compile calls use this backend. Guards and graph breaks "
        "come from Dynamo whatever the backend; eager is the fastest. Default: leave them alone.",
    )(f)


def rank_timeout_option(f: F) -> F:
    return click.option(  # type: ignore[no-any-return]
        "--rank-timeout",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        help="Under torchrun: how long rank 0 waits for the other ranks' captures after its script ended, "
        "and each other rank for rank 0 (default 120). A rank missing by then is named in the report.",
    )(f)


def terminal_options(f: F) -> F:
    """``--width`` and ``--color/--no-color``."""
    f = click.option(
        "--color/--no-color",
        default=None,
        help="Force colour on or off (default: colour on a terminal, off when piped or NO_COLOR is set).",
    )(f)
    return click.option("--width", type=click.IntRange(40, 400), help="Terminal width (default: the terminal's).")(f)  # type: ignore[no-any-return]


def fail_on_option(f: F) -> F:
    return click.option("--fail-on", "fail_on", metavar="LIST", help=FAIL_ON_HELP)(f)  # type: ignore[no-any-return]


def script_args(target: tuple[str, ...], trace_path: str | None, command: str) -> list[str]:
    """The script and its arguments (a leading ``--`` dropped); exits with a usage error
    when both or neither of a script and ``--trace`` are given."""
    args = list(target)
    if args and args[0] == "--":
        args = args[1:]
    if trace_path is not None and args:
        fail("give either a script or --trace, not both")
    if trace_path is None and not args:
        fail(f"no script given (try `dynotrace {command} --help`)")
    return args


def command_line(command: str, args: list[str]) -> str:
    """The command as a user would type it, with this machine's paths left out.

    Bytes of an argument that are not UTF-8 (a file name, decoded by python as lone
    surrogates) are shown as ``\\xff`` escapes: the report must be writable as UTF-8.
    """
    shown = []
    cwd = os.getcwd() + os.sep
    for arg in args:
        arg = arg.removeprefix(cwd)
        shown.append(os.fsencode(arg).decode("utf-8", "backslashreplace"))
    return f"dynotrace {command} " + shlex.join(shown)


def perfetto_option(f: F) -> F:
    return click.option(  # type: ignore[no-any-return]
        "--perfetto",
        metavar="FILE",
        help="Also write the compile timeline as Chromium trace events (JSON), for ui.perfetto.dev or "
        "chrome://tracing: a track per function, a slice per compile with its phases, graph breaks as marks.",
    )(f)
