"""The one owner of output files: ``-`` means stdout, parent directories are created, and a
regular file is replaced atomically, so a reader never sees half a report and a failed
write leaves the previous file as it was.

Only a regular file (or a path that does not exist yet) is replaced. Anything else the user
names is written into, never renamed over or unlinked: a character device (``/dev/null``),
a FIFO, this process's own descriptors (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``,
``/proc/self/fd/N``), and a symlink to any of them. A symlink to a regular file replaces
the file it points to and leaves the link alone.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TextIO

from dynotrace.errors import InputError

# Paths the kernel resolves to an open descriptor, not to a file in a directory: renaming
# over them fails at best, and a regular file behind one must be written through the
# descriptor (whose offset the shell's redirection owns), not truncated and replaced.
_DESCRIPTOR_PATH = re.compile(r"^/(?:proc/(?P<pid>self|\d+)/fd|dev/fd)/(?P<fd>\d+)$")
_STD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
# Symlink chains longer than this are loops; the kernel's own limit is 40.
_MAX_LINKS = 40

OutputKind = Literal["stdout", "descriptor", "stream", "file"]


@dataclass(frozen=True)
class OutputTarget:
    """Where a path given for output really leads, and how it must be written.

    * ``stdout``: ``-``.
    * ``descriptor``: one of this process's open descriptors (``fd``), written through a
      duplicate of it.
    * ``stream``: an existing node that is not a regular file (a device, a FIFO, another
      process's descriptor), opened and written in place.
    * ``file``: a regular file or a new path; ``path`` is where the file itself is (a
      symlink followed), replaced atomically.
    """

    kind: OutputKind
    path: str
    fd: int | None = None


def output_target(path: str) -> OutputTarget:
    """Classify ``path`` for writing, following symlinks without touching anything.

    Raises ``InputError`` for a directory, a socket, or a path that cannot be examined.
    """
    if path == "-":
        return OutputTarget("stdout", path)
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        fd = _own_descriptor(current)
        if fd is not None:
            return OutputTarget("descriptor", current, fd)
        if _DESCRIPTOR_PATH.match(current) or current in _STD_STREAMS:
            return OutputTarget("stream", current)
        try:
            link = os.readlink(current)
        except FileNotFoundError:
            return _at_parent_links(current, path)
        except OSError:
            break  # not a symlink (EINVAL), or unreadable: examine it as it is
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    else:
        raise InputError(f"Cannot write the report to {path!r}: too many levels of symbolic links")
    return _by_mode(current, path)


def _at_parent_links(current: str, given: str) -> OutputTarget:
    """A path whose last part does not exist: a new file, unless a directory on the way is
    a link into this process's descriptors (``/dev/fd/9`` of a closed descriptor)."""
    resolved = os.path.realpath(current)
    if _DESCRIPTOR_PATH.match(resolved) or resolved.startswith("/proc/"):
        raise InputError(f"Cannot write the report to {given!r}: no such open descriptor")
    return OutputTarget("file", resolved)


def _own_descriptor(path: str) -> int | None:
    if path in _STD_STREAMS:
        return _STD_STREAMS[path]
    m = _DESCRIPTOR_PATH.match(path)
    if m is None or m["pid"] not in (None, "self", str(os.getpid())):
        return None
    return int(m["fd"])


def _by_mode(current: str, given: str) -> OutputTarget:
    try:
        mode = os.stat(current).st_mode
    except FileNotFoundError:
        return OutputTarget("file", os.path.realpath(current))
    except OSError as exc:
        raise InputError(f"Cannot write the report to {given!r}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"Cannot write the report to {given!r}: it is a directory")
    if stat.S_ISSOCK(mode):
        raise InputError(f"Cannot write the report to {given!r}: it is a socket")
    if stat.S_ISREG(mode):
        return OutputTarget("file", os.path.realpath(current))
    return OutputTarget("stream", current)


def writes_to_stdout(path: str) -> bool:
    """Whether output to ``path`` lands on this process's standard output (``-``,
    ``/dev/stdout``, ``/dev/fd/1``, ...), where a terminal report would mix with it."""
    try:
        target = output_target(path)
    except InputError:
        return False
    return target.kind == "stdout" or (target.kind == "descriptor" and target.fd == 1)


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """A text stream for ``path``; a regular file appears only if the block finishes.

    See the module's docstring for what is replaced and what is written in place.
    """
    target = output_target(path)
    if target.kind == "stdout":
        yield sys.stdout
        sys.stdout.flush()
    elif target.kind == "descriptor":
        with _descriptor_stream(path, target.fd or 0) as stream:
            yield stream
    elif target.kind == "stream":
        with _node_stream(path, target.path) as stream:
            yield stream
    else:
        with _atomic_file(path, target.path) as stream:
            yield stream


def _failure(path: str, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return InputError(f"Cannot write the report to {path!r}: {reason}")


@contextmanager
def _descriptor_stream(given: str, fd: int) -> Iterator[TextIO]:
    """Write through a duplicate of descriptor ``fd``: its offset (a shell's ``>>``) and
    what it leads to stay as they are; nothing is truncated or reopened."""
    for std in (sys.stdout, sys.stderr):
        if std is not None:
            try:
                std.flush()  # what Python buffered for the descriptor goes first
            except (OSError, ValueError):
                pass
    with _stream_on(given, lambda: os.dup(fd)) as stream:
        yield stream


@contextmanager
def _node_stream(given: str, path: str) -> Iterator[TextIO]:
    """Write into a device, a FIFO (waiting for its reader) or another process's
    descriptor as ``cmd > node`` would; its mode and owner are left alone."""
    with _stream_on(given, lambda: os.open(path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))) as stream:
        yield stream


@contextmanager
def _stream_on(given: str, open_fd: Callable[[], int]) -> Iterator[TextIO]:
    """A text stream on the descriptor ``open_fd()`` gives; any ``OSError`` is one line."""
    try:
        fd = open_fd()
    except OSError as exc:
        raise _failure(given, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
    except OSError as exc:
        raise _failure(given, exc) from None


@contextmanager
def _atomic_file(given: str, target: str) -> Iterator[TextIO]:
    """Write a temporary file beside ``target`` and rename it over ``target`` at the end;
    on any failure the temporary file is removed and ``target`` is untouched."""
    directory = os.path.dirname(target)
    temp: str | None = None
    try:
        # A SIGTERM or Ctrl-C between the temporary file's creation and the moment its name
        # is known here would leave it behind: they wait until then.
        with _signals_held():
            os.makedirs(directory, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".dynotrace-", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            if hasattr(os, "fchmod"):  # not on Windows, where mkstemp's mode is no issue
                os.fchmod(fd, _file_mode(target))
            yield stream
        os.replace(temp, target)
    except BaseException as exc:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            # The disk is full, a file size limit was hit, the directory went away: the
            # old file is still whole, and the user needs one line, not a traceback.
            raise _failure(given, exc) from None
        raise


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM are held back in the block and delivered when it ends (where
    the platform can hold them)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no pthread_sigmask (Windows)
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _file_mode(target: str) -> int:
    """The permissions the report file gets: those of the file it replaces, else what
    ``open()`` would give a new file (0666 less the umask), not mkstemp's private 0600."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask
