"""Run a CPU-bound function over several inputs in worker processes, side by side.

Reading one rank's ``TORCH_TRACE`` log is pure Python work (about 2 s for a 57 MB log), so
a directory of eight ranks reads in about half the time on two cores. The workers are the
standard library's ``concurrent.futures.ProcessPoolExecutor``, forked (the ``fork`` start
method, so nothing of this process is imported again and nothing needs pickling but the
inputs and results); this process takes a share too: while the workers are handed inputs
from the front of the queue, it takes them from the back, so a slow or busy core gets
fewer.

What a caller may rely on: ``run_pool`` yields ``(index, result)`` for every input, in the
order they finish (this process's own share as it computes it). An input whose worker
failed for any reason (an exception, a crash, being killed: the pool is then broken and
every input it had not finished fails too) yields ``(index, FAILED)``: the caller then runs
it itself, so the error it raises is the one it would raise without workers. Workers
ignore Ctrl-C (this process, which gets it too, stops them) and are killed and reaped
however this process leaves the generator (an exception, Ctrl-C, SIGTERM made
``SystemExit``, ``close()``), so none is left behind.

Measured against the home-made pool of forked children it replaces (169 lines that
marshalled results through files by hand), in ``bench/ranks.py``'s alternating rounds (8
ranks of the 57 MB log, 2 cores, 2026-12-07, 3 rounds on a machine shared at a load of
9-11): the build with this pool and the ranks kept in outline took 12.05 s of user CPU
and 51.0 s of wall time (medians), the build before 14.98 s and 50.3 s. The two changes
were not timed apart; nothing measured says the standard library's pool is slower, so it
stays.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

#: What ``run_pool`` yields for an input whose worker could not give a result.
FAILED: Any = object()


def can_fork(workers: int) -> bool:
    """Whether forking ``workers`` worker processes is possible and safe here."""
    if workers < 2 or not hasattr(os, "fork"):
        return False
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not POSIX
        return False
    import threading

    return threading.active_count() == 1  # forking a threaded process is not safe


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _worker_started() -> None:  # pragma: no cover - runs in the workers
    # Ctrl-C reaches the whole process group: this process decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_pool(
    func: Callable[[Any], Any],
    inputs: Sequence[Any],
    weights: Sequence[int],
    workers: int,
    *,
    here: Callable[[int], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """``func(inputs[i])`` for each index ``i``, computed by ``workers`` processes side by
    side: forked workers (``func`` and the inputs must pickle: a module-level function)
    and, with ``here``, this process too, which computes ``here(i)`` for the inputs it
    takes (the result it yields needs no trip through a pipe). The heaviest inputs (by
    ``weights``) go first."""
    order = sorted(range(len(inputs)), key=lambda i: (-weights[i], i))
    pool_size = workers - 1 if here is not None else workers
    if pool_size < 1:
        for index in order:
            yield index, here(index) if here is not None else func(inputs[index])
        return
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(pool_size, mp_context=multiprocessing.get_context("fork"), initializer=_worker_started)
    pending = list(order)  # not handed to anyone yet, heaviest first
    futures: dict[Future[Any], int] = {}
    broken = False
    try:
        while pending or futures:
            # Keep every worker busy with one input and the next waiting, so none waits
            # while this process computes one of its own. (Inputs are handed over as they
            # are needed, not all at once: one the pool has queued cannot be taken back
            # safely, concurrent.futures of CPython 3.11 failing on a cancelled input when
            # a worker dies.)
            while pending and not broken and len(futures) < 2 * pool_size:
                index = pending.pop(0)
                try:
                    futures[pool.submit(func, inputs[index])] = index
                except BrokenProcessPool:
                    broken = True
                    pending.insert(0, index)
            done = [f for f in futures if f.done()]
            if not done and pending and (here is not None or broken):
                # Take the lightest input no worker has, and compute it here (or, with no
                # pool left, say it failed: the caller computes it).
                index = pending.pop()
                yield index, here(index) if here is not None else FAILED
                continue
            if not done:
                done = list(wait(futures, return_when=FIRST_COMPLETED).done)
            for future in done:
                index = futures.pop(future)
                try:
                    result = future.result()
                except BaseException:  # noqa: BLE001 - the worker's error, or a broken pool: the caller redoes it
                    result = FAILED
                    broken = broken or isinstance(future.exception(), BrokenProcessPool)
                yield index, result
    finally:
        if not futures and not pending:
            pool.shutdown(wait=True)  # every input done: the workers exit as asked
        else:  # an error, Ctrl-C, SIGTERM or the caller stopped early: stop them now
            pool.shutdown(wait=False, cancel_futures=True)
            for process in multiprocessing.active_children():
                if process not in before:
                    process.kill()  # a no-op for one that has already exited
                    process.join()
