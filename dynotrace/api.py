"""The public Python API: capture what torch.compile does around any code, render, load and
compare reports. The CLI and the pytest plugin call the same functions.

Importing this module does not import torch; ``Capture.start()`` does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from pathlib import Path

from dynotrace.errors import InputError, UsageError
from dynotrace.model import Report, RunInfo

if TYPE_CHECKING:
    from dynotrace.capture.session import LiveCapture
    from dynotrace.ranks.diff import JobDiff
    from dynotrace.ranks.model import JobReport
    from dynotrace.reports.diff import ReportDiff

#: What a report of ``dynotrace.capture()`` names as its ``command`` unless told otherwise.
DEFAULT_CAPTURE_NAME = "dynotrace.capture()"
#: The formats ``render`` knows.
RENDER_FORMATS = ("terminal", "yaml", "json")
#: Keyword options ``render(..., "terminal")`` takes.
TERMINAL_OPTIONS = ("width", "color", "only", "function", "guards", "full", "timing", "rank")

PathLike = str | os.PathLike[str]


class Capture:
    """A live capture of everything torch.compile does in this process while it runs.

    Use it as a context manager (``with dynotrace.capture() as cap:``) or call ``start()``
    and ``stop()``. A capture runs once: after ``stop()`` it cannot be started again.

    What a caller may rely on:

    * ``report`` after the capture ended is its final report, the same model the CLI
      renders. Inside the block it is a snapshot of everything captured so far, and the
      capture goes on. Before ``start()`` it raises ``UsageError``.
    * Only compiles that happen between ``start()`` and ``stop()`` are reported, whatever
      torch compiled before: a recompile of a function compiled earlier shows as that
      recompile alone (compile id ``N/1``), with its file names resolved.
    * Captures nest: each sees exactly the compiles between its own start and stop, so an
      outer capture also sees everything an inner one saw. Captures started by hand must be
      stopped in the reverse order (as nested ``with`` blocks are): each restores what it
      patched (torch's logging set-up, ``torch.compile`` for ``backend``) as it found it.
    * Compiles on any thread of the process are captured, as Dynamo logs them process-wide.
    * An exception raised in the ``with`` block stops the capture and propagates; the
      report of what ran until then is available.
    """

    def __init__(self, *, backend: str | None = None, name: str | None = None) -> None:
        from dynotrace.capture.session import BACKENDS

        if backend is not None and backend not in BACKENDS:
            raise UsageError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
        self.backend = backend
        self.name = name or DEFAULT_CAPTURE_NAME
        self._live: LiveCapture | None = None
        self._report: Report | None = None

    @property
    def active(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._live is not None and self._report is None

    def start(self) -> Capture:
        """Start listening to Dynamo (imports torch). Returns the capture itself."""
        if self._live is not None:
            raise UsageError("this capture has already been started; call dynotrace.capture() for a new one")
        from dynotrace.capture.session import LiveCapture

        live = LiveCapture(backend=self.backend)
        live.start()
        self._live = live
        return self

    def stop(self) -> Report:
        """Stop listening and return the report. Calling it again returns the same report."""
        if self._report is not None:
            return self._report
        if self._live is None:
            raise UsageError("this capture was never started")
        self._report = self._live.stop(self._run_info())
        return self._report

    @property
    def report(self) -> Report:
        """The final report once stopped; while running, a snapshot of what ran so far."""
        if self._report is not None:
            return self._report
        if self._live is None:
            raise UsageError("the capture has not started: use `with dynotrace.capture() as cap:` first")
        return self._live.snapshot(self._run_info())

    def _run_info(self) -> RunInfo:
        from dynotrace.capture.session import run_info

        return run_info(self.name, backend=self.backend)

    def __enter__(self) -> Capture:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.active else "stopped" if self._report is not None else "not started"
        return f"<dynotrace.Capture {self.name!r} {state}>"


def capture(*, backend: str | None = None, name: str | None = None) -> Capture:
    """A new ``Capture``, to use as ``with dynotrace.capture() as cap: ...``.

    ``backend`` (``eager``, ``aot_eager`` or ``inductor``) makes every ``torch.compile``
    call made inside the block use that backend; functions compiled before keep theirs.
    ``name`` is what the report's ``command`` says (default ``dynotrace.capture()``).
    """
    return Capture(backend=backend, name=name)


def render(
    report: Report | JobReport, fmt: str = "terminal", /, file: TextIO | PathLike | None = None, **options: Any
) -> None:
    """Write ``report`` (one run's, or a distributed job's) as ``terminal`` text, ``yaml``
    or ``json``.

    ``file`` is a text stream, a path (written atomically; ``-`` is stdout) or ``None`` for
    stdout. Terminal options: ``width``, ``color`` (default: colour only on a terminal),
    ``only`` (sections among ``breaks``, ``recompiles``, ``shapes``, ``guards``),
    ``function`` (a name to filter on), ``guards`` (list every guard), ``full`` (explain every
    recompile in full), ``timing``; for a job also ``rank`` (show that rank's report). The
    YAML and JSON documents take no options: they are the report files of ``explain -o``.
    """
    if fmt not in RENDER_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(RENDER_FORMATS)}")
    allowed = TERMINAL_OPTIONS if fmt == "terminal" else ()
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = f"takes only {', '.join(allowed)}" if allowed else "takes no options"
        raise TypeError(f"render(..., {fmt!r}) got unexpected option {unknown[0]!r}; {fmt} {takes}")
    if file is None or isinstance(file, (str, os.PathLike)):
        from dynotrace.reports.output import open_output, output_target

        path = "-" if file is None else os.fspath(file)
        with open_output(path) as stream:
            _render_to(report, fmt, stream, options, to_file=output_target(path).kind == "file")
        return
    _render_to(report, fmt, file, options, to_file=False)


def _render_to(report: Report | JobReport, fmt: str, stream: TextIO, options: dict[str, Any], *, to_file: bool) -> None:
    if isinstance(report, Report) and "rank" in options:
        raise TypeError("render(...) got option 'rank', which only a distributed job's report takes")
    if fmt != "terminal":
        if isinstance(report, Report):
            from dynotrace.reports.files import dump_report

            dump_report(report, stream, fmt)
        else:
            from dynotrace.ranks.files import dump_job

            dump_job(report, stream, fmt)
        return
    from dynotrace.cli.output import render_subject
    from dynotrace.reports.terminal import SECTIONS, TerminalOptions

    only = options.get("only") or ()
    sections = frozenset([only] if isinstance(only, str) else only)
    if not sections <= set(SECTIONS):
        raise UsageError(f"unknown section {sorted(sections - set(SECTIONS))[0]!r}; choose from {', '.join(SECTIONS)}")
    terminal = TerminalOptions(
        only=sections,
        function=options.get("function"),
        guards=bool(options.get("guards", False)),
        timing=bool(options.get("timing", True)),
        full=bool(options.get("full", False)),
    )
    # A file is not a terminal: no colour codes in it unless asked for.
    color = options.get("color", False if to_file else None)
    if stream is sys.stdout:
        stream.flush()
    render_subject(report, stream, width=options.get("width"), color=color, options=terminal, rank=options.get("rank"))


def load(path: PathLike) -> Report:
    """Read a report file written by ``explain -o``, ``render(..., "yaml"|"json", file=...)``
    or the pytest plugin. Raises ``InputError`` with one line when it cannot (the report
    of a distributed job is read with ``load_job``)."""
    from dynotrace.reports.files import load_report

    try:
        return load_report(os.fspath(path))
    except InputError as exc:
        if "report of a distributed job" in str(exc):
            raise InputError(f"{exc}: read it with dynotrace.load_job") from None
        raise


def load_job(path: PathLike) -> JobReport:
    """Read the report of a distributed job (``torchrun ... dynotrace explain -o``, or
    ``explain --trace DIR -o`` of several ranks' logs). Raises ``InputError`` with one
    line when it cannot, or when the file holds one process's report."""
    from dynotrace.ranks.files import load_job as load_job_file

    return load_job_file(os.fspath(path))


def diff(
    before: Report | PathLike, after: Report | PathLike, *, fail_on: str | Iterable[str] | None = None
) -> ReportDiff:
    """What changed from ``before`` to ``after`` (reports or report files), and which
    changes are regressions: ``fail_on`` names them (``graph-breaks``, ``recompiles``,
    ``guards``, ``limit``; default as ``dynotrace diff``)."""
    from dynotrace.reports.diff import DEFAULT_FAIL_ON, diff_reports

    a = before if isinstance(before, Report) else load(before)
    b = after if isinstance(after, Report) else load(after)
    return diff_reports(a, b, DEFAULT_FAIL_ON if fail_on is None else fail_on)


def diff_jobs(
    before: Report | JobReport | PathLike,
    after: Report | JobReport | PathLike,
    *,
    fail_on: str | Iterable[str] | None = None,
) -> JobDiff:
    """What changed between two reports of a distributed job, rank by rank and in their
    divergence (one side may be one process's report: it is compared with every rank of
    the other). ``fail_on`` as ``diff``, with ``divergence`` too by default."""
    from dynotrace.ranks.diff import DIVERGENCE
    from dynotrace.ranks.diff import diff_jobs as diff_job_reports
    from dynotrace.ranks.files import load_any
    from dynotrace.ranks.model import JobReport
    from dynotrace.reports.diff import DEFAULT_FAIL_ON

    a = before if isinstance(before, (Report, JobReport)) else load_any(os.fspath(before))
    b = after if isinstance(after, (Report, JobReport)) else load_any(os.fspath(after))
    if isinstance(a, Report) and isinstance(b, Report):
        raise UsageError("neither report is a distributed job's: compare them with dynotrace.diff")
    return diff_job_reports(a, b, DEFAULT_FAIL_ON | {DIVERGENCE} if fail_on is None else fail_on)


def read_trace_report(path: str, *, strict: bool = False, command: str | None = None) -> Report:
    """The report of a TORCH_TRACE file or directory, folded exactly as a live capture is.

    A directory with the logs of several ranks of a distributed job is no one process's
    story: ``InputError`` then says to read it with ``read_trace_job``."""
    from dynotrace.ranks.offline import read_trace_any

    subject, _ = read_trace_any(path, strict=strict, command=command)
    if not isinstance(subject, Report):
        raise InputError(
            f"'{path}' holds the logs of {len(subject.ranks) + len(subject.missing)} ranks of a distributed job: "
            "read it with dynotrace.read_trace_job"
        )
    return subject


def read_trace_job(path: str, *, strict: bool = False, command: str | None = None) -> JobReport:
    """The report of a distributed job from its ranks' TORCH_TRACE logs: each rank read
    and folded on its own (``JobReport.ranks``), compared with the others (``groups``,
    ``divergence``). A single log, or a directory with one rank's logs, gives a job of
    one rank."""
    from dynotrace.capture.session import run_info
    from dynotrace.ranks.job import build_job
    from dynotrace.ranks.offline import classify, rank_in_name, rank_in_records, read_job, read_single

    info = run_info(command or f"dynotrace explain --trace {path}", source="trace")
    layout = classify(path)
    if layout is not None:
        return read_job(layout, info, strict=strict)[0]
    report = read_single(path, strict=strict, run=info)
    rank = 0
    if os.path.isfile(path):
        name = os.path.basename(path)
        rank = next((r for r in (rank_in_name(name), rank_in_records(Path(path))) if r is not None), 0)
    return build_job({rank: report}, {}, run=info, world_size=None)
