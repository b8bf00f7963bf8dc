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
            yield stream
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
