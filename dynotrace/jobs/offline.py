"""A ``TORCH_TRACE`` directory with the logs of several ranks, read rank by rank.

Every process of a job writes its own log; a distributed process names it after its rank
once ``torch.distributed`` is initialised (``dedicated_log_torch_trace_rank_3_x1y2.log``,
``torch/_logging/_internal.py``, ``LazyTraceHandler``) and writes ``"rank": 3`` into each
record's envelope. Each rank is read and folded on its own, exactly as a single-rank log
is (``read_trace`` + ``fold_events``), so its report is that rank's own story: its frames,
its compile ids, its counts.

How a directory is read:

* A log's rank is the number in its name; a log whose name has none takes the ``rank`` of
  its first record that has one. A name and records that disagree (a renamed log) are
  noted; the name wins, as in tlparse.
* Fewer than two ranks among the logs: not a multi-rank directory (``classify`` returns
  ``None``) and it is read as before, all its logs as one stream.
* Logs with no rank (a process that never initialised ``torch.distributed``), and files
  that are not ``*.log``/``*.log.gz``, are not read; a note names them.
* Several logs of one rank (a rerun into the same directory, a torchrun restart, a
  forked child): the newest (by modification time) is read, the others are named in a
  note and can be read alone with ``--trace FILE``.
* A rank whose log cannot be read (empty, not a trace, damaged beyond use) is a missing
  rank, with the reason; with ``--strict`` it is an error.
* With more than one core and enough to read, ranks are read side by side in forked
  children (``dynotrace.jobs.parallel``).
"""

from __future__ import annotations

import functools
import gc
import gzip
import json
import marshal
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dynotrace.analysis.build import read_log, read_log_with_artifacts
from dynotrace.errors import InputError
from dynotrace.files.documents import Sections, section_text, write_section_of
from dynotrace.model import Artifact, Artifacts, CompileArtifacts, JobReport, MissingRank, RankDetail, RankOutline
from dynotrace.model import ReadProblems, Report, RunInfo, Summary
from dynotrace.model import format_ranks
from dynotrace.model.schema import detail_from_dict, detail_to_dict, from_plain, rank_to_dict, report_from_dict, to_plain

#: ``dedicated_log_torch_trace_rank_<N>[_<suffix>].log[.gz]``
RANK_LOG = re.compile(r"^dedicated_log_torch_trace_rank_(\d+)(?:_[^/]*)?\.log(?:\.gz)?$")
#: Below this many bytes of logs in all, ranks are read one after the other: forking costs
#: a few milliseconds and saves nothing on small logs.
PARALLEL_MIN_BYTES = 8 * 2**20
#: How much of a log's start is searched for a record that names its rank.
_PEEK_BYTES = 1 << 18


@dataclass(frozen=True)
class RankLog:
    """The log read for one rank, and that rank's other logs (not read)."""

    rank: int
    path: Path
    others: tuple[Path, ...] = ()


@dataclass(frozen=True)
class TraceLayout:
    """A directory's rank logs, and what in it is not read."""

    directory: Path
    logs: tuple[RankLog, ...]
    notes: tuple[str, ...] = ()


def _is_log(name: str) -> bool:
    return name.endswith((".log", ".log.gz"))


def rank_in_name(name: str) -> int | None:
    m = RANK_LOG.match(name)
    return int(m[1]) if m else None


def rank_in_records(path: Path) -> int | None:
    """The ``rank`` of the first record near the log's start that carries one."""
    try:
        with open(path, "rb") as raw:
            head = raw.read(2)
            raw.seek(0)
            if head == b"\x1f\x8b":
                with gzip.open(raw) as unzipped:
                    data = unzipped.read1(_PEEK_BYTES) if hasattr(unzipped, "read1") else unzipped.read(_PEEK_BYTES)
            else:
                data = raw.read(_PEEK_BYTES)
    except (OSError, EOFError, zlib.error):
        return None
    for line in data.split(b"\n"):
        if line[:1] == b"\t" or b'"rank": ' not in line:
            continue
        start = line.find(b"] {")
        if start < 0:
            continue
        try:
            envelope = json.loads(line[start + 2 :])
        except ValueError:
            continue
        rank = envelope.get("rank") if isinstance(envelope, dict) else None
        if type(rank) is int and rank >= 0:
            return rank
    return None


def classify(path: str | os.PathLike[str]) -> TraceLayout | None:
    """The rank logs of a directory, or ``None`` when ``path`` is not a directory with the
    logs of at least two ranks (then it is read as one process's log, as before)."""
    directory = Path(path)
    if not directory.is_dir():
        return None
    try:
        entries = sorted(p for p in directory.iterdir() if p.is_file())
    except OSError:
        return None  # the ordinary reader says why it cannot list it
    by_rank: dict[int, list[Path]] = {}
    renamed: list[str] = []
    unranked: list[Path] = []
    others: list[Path] = []
    for entry in entries:
        if not _is_log(entry.name):
            others.append(entry)
            continue
        named = rank_in_name(entry.name)
        recorded = rank_in_records(entry)
        rank = named if named is not None else recorded
        if rank is None:
            unranked.append(entry)
            continue
        if named is not None and recorded is not None and named != recorded:
            renamed.append(f"{entry.name} is named rank {named} but its records say rank {recorded}")
        by_rank.setdefault(rank, []).append(entry)
    if len(by_rank) < 2:
        return None
    notes: list[str] = []
    logs: list[RankLog] = []
    for rank in sorted(by_rank):
        files = sorted(by_rank[rank], key=lambda p: (_mtime(p), p.name), reverse=True)
        logs.append(RankLog(rank, files[0], tuple(sorted(files[1:]))))
        if len(files) > 1:
            notes.append(
                f"rank {rank} has {len(files)} logs: read {files[0].name}, the newest; not read: "
                + ", ".join(p.name for p in sorted(files[1:]))
                + " (earlier runs or restarts of that rank, or a process it forked; read one alone with --trace FILE)"
            )
    if renamed:
        notes.append("; ".join(renamed) + ": read as the rank its name says (as tlparse does)")
    skipped = [f"{p.name} (no rank in its name or its records)" for p in unranked]
    skipped += [f"{p.name} (not a TORCH_TRACE log: only *.log and *.log.gz are read)" for p in others]
    if skipped:
        notes.append("not read: " + ", ".join(skipped))
    return TraceLayout(directory, tuple(logs), tuple(notes))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class _Task:
    """What a worker needs to read one rank (pickled to the worker: plain values only)."""

    log: RankLog
    strict: bool
    run: RunInfo
    base_dir: str
    section_format: str | None
    #: Where the rank's part of the job's file is kept (``Sections.files``), when a format
    #: was asked for.
    sections_dir: str | None
    #: Where a worker leaves the rank's whole report, as plain data, for this process.
    spool: str
    #: Keep what tlparse shows for each compile (an HTML report).
    artifacts: bool


def _read_one(task: _Task) -> tuple[Report, RankDetail, Artifacts | None]:
    """One rank's report and detail, read and folded as a single-rank log is, and its
    artifacts when the task asks for them."""
    artifacts = None
    if task.artifacts:
        report, facts, artifacts = read_log_with_artifacts(
            task.log.path, task.run, strict=task.strict, base_dir=task.base_dir
        )
    else:
        report, facts = read_log(task.log.path, task.run, strict=task.strict, base_dir=task.base_dir)
    return report, RankDetail(rank=task.log.rank, logs=(task.log.path.name,), compiles=facts), artifacts


def _artifacts_data(artifacts: Artifacts | None) -> Any:
    """Artifacts as plain data, as a worker hands them back."""
    if artifacts is None:
        return None
    return {
        "configs": dict(artifacts.configs),
        "compiles": [[c.compile_id, [[a.kind, a.title, a.text] for a in c.items]] for c in artifacts.compiles],
    }


def _artifacts_from(data: Any) -> Artifacts | None:
    if not isinstance(data, dict):
        return None
    return Artifacts(
        tuple(CompileArtifacts(cid, tuple(Artifact(*item) for item in items)) for cid, items in data["compiles"]),
        dict(data["configs"]),
    )


def _section(report: Report, detail: RankDetail, fmt: str) -> str:
    """The rank's part of the job's file, as the job's report file holds it."""
    return section_text("ranks", str(detail.rank), rank_to_dict(report, detail), fmt)


def compiled_as(report: Report) -> tuple[Any, ...]:
    """How a rank compiled, in the terms its groups and divergence are worked out in: each
    function's key and compile signatures, in the report's order. Two ranks alike here are
    grouped and compared alike, so one's report can stand for the other's
    (``RankOutline.like``)."""
    # Imported here, as the pool below: reading one log needs neither, and importing them
    # was a tenth of dynotrace's start-up.
    from dynotrace.compare.divergence import function_signature

    return tuple((f.key, function_signature(f)) for f in report.functions)


def _outline_data(report: Report, detail: RankDetail) -> dict[str, Any]:
    """What a ``RankOutline`` of the rank is made of, as plain data, with its detail."""
    return {
        "run": to_plain(report.run),
        "summary": to_plain(report.summary),
        "problems": to_plain(report.problems),
        "notes": list(report.notes),
        "timing": dict(report.timing),
        "detail": detail_to_dict(detail),
        "ops_text": {c.compile_id: list(c.output_ops_text) for c in detail.compiles if c.output_ops_text},
    }


def _read_in_worker(task: _Task) -> dict[str, Any]:
    """``_read_one`` in a worker, as what the pool hands back: the rank's outline and how
    it compiled; its part of the job's file is written to ``task.sections_dir`` and its
    whole report, as plain data, to ``task.spool`` (read back only if this process needs
    it: ``_whole``)."""
    try:
        report, detail, artifacts = _read_one(task)
    except InputError as exc:
        return {"error": str(exc)}
    data = rank_to_dict(report, detail)
    result: dict[str, Any] = {
        "outline": _outline_data(report, detail),
        "compiled_as": compiled_as(report),
        "section": None,
        "artifacts": _artifacts_data(artifacts),
    }
    del artifacts
    del report  # what follows needs only the plain data: less memory at the peak
    if task.section_format and task.sections_dir:
        result["section"] = write_section_of(task.sections_dir, "ranks", task.log.rank, data, task.section_format)
    path = os.path.join(task.spool, f"{task.log.rank}.marshal")
    with open(path, "wb") as stream:
        marshal.dump(data, stream)
    result["data"] = path
    del data
    _collect()
    return result


def _collect() -> None:
    """A full pass of the cyclic garbage collector, once a rank is read.

    Reading and folding a log leaves some of its objects in reference cycles (about 30 MB
    for the 57 MB benchmark log), which only a full pass frees, and full passes are rare
    in a process that keeps a lot: a process reading rank after rank grew by those 30 MB
    per rank (64 ranks: 1.1 GB in one worker). One pass per rank keeps it at the memory of
    one rank's read, for about 0.05 s of CPU."""
    gc.collect()


def _whole(rank: int, result: dict[str, Any]) -> tuple[Report, RankDetail]:
    """The whole report a worker left in the spool, and the rank's detail."""
    with open(result["data"], "rb") as stream:
        data = marshal.load(stream)
    report = report_from_dict(data, origin=f"rank {rank}")
    return report, _detail(rank, result["outline"])


def _detail(rank: int, outline: dict[str, Any]) -> RankDetail:
    detail = detail_from_dict(rank, outline["detail"], f"rank {rank}")
    ops_text = outline.get("ops_text") or {}
    compiles = tuple(
        replace(c, output_ops_text=tuple(ops_text[c.compile_id])) if c.compile_id in ops_text else c
        for c in detail.compiles
    )
    return replace(detail, compiles=compiles)


def _outline(rank: int, outline: dict[str, Any], like: int) -> RankOutline:
    where = f"rank {rank}"
    return RankOutline(
        run=from_plain(RunInfo, outline["run"], where),
        problems=from_plain(ReadProblems, outline["problems"], where),
        notes=tuple(outline["notes"]),
        timing=dict(outline["timing"]),
        counts=from_plain(Summary, outline["summary"], where),
        like=like,
    )


@dataclass(frozen=True)
class _Ranks:
    """What reading a directory's ranks gave: the ranks read, why the others could not
    be, and the artifacts of those read, when asked for."""

    reports: dict[int, Report]
    details: dict[int, RankDetail]
    errors: dict[int, str]
    artifacts: dict[int, Artifacts]


def _read_ranks(tasks: list[_Task], sections: Sections | None, keep: Collection[int] | None) -> _Ranks:
    """Read each rank's task: side by side in worker processes when that pays (``keep``
    and ``sections`` as ``read_trace``'s)."""
    from dynotrace.jobs.parallel import FAILED, can_fork, cpu_count, run_pool

    kept = _Kept(keep)
    found: dict[int, Artifacts] = {}
    errors: dict[int, str] = {}
    sizes = [_size(t.log.path) for t in tasks]
    workers = min(cpu_count(), len(tasks))
    if sum(sizes) >= PARALLEL_MIN_BYTES and can_fork(workers):
        # This process reads a share too (its ranks need no trip through a file), and
        # takes in the workers' results as they come.
        redo: list[_Task] = []
        for index, result in run_pool(_read_in_worker, tasks, sizes, workers, here=lambda i: _read_here(tasks[i], sections)):
            rank = tasks[index].log.rank
            if result is FAILED:
                redo.append(tasks[index])
            elif isinstance(result, _Read):
                if result.error is not None:
                    errors[rank] = result.error
                else:
                    if result.artifacts is not None:
                        found[rank] = result.artifacts
                    lean = keep is not None
                    kept.arrive(rank, compiled_as(result.report), result.outline, functools.partial(_held_here, result, rank, lean))
            elif "error" in result:
                errors[rank] = result["error"]
            else:
                if result["section"] is not None and sections is not None:
                    sections.files[rank] = result["section"]
                if (rank_artifacts := _artifacts_from(result.get("artifacts"))) is not None:
                    found[rank] = rank_artifacts
                kept.arrive(
                    rank,
                    result["compiled_as"],
                    result["outline"],
                    functools.partial(functools.partial, _whole, rank, result),
                    functools.partial(os.unlink, result["data"]),
                )
            result = None  # not held while the next rank is read here
        tasks = sorted(redo, key=lambda t: t.log.rank)
    for task in tasks:
        read = _read_here(task, sections)
        if read.error is not None:
            errors[task.log.rank] = read.error
        else:
            if read.artifacts is not None:
                found[task.log.rank] = read.artifacts
            kept.arrive(
                task.log.rank, compiled_as(read.report), read.outline, functools.partial(_held_here, read, task.log.rank, keep is not None)
            )
        del read  # not held while the next rank is read
    reports, details = kept.result()
    return _Ranks(reports, details, errors, dict(sorted(found.items())))


@dataclass(frozen=True)
class _Read:
    """A rank read in this process: its report and detail as they are."""

    report: Any = None
    detail: Any = None
    outline: Any = None
    error: str | None = None
    artifacts: Artifacts | None = None

    def pair(self) -> tuple[Report, RankDetail]:
        return self.report, self.detail


def _read_here(task: _Task, sections: Sections | None) -> _Read:
    try:
        report, detail, artifacts = _read_one(task)
    except InputError as exc:
        return _Read(error=str(exc))
    if task.section_format and sections is not None and sections.directory is not None:
        data = rank_to_dict(report, detail)
        sections.files[task.log.rank] = write_section_of(sections.directory, "ranks", task.log.rank, data, task.section_format)
        del data
    read = _Read(report, detail, _outline_data(report, detail), artifacts=artifacts)
    _collect()
    return read


class _Kept:
    """The ranks read so far: whole reports where needed, outlines elsewhere.

    Where only some reports are kept (``keep``), the whole reports are held as plain data
    (``marshal``: a tenth of the memory of the report) or left in the worker's file until
    the last rank is read, and built at the end: while ranks are being read, this process
    holds no report but the one it is reading."""

    def __init__(self, keep: Collection[int] | None) -> None:
        self.keep = None if keep is None else frozenset(keep)
        self.whole: dict[int, Callable[[], tuple[Report, RankDetail]]] = {}
        self.discard: dict[int, Callable[[], None]] = {}
        self.outlines: dict[int, tuple[Any, dict[str, Any]]] = {}  # rank -> (how it compiled, outline data)
        self.first: dict[Any, int] = {}  # how ranks compiled -> the lowest rank read that did

    def arrive(
        self,
        rank: int,
        how: Any,
        outline: dict[str, Any],
        hold: Callable[[], Callable[[], tuple[Report, RankDetail]]],
        discard: Callable[[], None] | None = None,
    ) -> None:
        """``hold()`` makes a loader of the rank's whole report, called only if it is
        needed; ``discard()`` frees what the loader would read."""
        self.outlines[rank] = (how, outline)
        needed = self.keep is None or rank in self.keep
        first = self.first.get(how)
        if first is None or rank < first:
            self.first[how] = rank
            needed = True
            if first is not None and self.keep is not None and first not in self.keep:
                del self.whole[first]  # a lower rank compiled as it did: it stands for both
                self.discard.pop(first, _nothing)()
        if needed:
            load = hold()
            if self.keep is None:
                value = load()  # every report is kept: build it now
                self.whole[rank] = lambda: value
            else:
                self.whole[rank] = load
                if discard is not None:
                    self.discard[rank] = discard
                    return
        if discard is not None:
            discard()

    def result(self) -> tuple[dict[int, Report], dict[int, RankDetail]]:
        reports: dict[int, Report] = {}
        details: dict[int, RankDetail] = {}
        for rank in sorted(self.outlines):
            how, outline = self.outlines[rank]
            if rank in self.whole:
                reports[rank], details[rank] = self.whole[rank]()
            else:
                reports[rank] = _outline(rank, outline, self.first[how])
                details[rank] = _detail(rank, outline)
        for discard in self.discard.values():
            discard()
        return reports, details


def _nothing() -> None:
    pass


def _held_here(read: _Read, rank: int, lean: bool) -> Callable[[], tuple[Report, RankDetail]]:
    """A loader of a report read in this process: the report itself when every report is
    kept, else the report as plain data, built again when the job is."""
    if not lean:
        return read.pair
    data = marshal.dumps(rank_to_dict(read.report, read.detail))
    detail = read.detail
    return lambda: (report_from_dict(marshal.loads(data), origin=f"rank {rank}"), detail)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_trace(
    path: str,
    run: RunInfo,
    *,
    strict: bool = False,
    section_format: str | None = None,
    keep: Collection[int] | None = None,
    artifacts: dict[int, Artifacts] | None = None,
) -> tuple[JobReport, Sections | None]:
    """What ``dynotrace explain --trace PATH`` reads: a distributed job when ``PATH`` is a
    directory with the logs of several ranks (and, with ``section_format``, each rank's
    part of its file, serialised while it was read), else one process's run. ``artifacts``,
    when given, is filled with each rank's artifacts (rank 0's for one process's run).

    A job's ranks are read side by side in worker processes when that pays. ``keep`` says
    which ranks' whole reports the caller needs (``None``: all of them). The others are
    then kept in outline (``RankOutline``: summary, run, timing; their part of the file,
    with ``section_format``, goes to a file as each is read), but for the lowest rank of
    each way of compiling (``compiled_as``), whose report stands for the ranks that
    compiled as it did: what the job's groups, divergence and terminal report need. So the
    memory held grows with the number of different ranks, not with the number of ranks."""
    layout = classify(path)
    if layout is None:
        if artifacts is not None:
            report, _, artifacts[0] = read_log_with_artifacts(path, run, strict=strict)
        else:
            report, _ = read_log(path, run, strict=strict)
        return JobReport.single(report), None
    from dynotrace.jobs.combine import build_job

    base_dir = os.getcwd()
    sections_dir = tempfile.mkdtemp(prefix="dynotrace-sections-") if section_format else None
    sections = Sections(section_format, directory=sections_dir) if section_format and sections_dir else None
    spool = tempfile.mkdtemp(prefix="dynotrace-ranks-")
    try:
        keeps = artifacts is not None
        tasks = [_Task(log, strict, run, base_dir, section_format, sections_dir, spool, keeps) for log in layout.logs]
        read = _read_ranks(tasks, sections, keep)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if read.errors and strict:
        raise InputError(read.errors[min(read.errors)])
    missing = tuple(MissingRank(rank, f"its log could not be read: {read.errors[rank]}") for rank in sorted(read.errors))
    if artifacts is not None:
        artifacts.update(read.artifacts)
    if not read.reports:
        raise InputError(
            f"No rank log in TORCH_TRACE directory '{layout.directory}' could be read: "
            + "; ".join(f"rank {m.rank}: {m.reason}" for m in missing)
        )
    notes = list(layout.notes)
    if missing:
        notes.append(f"{format_ranks(m.rank for m in missing)}: not in this report (see missing)")
    job = build_job(
        read.reports,
        read.details,
        run=run,
        world_size=None,
        missing=missing,
        notes=tuple(notes),
        launcher=None,
    )
    return job, sections
