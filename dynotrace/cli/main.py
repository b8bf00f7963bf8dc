"""The ``dynotrace`` command. Thin: each command parses its options, calls the API, and
maps ``DynotraceError`` to one line on stderr and its exit code.

Importing this module must not import torch (``dynotrace --help`` stays fast); commands
import what they need when they run.
"""

from __future__ import annotations

import click

from dynotrace.cli.check import check
from dynotrace.cli.common import fail, own_process
from dynotrace.cli.diff import diff
from dynotrace.cli.explain import explain
from dynotrace.cli.html import html
from dynotrace.errors import DynotraceError
from dynotrace.version import __version__

EXIT_CODES_HELP = """\b
Exit codes:
  0    success (for explain: the script exited 0)
  1    diff/check found a regression
  2    usage or input error (missing script, unreadable report or trace)
  N    explain passes on the script's own exit code (1 for an uncaught exception,
       130 after Ctrl-C, 143 after SIGTERM)
"""


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, "-V", "--version", prog_name="dynotrace")
def cli() -> None:
    """Explain what torch.compile did to your program: graph breaks, guards, dynamic
    shapes and recompiles, straight from TorchDynamo.

    \b
    Start with:
      dynotrace explain train.py --epochs 1          run it, print the explanation
      dynotrace explain train.py -o report.yaml       ... and save a versioned report
      dynotrace explain train.py -o report.html       ... or one page to open and share
      dynotrace explain --trace /tmp/torch_trace      read a TORCH_TRACE log instead
    """


def main(prog_name: str | None = None) -> None:
    """Console-script entry point."""
    own_process()
    try:
        cli.main(prog_name=prog_name or "dynotrace", standalone_mode=True)
    except DynotraceError as exc:  # pragma: no cover - commands catch their own
        fail(str(exc), exc.exit_code)


cli.add_command(explain)
cli.add_command(diff)
cli.add_command(check)
cli.add_command(html)

__all__ = ["cli", "main"]
