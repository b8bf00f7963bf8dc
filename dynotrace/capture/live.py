"""Listen to Dynamo while code runs in this process, and run a target script that way.

What comes out is the stream of events Dynamo reported (``TraceEvent``), exactly as a
TORCH_TRACE log of the same run holds them; ``dynotrace.analysis.build`` folds them into a
report, as it folds a log.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import Any, NoReturn

from dynotrace.version import __version__
from dynotrace.capture.listener import TraceListener, interned_strings
from dynotrace.capture.trial_config import apply_trial_config
from dynotrace.events import TraceEvent
from dynotrace.model import RunInfo

BACKENDS = ("eager", "aot_eager", "inductor")
#: Exit code of a run stopped by SIGINT (as a shell reports a process killed by it).
EXIT_SIGINT = 128 + signal.SIGINT
#: Exit code of a run stopped by SIGTERM.
EXIT_SIGTERM = 128 + signal.SIGTERM


@dataclass(frozen=True)
class CaptureResult:
    """A finished run: what Dynamo reported while it ran (``events``, with the strings
    torch had interned before the capture began, ``seed_strings``), what ran (``run``),
    the exit code to pass on, whether it was cut short, and how long it ran."""

    run: RunInfo
    events: tuple[TraceEvent, ...]
    exit_code: int
    interrupted: bool = False
    seed_strings: dict[int, str] = field(default_factory=dict)
    wall_s: float = 0.0


def torch_version() -> str | None:
    """The version of the torch this process runs: ``torch.__version__`` once torch is
    imported (as in every live capture), else the installed one's, read without importing
    torch (the package metadata lookup costs ~25 ms)."""
    torch = sys.modules.get("torch")
    if torch is not None and getattr(torch, "__version__", None) is not None:
        return str(torch.__version__)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("torch")
    except PackageNotFoundError:
        return None


class LiveCapture:
    """Listen to Dynamo in this process between ``start()`` and ``stop()``.

    ``events()`` are the events Dynamo reported in between. Strings that torch interned
    before ``start()`` are taken from torch's table (``seed_strings``), so a capture that
    starts after earlier compiles still resolves its file names. ``keep`` names more
    event kinds whose payloads are kept (``events.ARTIFACT_KINDS``, for an HTML report).
    """

    def __init__(self, *, backend: str | None = None, keep: frozenset[str] = frozenset()) -> None:
        self.backend = backend
        self._listener = TraceListener(keep)
        self._undo_backend: Callable[[], None] | None = None
        self.seed_strings: dict[int, str] = {}
        self._started = 0.0
        self._stopped: float | None = None

    def start(self) -> None:
        self._listener.attach()
        self.seed_strings = interned_strings()
        if self.backend is not None:
            self._undo_backend = _override_backend(self.backend)
        self._started = time.perf_counter()

    def events(self) -> list[TraceEvent]:
        """The events captured so far, as the fold reads them."""
        return self._listener.events()

    @property
    def wall_s(self) -> float:
        """Seconds from ``start()`` to ``stop()`` (to now, while it runs)."""
        end = self._stopped if self._stopped is not None else time.perf_counter()
        return end - self._started

    def stop(self) -> None:
        """Stop listening (and undo the backend override)."""
        self._listener.detach()
        if self._stopped is None:
            self._stopped = time.perf_counter()
        if self._undo_backend is not None:
            self._undo_backend()
            self._undo_backend = None


def _override_backend(backend: str) -> Callable[[], None]:
    """Make every ``torch.compile`` call in the target use ``backend``; returns the undo."""
    import torch

    original = torch.compile

    def compile_with_backend(*args: Any, **kwargs: Any) -> Any:
        kwargs["backend"] = backend
        if backend != "inductor":
            # mode/options are inductor settings; other backends reject them.
            kwargs.pop("mode", None)
            kwargs.pop("options", None)
        return original(*args, **kwargs)

    compile_with_backend.__doc__ = original.__doc__
    torch.compile = compile_with_backend  # type: ignore[assignment]

    def undo() -> None:
        torch.compile = original

    return undo


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit(143)``: the report of what ran is still written, and
    a write it cuts short removes its temporary file (the old report stays whole)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(EXIT_SIGTERM)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _end_forked_child(exit_code: int) -> NoReturn:
    """End a process the target forked (``os.fork``) once it has run to the target's end.

    Such a child comes back through the runner like the parent does, but the report is the
    parent's to write: a child that wrote it too would replace the parent's file and print
    a second terminal report. So the child leaves here, as python would leave at the end of
    the script, with the target's exit code and its output flushed. It leaves through
    ``os._exit`` (as multiprocessing's forked children do), so atexit handlers inherited
    from the parent do not run a second time.
    """
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: S110 - a closed or broken stream must not stop the exit
            pass
    # The status the OS would keep of sys.exit(exit_code); os._exit takes a C int only.
    os._exit(exit_code & 0xFF)


def run_info(command: str, *, source: str = "live", backend: str | None = None) -> RunInfo:
    """What the report says of its run. The torch version is that of a live run's torch; a
    report read from a log has none (the log does not say)."""
    return RunInfo(
        command=command,
        source=source,  # type: ignore[arg-type]
        torch_version=torch_version() if source == "live" else None,
        python_version=platform.python_version(),
        dynotrace_version=__version__,
        backend_override=backend,
    )


def capture_target(
    args: list[str],
    *,
    as_module: bool = False,
    backend: str | None = None,
    command: str | None = None,
    keep: frozenset[str] = frozenset(),
) -> CaptureResult:
    """Run a script (or ``-m`` module) like python would, under a live capture (keeping
    the payloads of the event kinds ``keep`` names too).

    Raises ``NoTargetError`` before importing torch when the target cannot be run. The
    target's own failure is not an error here: it is printed as python prints it and its
    exit code is returned. Only the calling process returns: a child the target forks
    exits when it reaches the target's end.
    """
    from dynotrace.capture.runner import TargetRunner

    runner = TargetRunner(args, as_module=as_module)
    runner.prepare()
    # A rerun of --try-fixes: its candidate's Python settings, as if at the script's top.
    finish_trial = apply_trial_config()
    capture = LiveCapture(backend=backend, keep=keep)
    interrupted = False
    started_in = os.getpid()
    exit_code = 1
    with sigterm_as_exit():
        capture.start()
        try:
            exit_code = runner.run()
        except KeyboardInterrupt:
            exit_code = EXIT_SIGINT
            interrupted = True
            print("KeyboardInterrupt", file=sys.stderr)
        finally:
            if os.getpid() != started_in:
                _end_forked_child(exit_code)
            capture.stop()
    if finish_trial is not None:
        finish_trial()
    interrupted = interrupted or exit_code == EXIT_SIGTERM
    run = replace(
        run_info(command or runner.display_name, backend=backend), exit_code=exit_code, interrupted=interrupted
    )
    return CaptureResult(run, tuple(capture.events()), exit_code, interrupted, capture.seed_strings, capture.wall_s)
