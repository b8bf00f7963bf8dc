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

import gzip
import json
import os
import re
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dynotrace.analysis.build import read_log, read_log_with_artifacts
from dynotrace.errors import InputError
from dynotrace.files.documents import Sections, section_text
from dynotrace.jobs.parallel import FAILED, can_fork, cpu_count, run_forked
from dynotrace.model import Artifact, Artifacts, CompileArtifacts, JobReport, MissingRank, RankDetail, Report, RunInfo
from dynotrace.model import format_ranks
from dynotrace.model.schema import detail_from_dict, rank_to_dict, report_from_dict

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
    """What a worker needs to read one rank (picklable-free: it is inherited by fork)."""

    log: RankLog
    strict: bool
    run: RunInfo
    base_dir: str
    section_format: str | None
    #: Keep what tlparse shows for each compile (an HTML report).
    artifacts: bool = False


def _read_one(task: _Task) -> tuple[Report, RankDetail]:
    """One rank's report and detail, read and folded as a single-rank log is."""
    report, detail, _ = _read_with_artifacts(task)
    return report, detail


def _read_with_artifacts(task: _Task) -> tuple[Report, RankDetail, Artifacts | None]:
    """``_read_one``, and the rank's artifacts when the task asks for them."""
    artifacts = None
    if task.artifacts:
        report, facts, artifacts = read_log_with_artifacts(
            task.log.path, task.run, strict=task.strict, base_dir=task.base_dir
        )
    else:
        report, facts = read_log(task.log.path, task.run, strict=task.strict, base_dir=task.base_dir)
    return report, RankDetail(rank=task.log.rank, logs=(task.log.path.name,), compiles=facts), artifacts


def _artifacts_data(artifacts: Artifacts | None) -> Any:
    """Artifacts as plain data for the pipe (``jobs.parallel`` marshals its results)."""
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


def _read_as_data(task: _Task) -> dict[str, Any]:
    """``_read_one`` as plain data for the pipe: the rank's document, its serialised part
    of the job's file, and what the document leaves out (each op's output metadata)."""
    try:
        report, detail, artifacts = _read_with_artifacts(task)
    except InputError as exc:
        return {"error": str(exc)}
    data = rank_to_dict(report, detail)
    return {
        "data": data,
        "section": section_text("ranks", str(task.log.rank), data, task.section_format) if task.section_format else None,
        "ops_text": {c.compile_id: list(c.output_ops_text) for c in detail.compiles if c.output_ops_text},
        "artifacts": _artifacts_data(artifacts),
    }


@dataclass(frozen=True)
class _Read:
    """A rank read in this process: its report and detail as they are."""

    report: Report | None
    detail: RankDetail | None
    section: str | None
    error: str | None = None
    artifacts: Artifacts | None = None


def _read_here(task: _Task) -> _Read:
    try:
        report, detail, artifacts = _read_with_artifacts(task)
    except InputError as exc:
        return _Read(None, None, None, str(exc))
    section = _section(report, detail, task.section_format) if task.section_format else None
    return _Read(report, detail, section, artifacts=artifacts)


def _from_data(rank: int, result: dict[str, Any]) -> tuple[Report, RankDetail]:
    data = result["data"]
    report = report_from_dict(data, origin=f"rank {rank}")
    detail = detail_from_dict(rank, data.get("distributed"), f"rank {rank}")
    ops_text = result.get("ops_text") or {}
    compiles = tuple(
        replace(c, output_ops_text=tuple(ops_text[c.compile_id])) if c.compile_id in ops_text else c
        for c in detail.compiles
    )
    return report, replace(detail, compiles=compiles)


@dataclass(frozen=True)
class RanksRead:
    """What reading a directory's ranks gave."""

    reports: dict[int, Report]
    details: dict[int, RankDetail]
    missing: tuple[MissingRank, ...]
    #: Each rank's part of the job's file, serialised by the process that read it, when a
    #: format was asked for (``Sections`` of ``dynotrace.files.documents``).
    sections: dict[int, str]
    #: Each rank's artifacts, when asked for.
    artifacts: dict[int, Artifacts] = field(default_factory=dict)


def read_ranks(
    layout: TraceLayout,
    run: RunInfo,
    *,
    strict: bool = False,
    section_format: str | None = None,
    artifacts: bool = False,
) -> RanksRead:
    """Read each rank of ``layout``: side by side in forked children when that pays
    (keeping each rank's artifacts with ``artifacts``)."""
    base_dir = os.getcwd()
    tasks = [_Task(log, strict, run, base_dir, section_format, artifacts) for log in layout.logs]
    sizes = [_size(t.log.path) for t in tasks]
    workers = min(cpu_count(), len(tasks))
    reports: dict[int, Report] = {}
    details: dict[int, RankDetail] = {}
    sections: dict[int, str] = {}
    errors: dict[int, str] = {}
    kept: dict[int, Artifacts] = {}

    def keep(task: _Task, result: dict[str, Any]) -> None:
        rank = task.log.rank
        if "error" in result:
            errors[rank] = result["error"]
            return
        reports[rank], details[rank] = _from_data(rank, result)
        if result.get("section"):
            sections[rank] = result["section"]
        if (found := _artifacts_from(result.get("artifacts"))) is not None:
            kept[rank] = _with_ids(found, reports[rank])

    if sum(sizes) >= PARALLEL_MIN_BYTES and can_fork(workers):
        # This process reads a share too (its ranks need no trip through a file), and
        # turns the children's results into reports as they come.
        redo: list[_Task] = []
        for index, result in run_forked(lambda i: _read_as_data(tasks[i]), sizes, workers, here=lambda i: _read_here(tasks[i])):
            if result is FAILED:
                redo.append(tasks[index])
            elif isinstance(result, _Read):
                rank = tasks[index].log.rank
                if result.report is None or result.detail is None:
                    errors[rank] = result.error or "unreadable"
                else:
                    reports[rank], details[rank] = result.report, result.detail
                    if result.section is not None:
                        sections[rank] = result.section
                    if result.artifacts is not None:
                        kept[rank] = result.artifacts
            else:
                keep(tasks[index], result)
        for task in sorted(redo, key=lambda t: t.log.rank):
            keep(task, _read_as_data(task))
    else:
        for task in tasks:
            try:
                reports[task.log.rank], details[task.log.rank], found = _read_with_artifacts(task)
            except InputError as exc:
                errors[task.log.rank] = str(exc)
                continue
            if found is not None:
                kept[task.log.rank] = found
    if errors and strict:
        raise InputError(errors[min(errors)])
    missing = tuple(MissingRank(rank, f"its log could not be read: {errors[rank]}") for rank in sorted(errors))
    return RanksRead(
        dict(sorted(reports.items())), dict(sorted(details.items())), missing, sections, dict(sorted(kept.items()))
    )


def _with_ids(artifacts: Artifacts, report: Report) -> Artifacts:
    """Artifacts read back from a child, checked against the report they belong to."""
    if len(artifacts.compiles) != len(report.compiles):
        return Artifacts((), artifacts.configs)
    return artifacts


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_job(
    layout: TraceLayout,
    run: RunInfo,
    *,
    strict: bool = False,
    section_format: str | None = None,
    artifacts: dict[int, Artifacts] | None = None,
) -> tuple[JobReport, dict[int, str]]:
    """The job of a multi-rank directory, and each rank's serialised part of its file
    (when ``section_format`` asks for one). ``artifacts``, when given, is filled with each
    rank's artifacts."""
    from dynotrace.jobs.combine import build_job

    read = read_ranks(layout, run, strict=strict, section_format=section_format, artifacts=artifacts is not None)
    if artifacts is not None:
        artifacts.update(read.artifacts)
    if not read.reports:
        raise InputError(
            f"No rank log in TORCH_TRACE directory '{layout.directory}' could be read: "
            + "; ".join(f"rank {m.rank}: {m.reason}" for m in read.missing)
        )
    notes = list(layout.notes)
    if read.missing:
        notes.append(f"{format_ranks(m.rank for m in read.missing)}: not in this report (see missing)")
    job = build_job(
        read.reports,
        read.details,
        run=run,
        world_size=None,
        missing=read.missing,
        notes=tuple(notes),
        launcher=None,
    )
    return job, read.sections


def read_trace(
    path: str,
    run: RunInfo,
    *,
    strict: bool = False,
    section_format: str | None = None,
    artifacts: dict[int, Artifacts] | None = None,
) -> tuple[JobReport, Sections | None]:
    """What ``dynotrace explain --trace PATH`` reads: a distributed job when ``PATH`` is a
    directory with the logs of several ranks (and, with ``section_format``, each rank's
    part of its file, serialised while it was read), else one process's run.
    ``artifacts``, when given, is filled with each rank's artifacts (rank 0's for one
    process's run)."""
    layout = classify(path)
    if layout is not None:
        job, sections = read_job(layout, run, strict=strict, section_format=section_format, artifacts=artifacts)
        return job, Sections(section_format, sections) if section_format else None
    if artifacts is not None:
        report, _, artifacts[0] = read_log_with_artifacts(path, run, strict=strict)
    else:
        report, _ = read_log(path, run, strict=strict)
    return JobReport.single(report), None
