"""dynotrace's exception family and its documented exit codes.

Every error dynotrace raises on purpose is a ``DynotraceError``; the CLI prints its message
as one line on stderr and exits with its ``exit_code``.
"""

from __future__ import annotations

#: The command did what was asked and found nothing to fail on.
EXIT_OK = 0
#: ``diff``/``check`` found a regression. (A target script's own failure passes its code through.)
EXIT_REGRESSION = 1
#: Bad usage or unreadable input: missing script, malformed report, bad trace in --strict.
EXIT_USAGE = 2


class DynotraceError(Exception):
    """An error dynotrace reports as one clear line and an exit code."""

    exit_code = EXIT_USAGE


class UsageError(DynotraceError):
    """The command line asks for something that cannot be done."""


class InputError(DynotraceError):
    """A file or script given to dynotrace cannot be read or run."""


class NoTargetError(InputError):
    """The script or module to run does not exist or is not runnable Python."""
