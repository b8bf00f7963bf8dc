"""The public Python API: capture what torch.compile does around any code or in a script,
read TORCH_TRACE logs, save, load, render, compare and check reports. The command line and
the pytest plugin call these functions and nothing below them.

A run of one process gives a ``Report``; a distributed job a ``JobReport``, which holds the
``Report`` of each rank. Below this module everything takes a ``JobReport`` (a run of one
process is ``JobReport.single(report)``): this is the one place that tells the two apart.

Importing this module does not import torch; a capture does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from dynotrace.errors import InputError, UsageError
from dynotrace.model import Artifacts, JobReport, Report, RunInfo

if TYPE_CHECKING:
    from dynotrace.capture.live import LiveCapture
    from dynotrace.compare.diff import ReportDiff
    from dynotrace.compare.gate import CheckOutcome
    from dynotrace.compare.jobs import JobDiff
    from dynotrace.files.documents import Sections
    from dynotrace.jobs.live import RankRun
    from dynotrace.model.trials import Trials
    from dynotrace.renderers.base import Options

#: What a report of ``dynotrace.capture()`` names as its ``command`` unless told otherwise.
DEFAULT_CAPTURE_NAME = "dynotrace.capture()"
#: The formats ``render`` knows (``dynotrace.renderers``).
RENDER_FORMATS = ("terminal", "yaml", "json", "markdown", "sarif", "github", "html", "perfetto")
#: Keyword options ``render(..., "terminal")`` takes.
TERMINAL_OPTIONS = ("width", "color", "only", "function", "guards", "full", "timing", "rank", "labels")
#: Keyword options ``render(..., "html")`` takes.
HTML_OPTIONS = ("artifacts", "labels")
#: The formats a report file is written in.
FILE_FORMATS = ("yaml", "json")
#: What ``save`` and ``explain -o`` write: a report file, or one self-contained HTML page.
OUTPUT_FORMATS = FILE_FORMATS + ("html",)
#: Backends ``--backend`` and ``capture(backend=...)`` accept.
BACKENDS = ("eager", "aot_eager", "inductor")

PathLike = str | os.PathLike[str]
#: Anything ``render`` shows.
Subject = Report | JobReport


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
        from dynotrace.capture.live import LiveCapture

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
        self._live.stop()
        self._report = self._build()
        return self._report

    @property
    def report(self) -> Report:
        """The final report once stopped; while running, a snapshot of what ran so far."""
        if self._report is not None:
            return self._report
        if self._live is None:
            raise UsageError("the capture has not started: use `with dynotrace.capture() as cap:` first")
        return self._build()

    def _build(self) -> Report:
        from dynotrace.analysis.build import build_report
        from dynotrace.capture.live import run_info

        assert self._live is not None
        live = self._live
        run = run_info(self.name, backend=self.backend)
        return build_report(live.events(), run, seed_strings=live.seed_strings, wall_s=live.wall_s)

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


def _job(subject: Subject) -> JobReport:
    return subject if isinstance(subject, JobReport) else JobReport.single(subject)


def render(
    subject: Subject | ReportDiff | JobDiff | CheckOutcome,
    fmt: str = "terminal",
    /,
    file: TextIO | PathLike | None = None,
    **options: Any,
) -> None:
    """Write ``subject`` (one run's report, a distributed job's, a diff of two, or a
    check's outcome) as ``terminal`` text, ``yaml``, ``json``, ``markdown``, ``sarif`` or
    ``github`` annotations, one self-contained ``html`` page, or a ``perfetto`` timeline
    (Chromium trace events); a format that cannot show that subject raises ``UsageError``.

    ``file`` is a text stream, a path (written atomically; ``-`` is stdout) or ``None`` for
    stdout. Terminal options: ``width``, ``color`` (default: colour only on a terminal,
    never in a file unless asked), ``only`` (sections among ``breaks``, ``recompiles``,
    ``shapes``, ``guards``), ``function`` (a name to filter on), ``guards`` (list every
    guard), ``full`` (explain every recompile in full), ``timing``; for a job also ``rank``
    (show that rank's report); for a diff, ``labels`` (the two sides' names). HTML options:
    ``artifacts``, what tlparse shows for each compile (a ``Run``'s ``artifacts``: rank ->
    ``Artifacts``; without them the page says where to get them), ``labels``. The other
    formats take no options: YAML and JSON are the report files of ``explain -o``.
    """
    if fmt not in RENDER_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(RENDER_FORMATS)}")
    allowed = TERMINAL_OPTIONS if fmt == "terminal" else HTML_OPTIONS if fmt == "html" else ()
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = f"takes only {', '.join(allowed)}" if allowed else "takes no options"
        raise TypeError(f"render(..., {fmt!r}) got unexpected option {unknown[0]!r}; {fmt} {takes}")
    if isinstance(subject, Report) and "rank" in options:
        raise TypeError("render(...) got option 'rank', which only a distributed job's report takes")
    if file is None or isinstance(file, (str, os.PathLike)):
        from dynotrace.files.output import open_output, output_target

        path = "-" if file is None else os.fspath(file)
        with open_output(path) as stream:
            _render_to(subject, fmt, stream, options, to_file=output_target(path).kind == "file")
        return
    _render_to(subject, fmt, file, options, to_file=False)


def _render_to(subject: Any, fmt: str, stream: TextIO, options: dict[str, Any], *, to_file: bool) -> None:
    from dynotrace.compare.diff import ReportDiff
    from dynotrace.compare.gate import CheckOutcome
    from dynotrace.renderers import renderer

    opts = _options(options, to_file=to_file) if fmt == "terminal" else _html_options(options) if fmt == "html" else None
    if fmt == "terminal":
        sys.stdout.flush()
        sys.stderr.flush()
    out = renderer(fmt, opts)
    if isinstance(subject, CheckOutcome):
        out.check(subject, stream)
    elif isinstance(subject, ReportDiff):
        out.diff(_job_diff(subject), stream)
    elif isinstance(subject, (Report, JobReport)):
        out.report(_job(subject), stream)
    else:
        out.diff(subject, stream)


def _options(options: dict[str, Any], *, to_file: bool) -> Options:
    from dynotrace.renderers.base import SECTIONS, Options

    only = options.get("only") or ()
    sections = frozenset([only] if isinstance(only, str) else only)
    if not sections <= set(SECTIONS):
        raise UsageError(f"unknown section {sorted(sections - set(SECTIONS))[0]!r}; choose from {', '.join(SECTIONS)}")
    return Options(
        width=options.get("width"),
        # A file is not a terminal: no colour codes in it unless asked for.
        color=options.get("color", False if to_file else None),
        only=sections,
        function=options.get("function"),
        guards=bool(options.get("guards", False)),
        timing=bool(options.get("timing", True)),
        full=bool(options.get("full", False)),
        rank=options.get("rank"),
        labels=tuple(options.get("labels") or ("before", "after")),  # type: ignore[arg-type]
    )


def _html_options(options: dict[str, Any]) -> Options:
    from dynotrace.renderers.base import Options

    artifacts = options.get("artifacts")
    if isinstance(artifacts, Artifacts):
        artifacts = {0: artifacts}
    return Options(artifacts=artifacts, labels=tuple(options.get("labels") or ("before", "after")))  # type: ignore[arg-type]


def _job_diff(diff: ReportDiff) -> JobDiff:
    """A diff of two reports as the diff of two runs of one process."""
    from dynotrace.compare.jobs import JobDiff, RankDiff

    return JobDiff(
        before=diff.before,
        after=diff.after,
        ranks=(RankDiff(0, "both", diff),),
        divergence_added=(),
        divergence_removed=(),
        divergence_after=(),
        notes=diff.notes,
        fail_on=diff.fail_on,
        regressions=diff.regressions,
        distributed=False,
    )


def save(
    subject: Subject,
    path: PathLike,
    fmt: str | None = None,
    *,
    sections: Sections | None = None,
    extra: dict[str, Any] | None = None,
    artifacts: dict[int, Artifacts] | None = None,
) -> None:
    """Write the report file of ``subject`` to ``path``, atomically (``-`` is stdout):
    YAML, or JSON when ``path`` ends in ``.json``, or one self-contained HTML page when it
    ends in ``.html`` (``fmt`` chooses). ``sections`` holds ranks' parts of a job's file
    already serialised; ``extra`` adds top-level sections to one process's report before
    its ``timing`` (``load`` ignores them); ``artifacts`` (rank -> ``Artifacts``) are what
    an HTML page shows of each compile besides the report."""
    from dynotrace.files.output import open_output
    from dynotrace.renderers import renderer
    from dynotrace.renderers.base import Options

    target = os.fspath(path)
    chosen = _file_format(target, fmt)
    with open_output(target) as stream:
        renderer(chosen, Options(sections=sections, extra=extra, artifacts=artifacts)).report(_job(subject), stream)


def _load_jobs(*paths: str) -> list[JobReport]:
    """The report files ``paths``, read in order."""
    from dynotrace.files.documents import load_documents
    from dynotrace.model.schema import TYPED, from_document, guards_from_plain

    return load_documents(paths, lambda data, path: from_document(data, origin=repr(path)), TYPED, guards_from_plain)


def load(path: PathLike) -> Report:
    """Read a report file written by ``explain -o``, ``save``, ``render(..., "yaml"|"json",
    file=...)`` or the pytest plugin. Raises ``InputError`` with one line when it cannot (the
    report of a distributed job is read with ``load_job``)."""
    job = load_any(path)
    if job.distributed:
        raise InputError(
            f"{os.fspath(path)!r} is the report of a distributed job ({len(job.ranks)} ranks), not of one "
            "process: read it with dynotrace.load_job"
        )
    return job.report


def load_job(path: PathLike) -> JobReport:
    """Read the report of a distributed job (``torchrun ... dynotrace explain -o``, or
    ``explain --trace DIR -o`` of several ranks' logs). Raises ``InputError`` with one
    line when it cannot, or when the file holds one process's report."""
    job = load_any(path)
    if not job.distributed:
        raise InputError(
            f"{os.fspath(path)!r} is the report of one process, not of a distributed job: read it with dynotrace.load"
        )
    return job


def load_any(path: PathLike) -> JobReport:
    """Read any report file as a job: a distributed job's, or one process's run
    (``JobReport.single``). ``InputError`` (one line) when it is no dynotrace report."""
    return _load_jobs(os.fspath(path))[0]


def _subject(path_or_subject: Subject | PathLike) -> JobReport:
    if isinstance(path_or_subject, (Report, JobReport)):
        return _job(path_or_subject)
    return load_any(path_or_subject)


def diff(
    before: Report | PathLike, after: Report | PathLike, *, fail_on: str | Iterable[str] | None = None
) -> ReportDiff:
    """What changed from ``before`` to ``after`` (reports or report files), and which
    changes are regressions: ``fail_on`` names them (``graph-breaks``, ``recompiles``,
    ``guards``, ``limit``; default as ``dynotrace diff``)."""
    from dynotrace.compare.diff import diff_reports
    from dynotrace.compare.policy import DEFAULT_FAIL_ON

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
    a, b = _subject(before), _subject(after)
    if not a.distributed and not b.distributed:
        raise UsageError("neither report is a distributed job's: compare them with dynotrace.diff")
    return compare(a, b, fail_on=fail_on)


def compare(before: JobReport, after: JobReport, *, fail_on: str | Iterable[str] | None = None) -> JobDiff:
    """What changed between two jobs (either may be one process's run). The default
    ``fail_on`` is ``dynotrace diff``'s: with ``divergence`` when either is distributed."""
    from dynotrace.compare.jobs import diff_jobs as diff_job_reports
    from dynotrace.compare.policy import default_fail_on

    policy = default_fail_on(before.distributed or after.distributed) if fail_on is None else fail_on
    return diff_job_reports(before, after, policy)


def load_pair(before: PathLike, after: PathLike) -> tuple[JobReport, JobReport]:
    """Two report files (``dynotrace diff``'s), read in order."""
    a, b = _load_jobs(os.fspath(before), os.fspath(after))
    return a, b


def check(
    subject: Subject,
    baseline: Subject | PathLike | None = None,
    *,
    fail_on: str | Iterable[str] | None = None,
    max_graph_breaks: int | None = None,
    max_recompiles: int | None = None,
    max_recompile_limit_hits: int | None = None,
    update_baseline: bool = False,
    command: str = "",
    baseline_path: str | None = None,
) -> CheckOutcome:
    """Check ``subject`` as ``dynotrace check`` does: against ``baseline`` (a report, or
    its file) unless ``update_baseline`` accepts this run as the new one, and against the
    budgets given. ``fail_on`` defaults to ``dynotrace check``'s (``divergence`` too for a
    distributed job). ``outcome.passed`` says whether it passed; ``outcome.job`` is what
    a baseline rewritten from this run holds."""
    from dynotrace.compare.gate import Budgets
    from dynotrace.compare.gate import check as gate
    from dynotrace.compare.policy import default_fail_on

    job = _job(subject)
    previous = None if baseline is None else _subject(baseline)
    if previous is not None and isinstance(baseline, (str, os.PathLike)) and baseline_path is None:
        baseline_path = os.fspath(baseline)
    if previous is not None and previous.distributed and not job.distributed:
        # One process's run checked against a job's baseline: a job of one rank.
        from dynotrace.jobs.combine import build_job

        job = build_job({0: job.report}, {}, run=job.run, world_size=1)
    budgets = Budgets(max_graph_breaks, max_recompiles, max_recompile_limit_hits)
    policy = default_fail_on(job.distributed) if fail_on is None else fail_on
    return gate(
        job,
        previous,
        budgets=budgets,
        fail_on=policy,
        update_baseline=update_baseline,
        command=command,
        baseline_path=_shown_path(baseline_path) if baseline_path else None,
    )


def _shown_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def read_baseline(path: str | None, *, required: bool) -> JobReport | None:
    """The baseline report of a check, read before the script runs so that a missing or
    broken baseline fails at once. When it is about to be rewritten (not ``required``) it
    is only shown for what changed, so one that cannot be read is ignored."""
    if path is None:
        return None
    if not required and not os.path.isfile(path):
        # Being rewritten: only a regular file is worth showing. A FIFO or a device would
        # be read from (blocking on a FIFO until someone writes) only to be written to next.
        return None
    try:
        return load_any(path)
    except InputError as exc:
        if required:
            raise InputError(f"{exc} (record one with `dynotrace check SCRIPT --update-baseline`)") from None
        return None


def publish(
    outcome: CheckOutcome,
    *,
    sarif: str | None = None,
    quiet: bool = False,
    width: int | None = None,
    color: bool | None = None,
) -> str | None:
    """Tell the person, the code scanner and GitHub what a check found: the verdict on
    stdout (one line with ``quiet``), SARIF to ``sarif``, and under GitHub Actions an
    annotation per regression and a markdown step summary. Returns a warning (one line)
    when the step summary could not be written."""
    from dynotrace.renderers.github import append_step_summary, in_github_actions
    from dynotrace.renderers.markdown import check_markdown

    sys.stdout.flush()
    sys.stderr.flush()
    out = sys.__stdout__ or sys.stdout
    if quiet:
        n = len(outcome.regressions)
        verdict = "dynotrace check: passed" if outcome.passed else f"dynotrace check: {n} regression{'s' if n != 1 else ''}"
        print(verdict, file=out, flush=True)
    else:
        render(outcome, "terminal", out, width=width, color=color)
    if sarif:
        render(outcome, "sarif", sarif)
    if in_github_actions():
        render(outcome, "github", out)
    return append_step_summary(check_markdown(outcome))


def script_failed(exit_code: int, interrupted: bool, command: str, job: JobReport | None = None) -> str:
    """A check of a script that failed compares nothing: the one line that says so. Under
    GitHub Actions it is also an annotation and the step summary."""
    from dynotrace.model import format_ranks
    from dynotrace.renderers.github import append_step_summary, escape_data, in_github_actions

    how = "was interrupted" if interrupted and exit_code in (130, 143) else f"exited with code {exit_code}"
    where = ""
    if job is not None and job.distributed:
        failed = [r for r, rep in job.ranks.items() if rep.run.exit_code not in (None, 0)]
        if failed:
            where = f" on {format_ranks(failed)}"
            how = f"exited with code {exit_code}" if exit_code not in (130, 143) else how
    message = f"the script {how}{where}; nothing was compared (a failing run is not a pass)"
    if in_github_actions():
        print(f"::error title=dynotrace check::{escape_data(message)}", file=sys.__stdout__ or sys.stdout, flush=True)
    append_step_summary(f"### dynotrace check `{command}`: :x: {message}\n")
    return message


def read_trace_report(path: str, *, strict: bool = False, command: str | None = None) -> Report:
    """The report of a TORCH_TRACE file or directory, folded exactly as a live capture is.

    A directory with the logs of several ranks of a distributed job is no one process's
    story: ``InputError`` then says to read it with ``read_trace_job``."""
    job, _ = read_trace(path, strict=strict, command=command)
    if job.distributed:
        raise InputError(
            f"'{path}' holds the logs of {len(job.ranks) + len(job.missing)} ranks of a distributed job: "
            "read it with dynotrace.read_trace_job"
        )
    return job.report


def read_trace_job(path: str, *, strict: bool = False, command: str | None = None) -> JobReport:
    """The report of a distributed job from its ranks' TORCH_TRACE logs: each rank read
    and folded on its own (``JobReport.ranks``), compared with the others (``groups``,
    ``divergence``). A single log, or a directory with one rank's logs, gives a job of
    one rank."""
    from dynotrace.jobs.combine import build_job
    from dynotrace.jobs.offline import rank_in_name, rank_in_records

    job, _ = read_trace(path, strict=strict, command=command)
    if job.distributed:
        return job
    rank = 0
    if os.path.isfile(path):
        name = os.path.basename(path)
        rank = next((r for r in (rank_in_name(name), rank_in_records(Path(path))) if r is not None), 0)
    return build_job({rank: job.report}, {}, run=job.run, world_size=None)


def read_trace(
    path: str,
    *,
    strict: bool = False,
    command: str | None = None,
    section_format: str | None = None,
    keep_ranks: Collection[int] | None = None,
    artifacts: dict[int, Artifacts] | None = None,
) -> tuple[JobReport, Sections | None]:
    """What ``dynotrace explain --trace PATH`` reads: a distributed job when ``PATH`` is a
    directory with the logs of several ranks, else one process's run; and, with
    ``section_format``, each rank's part of the job's file, serialised as it was read.

    ``keep_ranks`` (for a job whose output is its file and terminal report) names the ranks
    whose whole report is needed besides the lowest rank of each way of compiling; the
    others are kept in outline (``RankOutline``), so memory does not grow with the number
    of ranks. ``None`` (the default) keeps every rank's report. ``artifacts``, when given, is
    filled with what tlparse shows of each rank's compiles."""
    from dynotrace.capture.live import run_info
    from dynotrace.jobs.offline import read_trace as read_job_trace

    info = run_info(command or f"dynotrace explain --trace {path}", source="trace")
    return read_job_trace(
        path, info, strict=strict, section_format=section_format, keep=keep_ranks, artifacts=artifacts
    )


@dataclass
class Run:
    """What ``explain`` and ``check`` work on: a script run under dynotrace, or a
    TORCH_TRACE log read. ``job`` is ``None`` on a rank of a live job other than 0, whose
    capture rank 0 gathers (``gathered_elsewhere``)."""

    job: JobReport | None
    exit_code: int = 0
    interrupted: bool = False
    #: Ranks' parts of the job's file, serialised as they were read (``--trace`` of a job).
    sections: Sections | None = None
    #: This process's part in a live distributed job.
    rank: RankRun | None = None
    #: What tlparse shows of each rank's compiles, when asked for (an HTML report).
    artifacts: dict[int, Artifacts] | None = None

    @property
    def gathered_elsewhere(self) -> bool:
        """A rank other than 0 of a live job: rank 0 reports the job."""
        return self.rank is not None and self.rank.job is None

    def add_trials(self, trials: Trials) -> None:
        """Keep ``trials`` (``try_fixes``) in this run's report: its file and its terminal
        report then have them. Only one process's run has trials."""
        from dataclasses import replace

        assert self.job is not None and not self.job.distributed
        self.job = JobReport.single(replace(self.job.report, trials=trials))

    def save(self, output: str, fmt: str | None = None) -> None:
        """Write the report file; rank 0 of a live job then tells the other ranks it is out."""
        assert self.job is not None
        save(self.job, output, fmt, sections=self.sections, artifacts=self.artifacts)
        if self.sections is not None:
            self.sections.discard()
            self.sections = None
        self.done(written=True, output=output)

    def done(self, *, written: bool, output: str | None) -> None:
        """Rank 0 of a live job: tell the other ranks whether the job's report is out
        (only the first call says anything)."""
        if self.rank is not None:
            self.rank.finish(written=written, output=output)

    def keep_own_findings(self, *, output: str | None, fmt: str | None, quiet: bool, **terminal: Any) -> None:
        """A rank other than 0: once rank 0 has said its capture is in the job's report,
        nothing more to do; else keep this rank's findings: its own report beside ``-o``
        (``NAME.rankN.EXT``), or on the terminal without ``-o``."""
        from dynotrace.jobs.live import fallback_message, other_rank_wait, rank_output_path

        run = self.rank
        assert run is not None
        wait = other_rank_wait(run, run.timeout)
        said = run.wait_for_rank0(wait or 0.0)  # with no wait: one look
        if said is not None and said.get("written") and run.env.rank in (said.get("ranks") or []):
            return
        if wait is None and said is None and run.exchange is not None:
            return  # rank 0 has not gathered yet: it will find this rank's capture waiting
        if output and _is_file(output):
            path = rank_output_path(output, run.env.rank)
            save(run.report, path, fmt)
            print(fallback_message(run, said, f"in {path}"), file=sys.stderr, flush=True)
        elif output:
            # -o names no file (stdout, a device, a FIFO): there is nowhere beside it to write.
            print(fallback_message(run, said, f"not kept: -o {output} is not a file"), file=sys.stderr, flush=True)
        elif not quiet:
            print(fallback_message(run, said, "printed below"), file=sys.stderr, flush=True)
            render(run.report, "terminal", sys.__stdout__, **terminal)


def _is_file(output: str) -> bool:
    from dynotrace.files.output import output_target

    try:
        return output_target(output).kind == "file"
    except InputError:
        return False


def run(
    args: list[str] | None = None,
    *,
    trace: str | None = None,
    module: bool = False,
    backend: str | None = None,
    strict: bool = False,
    command: str | None = None,
    output: str | None = None,
    fmt: str | None = None,
    rank_timeout: float | None = None,
    keep_ranks: Collection[int] | None = None,
    artifacts: bool = False,
) -> Run:
    """Run a script (``args``, or ``-m`` module) like python would, under a capture, or
    read the TORCH_TRACE log ``trace``. Under a launcher (``RANK``/``WORLD_SIZE`` set) each
    rank captures itself and rank 0 gathers the job (``rank_timeout``: how long it waits,
    and each other rank for it). ``output``/``fmt`` say where the report will be saved
    (the ranks' exchange lives beside it; a log's ranks are serialised in that format as
    they are read; ``keep_ranks`` as ``read_trace``). Raises ``NoTargetError`` before
    anything runs when the script cannot be run; the script's own failure is its exit
    code. With ``artifacts`` (an HTML report), what tlparse shows of each compile is kept
    too (``Run.artifacts``; not for the ranks of a live distributed job, whose captures
    travel without them)."""
    if trace is not None:
        section_format = _file_format(output, fmt) if output else None
        if section_format not in FILE_FORMATS:
            section_format = None
        kept: dict[int, Artifacts] | None = {} if artifacts else None
        job, sections = read_trace(
            trace, strict=strict, command=command, section_format=section_format, keep_ranks=keep_ranks, artifacts=kept
        )
        return Run(job, sections=sections, artifacts=kept)
    assert args is not None
    from dynotrace.jobs.launcher import rank_env

    env = rank_env()
    if env is not None:
        from dynotrace.jobs.live import DEFAULT_TIMEOUT_S, print_problem, run_rank

        wait = DEFAULT_TIMEOUT_S if rank_timeout is None else rank_timeout
        rank = run_rank(args, env=env, as_module=module, backend=backend, command=command, output=output, timeout=wait)
        print_problem(rank)
        if rank.job is None:
            return Run(None, rank.exit_code, rank.report.run.interrupted, rank=rank)
        # Ranks' captures travel without their artifacts: an HTML page says where to get them.
        return Run(rank.job, rank.job.run.exit_code or 0, rank.job.run.interrupted, rank=rank, artifacts={} if artifacts else None)
    from dynotrace.analysis.build import build_report
    from dynotrace.capture.live import capture_target
    from dynotrace.events import ARTIFACT_KINDS

    result = capture_target(
        args, as_module=module, backend=backend, command=command, keep=ARTIFACT_KINDS if artifacts else frozenset()
    )
    texts: list[Artifacts] | None = [] if artifacts else None
    report = build_report(
        result.events, result.run, seed_strings=result.seed_strings, wall_s=result.wall_s, artifacts=texts
    )
    kept = {0: texts[0]} if texts else None
    return Run(JobReport.single(report), result.exit_code, result.interrupted, artifacts=kept)


def _file_format(output: str | None, fmt: str | None) -> str:
    """The format of a report file: ``fmt``, else the one its extension names. A file whose
    extension names none of them is refused, not guessed (standard output, a pipe, a
    device or a link the user set up get YAML)."""
    from dynotrace.files.output import writes_to_stdout as to_stdout
    from dynotrace.renderers import format_for

    chosen = format_for(output, fmt, default="", among=OUTPUT_FORMATS)
    if chosen:
        return chosen
    if not output or to_stdout(output) or _set_up_node(output):
        return "yaml"
    raise UsageError(
        f"cannot tell which report to write to '{output}' from its name: end it in .yaml, .json or .html, "
        "or give the format (--format)"
    )


def _set_up_node(path: str) -> bool:
    """An output the user set up before the run: a link, a pipe, a device (``/dev/fd/63``
    of a shell's ``>(...)``), whose name need not say a format: YAML goes there."""
    try:
        return os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path))
    except OSError:
        return False


def output_format(output: str, fmt: str | None = None) -> str:
    """What ``explain -o OUTPUT`` writes: ``yaml``, ``json`` or ``html``."""
    return _file_format(output, fmt)


def distributed_target(trace: str | None) -> bool:
    """Whether ``run`` will report a distributed job: this process is a rank under a
    launcher, or ``trace`` is a directory with the logs of several ranks."""
    if trace is not None:
        from dynotrace.jobs.offline import classify

        return classify(trace) is not None
    from dynotrace.jobs.launcher import rank_env

    return rank_env() is not None


def try_fixes(
    args: list[str],
    *,
    report: Report | None = None,
    module: bool = False,
    backend: str | None = None,
    max_trials: int | None = None,
    trial_timeout: float | None = None,
    time_limit: float | None = None,
    trials_dir: PathLike | None = None,
    progress: bool | TextIO = False,
) -> Trials:
    """Rerun a script (``args``, or the ``-m`` module) once with no change and once per
    candidate fix for the findings of ``report`` (by default, of that first rerun), each in
    a fresh process with the same arguments and a cold compile cache, and return what each
    changed (``dynotrace explain --try-fixes``; ``Report.trials`` once kept in a report).

    This runs the script again, several times: whatever it does (writing files, ...) it
    does each time. ``max_trials`` bounds the reruns besides the first (default 8),
    ``trial_timeout`` each rerun's seconds (default: 5 times the first rerun's, at least
    120), ``time_limit`` all of them together. Each rerun's output log and report are kept
    in ``trials_dir`` (default: a new temporary directory). ``progress`` prints a line per
    rerun on stderr (or on the stream given). Ctrl-C or SIGTERM stops the rerun in progress
    and ends the trials: those that finished are returned, ``interrupted`` says so. Not for
    a rank of a distributed job: trials run single-process scripts only."""
    from dynotrace.jobs.launcher import rank_env
    from dynotrace.trials.session import DEFAULT_MAX_TRIALS, Budget, Rerun
    from dynotrace.trials.session import try_fixes as run_trials

    if rank_env() is not None:
        raise UsageError("--try-fixes runs trials for single-process scripts only, not for a rank of a distributed job")
    if backend is not None and backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if not args:
        raise UsageError("try_fixes needs a script (or module) to rerun")
    budget = Budget(DEFAULT_MAX_TRIALS if max_trials is None else max_trials, trial_timeout, time_limit)
    stream = sys.stderr if progress is True else progress or None
    return run_trials(
        Rerun(tuple(args), module=module, backend=backend),
        report=report,
        budget=budget,
        directory=Path(trials_dir) if trials_dir is not None else None,
        progress=_ProgressLines(stream) if stream is not None else None,
    )


def _ProgressLines(stream: TextIO) -> Any:
    """One line per rerun on ``stream``: on a terminal its start, completed when it ends;
    piped, the whole line when it ends (no colour either way)."""
    from dynotrace.trials.session import Progress

    class Lines(Progress):
        def __init__(self) -> None:
            self.tty = stream.isatty()
            self.label = ""

        def start(self, index: int, total: int, label: str) -> None:
            self.label = f"[{index}/{total}] {label}" if index else label
            if self.tty:
                print(f"dynotrace: {self.label} ...", end="", file=stream, flush=True)

        def done(self, verdict: str, seconds: float) -> None:
            words = verdict.replace("_", " ")
            end = f" {words} ({seconds:.1f}s)"
            print(end if self.tty else f"dynotrace: {self.label} ...{end}", file=stream, flush=True)

        def note(self, text: str) -> None:
            print(f"dynotrace: trying fixes: {text}", file=stream, flush=True)

    return Lines()


def render_trials(
    trials: Trials, file: TextIO | None = None, *, width: int | None = None, color: bool | None = None, timing: bool = True
) -> None:
    """Print the "Verified fixes" panel of ``trials`` alone (the terminal report of a
    report that holds trials ends with it)."""
    from dynotrace.renderers.base import Options
    from dynotrace.renderers.terminal_trials import render_trials as render_panel

    sys.stdout.flush()
    sys.stderr.flush()
    render_panel(trials, file, options=Options(width=width, color=color, timing=timing))


def trials_exit_code(trials: Trials, script_exit_code: int) -> int:
    """The exit code of ``explain --try-fixes``: the script's, or 130 / 143 when Ctrl-C or
    SIGTERM stopped the trials."""
    from dynotrace.capture.live import EXIT_SIGINT, EXIT_SIGTERM

    if not trials.interrupted:
        return script_exit_code
    return EXIT_SIGTERM if trials.stopped_by == "SIGTERM" else EXIT_SIGINT


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """SIGTERM (a CI timeout, ``kill``) ends the block through ``SystemExit(143)``, so
    what was captured is still written and a write it cuts short leaves no half file."""
    from dynotrace.capture.live import sigterm_as_exit as as_exit

    with as_exit():
        yield


def names_file(path: str) -> bool:
    """Whether output to ``path`` makes a regular file (not stdout, a device or a FIFO).
    A path that cannot be written says so when it is written, not here: ``True``."""
    from dynotrace.files.output import output_target

    try:
        return output_target(path).kind == "file"
    except InputError:
        return True


def writes_to_stdout(path: str) -> bool:
    """Whether output to ``path`` lands on standard output (``-``, ``/dev/stdout``, ...)."""
    from dynotrace.files.output import writes_to_stdout as to_stdout

    return to_stdout(path)


__all__ = [
    "BACKENDS",
    "Capture",
    "Run",
    "RunInfo",
    "capture",
    "check",
    "compare",
    "diff",
    "diff_jobs",
    "distributed_target",
    "load",
    "load_any",
    "load_job",
    "load_pair",
    "names_file",
    "publish",
    "read_baseline",
    "read_trace",
    "read_trace_job",
    "read_trace_report",
    "render",
    "run",
    "save",
    "script_failed",
    "render_trials",
    "sigterm_as_exit",
    "try_fixes",
    "trials_exit_code",
    "writes_to_stdout",
]
