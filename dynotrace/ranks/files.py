"""Multi-rank report files: written once, atomically, through ``reports.output``, and read
back as a ``JobReport`` (or, when a file holds one process's report, a ``Report``).

A job's document is the single-rank documents of its ranks under ``ranks`` (see
``dynotrace.ranks.schema``). Each rank's part can be serialised on its own, by the
process that read that rank (``rank_section``), and the parts joined here: the text is
the same as serialising the whole document at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

from dynotrace.errors import InputError
from dynotrace.model import Report
from dynotrace.ranks.model import JobReport
from dynotrace.ranks.schema import job_from_dict, job_head, job_to_dict, rank_to_dict
from dynotrace.reports.files import format_for, load_data, load_documents, serialise
from dynotrace.reports.output import open_output
from dynotrace.reports.schema import is_multi_rank, report_from_dict


@dataclass(frozen=True)
class RankSections:
    """Ranks' parts of a job's document, already serialised in ``fmt`` (``rank_section``)."""

    fmt: str
    texts: dict[int, str] = field(default_factory=dict)


def rank_section(data: dict[str, Any], rank: int, fmt: str) -> str:
    """One rank's entry (``rank_to_dict``) as the text it has inside the job's document
    in ``fmt``: its key line and its body, indented, ending with a line break."""
    if fmt == "json":
        text = serialise({str(rank): data}, "json")
        lines = text.rstrip("\n").split("\n")
        # Drop the outer braces; the entry is two levels deeper in the job's document.
        return "\n".join("  " + line for line in lines[1:-1]) + "\n"
    text = serialise({"ranks": {str(rank): data}}, "yaml")
    head = "ranks:\n"
    if not text.startswith(head):  # pragma: no cover - both writers start a mapping so
        raise ValueError("unexpected YAML layout")
    return text[len(head) :]


def dump_job(job: JobReport, stream: TextIO, fmt: str, sections: RankSections | None = None) -> None:
    """Write ``job`` as ``yaml`` or ``json``. ``sections`` holds ranks' parts already
    serialised (used when in ``fmt``); the other ranks are serialised here."""
    if sections is None or sections.fmt != fmt or not sections.texts:
        stream.write(serialise(job_to_dict(job), fmt))
        return
    parts = [
        sections.texts.get(rank) or rank_section(rank_to_dict(report, job.detail(rank)), rank, fmt)
        for rank, report in job.ranks.items()
    ]
    head = serialise(job_head(job), fmt)
    timing = serialise({"timing": dict(job.timing)}, fmt)
    if fmt == "json":
        # head is "{\n  ...\n}\n"; timing is '{\n  "timing": ...\n}\n'.
        body = head.rstrip("\n")[:-1].rstrip("\n")
        ranks = ",\n".join(part.rstrip("\n") for part in parts)
        timing_body = timing.rstrip("\n")[1:-1].strip("\n")
        stream.write(f'{body},\n  "ranks": {{\n{ranks}\n  }},\n{timing_body}\n}}\n')
        return
    stream.write(head + "ranks:\n" + "".join(parts) + timing)


def write_job(job: JobReport, path: str, fmt: str | None = None, sections: RankSections | None = None) -> None:
    """Write the job's report to ``path`` (``-`` for stdout) atomically."""
    with open_output(path) as stream:
        dump_job(job, stream, fmt or format_for(path), sections)


def _build_any(data: Any, path: str) -> Report | JobReport:
    if is_multi_rank(data):
        return job_from_dict(data, origin=repr(path))
    return report_from_dict(data, origin=repr(path))


def load_any(path: str) -> Report | JobReport:
    """A report file as a ``JobReport`` when it holds a distributed job, else a
    ``Report``; ``InputError`` (one line) when it is neither."""
    return load_documents([path], _build_any)[0]


def load_any_pair(before: str, after: str) -> tuple[Report | JobReport, Report | JobReport]:
    """``load_any`` of two files, read side by side when they are large."""
    a, b = load_documents([before, after], _build_any)
    return a, b


def load_job(path: str) -> JobReport:
    """A multi-rank report file; ``InputError`` when it holds one process's report."""
    data = load_data(path)
    if not is_multi_rank(data):
        report_from_dict(data, origin=repr(path))  # the usual error if it is no report at all
        raise InputError(f"{path!r} is the report of one process, not of a distributed job: read it with dynotrace.load")
    return job_from_dict(data, origin=repr(path))
