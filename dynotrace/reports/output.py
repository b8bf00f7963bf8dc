"""The one owner of output files: ``-`` means stdout, parent directories are created, and a
file is replaced atomically, so a reader never sees half a report and a failed write leaves
the previous file as it was."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from dynotrace.errors import InputError


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """A text stream for ``path``; the file appears only if the block finishes."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = os.path.abspath(path)
    if os.path.isdir(target):
        raise InputError(f"Cannot write the report to {path!r}: it is a directory")
    directory = os.path.dirname(target)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".dynotrace-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"Cannot write the report to {path!r}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            if hasattr(os, "fchmod"):  # not on Windows, where mkstemp's mode is no issue
                os.fchmod(fd, _file_mode(target))
            yield stream
        os.replace(temp, target)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            # The disk is full, a file size limit was hit, the directory went away: the
            # old file is still whole, and the user needs one line, not a traceback.
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise InputError(f"Cannot write the report to {path!r}: {reason}") from None
        raise


def _file_mode(target: str) -> int:
    """The permissions the report file gets: those of the file it replaces, else what
    ``open()`` would give a new file (0666 less the umask), not mkstemp's private 0600."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask
