"""Run a CPU-bound function over several inputs in forked children, side by side.

Reading one rank's ``TORCH_TRACE`` log is pure Python work (about 2 s for a 57 MB log), so
a directory of eight ranks reads in about half the time on two cores. Each child takes a
share of the inputs (balanced by their weights, largest first), and hands each result
back as soon as it has it, marshalled (plain data only: dicts, lists,
strings, numbers) in a file of a private temporary directory. The parent meanwhile turns
the results it has into models.

What a caller may rely on: ``run_forked`` yields ``(index, result)`` for every input,
in the order they finish. An input whose child failed for any reason (an exception, a
crash, being killed) yields ``(index, FAILED)``: the caller then runs it itself, so the
error it raises is the one it would raise without children. Children ignore Ctrl-C (the
parent, which gets it too, stops them) and are killed and reaped however the parent
leaves, so none is left behind.
"""

from __future__ import annotations

import marshal
import os
import select
import shutil
import signal
import struct
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

#: What ``run_forked`` yields for an input whose child could not give a result.
FAILED: Any = object()

_HEADER = struct.Struct("<ii")  # input index, 1 when its result file is complete


def can_fork(workers: int) -> bool:
    """Whether forking ``workers`` children is possible and safe here."""
    if workers < 2 or not hasattr(os, "fork"):
        return False
    import threading

    return threading.active_count() == 1  # forking a threaded process is not safe


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def shares(weights: Sequence[int], workers: int) -> list[list[int]]:
    """Input indexes split into ``workers`` lists of about equal total weight, each list
    in the inputs' order (largest first into the lightest list)."""
    bins: list[list[int]] = [[] for _ in range(workers)]
    totals = [0] * workers
    for index in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        lightest = totals.index(min(totals))
        bins[lightest].append(index)
        totals[lightest] += weights[index]
    return [sorted(b) for b in bins if b]


def run_forked(
    func: Callable[[int], Any],
    weights: Sequence[int],
    workers: int,
    *,
    here: Callable[[int], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """``func(i)`` for each input index ``i``, computed by ``workers`` processes side by
    side: forked children and, with ``here``, this process too (which then computes
    ``here(i)`` for its own share: the result it yields needs no trip through a file)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()  # else a child could write the parent's buffered output again
    # Results go through files, the pipe only says which are ready: a child never waits
    # for the parent to read (a rank's result is tens of MB), and the parent reads each
    # result in one go.
    spool = tempfile.mkdtemp(prefix="dynotrace-ranks-")
    children: dict[int, tuple[int, list[int]]] = {}  # pipe -> (pid, indexes not yet yielded)
    split = shares(weights, workers)
    mine = split.pop(0) if here is not None and len(split) > 1 else []
    try:
        for share in split:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child; covered through the callers' tests
                os.close(read_end)
                _child(func, share, write_end, spool)
            os.close(write_end)
            children[read_end] = (pid, list(share))
        buffers = {pipe: b"" for pipe in children}
        for index in mine:
            assert here is not None
            yield index, here(index)
        while children:
            ready, _, _ = select.select(list(children), [], [])
            for pipe in ready:
                chunk = os.read(pipe, 4096)
                if chunk:
                    buffers[pipe] += chunk
                    yield from _complete(buffers, pipe, children[pipe][1], spool)
                    continue
                pid, pending = children.pop(pipe)
                os.close(pipe)
                os.waitpid(pid, 0)
                for index in pending:  # the child ended before it sent these
                    yield index, FAILED
    finally:
        for pipe, (pid, _) in children.items():
            os.close(pipe)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - already gone
                pass
            os.waitpid(pid, 0)
        shutil.rmtree(spool, ignore_errors=True)


def _result_path(spool: str, index: int) -> str:
    return os.path.join(spool, f"{index}.marshal")


def _complete(buffers: dict[int, bytes], pipe: int, pending: list[int], spool: str) -> Iterator[tuple[int, Any]]:
    data = buffers[pipe]
    while len(data) >= _HEADER.size:
        index, ok = _HEADER.unpack_from(data)
        data = data[_HEADER.size :]
        pending.remove(index)
        result = FAILED
        if ok:
            path = _result_path(spool, index)
            try:
                with open(path, "rb") as stream:
                    result = marshal.load(stream)
                os.unlink(path)
            except (OSError, EOFError, ValueError, TypeError):
                result = FAILED
        yield index, result
    buffers[pipe] = data


def _child(func: Callable[[int], Any], share: list[int], pipe: int, spool: str) -> None:  # pragma: no cover - child
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        import gc

        gc.disable()  # short-lived, builds no reference cycles worth collecting
        with os.fdopen(pipe, "wb") as out:
            for index in share:
                ok = 0
                try:
                    result = func(index)
                    with open(_result_path(spool, index), "wb") as stream:
                        marshal.dump(result, stream)
                    ok = 1
                except Exception:  # noqa: S110 - the parent runs this one itself and reports its error
                    pass
                out.write(_HEADER.pack(index, ok))
                out.flush()
        status = 0
    except BaseException:  # noqa: S110 - whatever happens, the parent redoes what is missing
        pass
    finally:
        os._exit(status)
