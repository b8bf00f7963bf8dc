"""The YAML and JSON formats: a report file (``explain -o``), and the document of a diff
(``dynotrace diff --format yaml|json``). What they hold is ``dynotrace.model.schema``'s
and ``dynotrace.compare``'s ``*_to_dict``; this module lays it out as text."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from dynotrace.files.documents import Sections, join_sections, section_text, serialise, write_joined_sections
from dynotrace.model import JobReport, RankOutline, Report
from dynotrace.model.schema import fields_of, job_head, job_to_dict, rank_to_dict, report_to_dict
from dynotrace.renderers.base import Renderer

if TYPE_CHECKING:
    from dynotrace.compare.jobs import JobDiff


def document_text(
    job: JobReport, fmt: str, sections: Sections | None = None, extra: Mapping[str, Any] | None = None
) -> str:
    """The report file of ``job`` in ``fmt``. ``sections`` holds ranks' parts already
    serialised (used when in ``fmt``); ``extra`` adds top-level sections of one process's
    report before its ``timing`` (the loader ignores keys it does not know)."""
    if not job.distributed:
        data = report_to_dict(job.report, objects=True)
        if extra:
            timing = data.pop("timing")
            data.update(extra)
            data["timing"] = timing
        return serialise(data, fmt, fields=fields_of)
    if sections is None or sections.fmt != fmt or not sections.texts:
        return serialise(job_to_dict(job), fmt)
    parts = [
        sections.text(rank) or section_text("ranks", str(rank), rank_to_dict(report, job.detail(rank)), fmt)
        for rank, report in job.ranks.items()
    ]
    return join_sections(job_head(job), "ranks", parts, {"timing": dict(job.timing)}, fmt)


def write_document(
    job: JobReport,
    fmt: str,
    stream: TextIO,
    sections: Sections | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """``stream.write(document_text(job, fmt, sections, extra))``; a job whose ranks' parts
    are in files (``Sections.files``) is written part by part, never whole in memory. A
    rank kept only in outline (``RankOutline``) has no functions to write: its part must
    be among the sections."""
    if not job.distributed or sections is None or sections.fmt != fmt or not sections.files:
        for rank, report in job.ranks.items() if job.distributed else ():
            if isinstance(report, RankOutline) and (sections is None or sections.fmt != fmt or not sections.has(rank)):
                raise ValueError(f"rank {rank} of this job is kept in outline only: its part of the file is needed")
        stream.write(document_text(job, fmt, sections, extra))
        return

    def part(rank: int, report: Report) -> Callable[[], str]:
        def text() -> str:
            kept = sections.text(rank) if sections is not None else None
            if kept is not None:
                return kept
            if isinstance(report, RankOutline):
                raise ValueError(f"rank {rank} of this job is kept in outline only: its part of the file is needed")
            return section_text("ranks", str(rank), rank_to_dict(report, job.detail(rank)), fmt)

        return text

    write_joined_sections(
        stream, job_head(job), "ranks", [part(r, report) for r, report in job.ranks.items()], {"timing": dict(job.timing)}, fmt
    )


def diff_document(diff: JobDiff) -> dict[str, Any]:
    from dynotrace.compare.jobs import job_diff_to_dict

    return job_diff_to_dict(diff)


class YamlRenderer(Renderer):
    name = "yaml"

    def report(self, job: JobReport, stream: TextIO) -> None:
        write_document(job, self.name, stream, self.options.sections, self.options.extra)

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        import yaml

        yaml.dump(diff_document(diff), stream, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)


class JsonRenderer(Renderer):
    name = "json"

    def report(self, job: JobReport, stream: TextIO) -> None:
        write_document(job, self.name, stream, self.options.sections, self.options.extra)

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        json.dump(diff_document(diff), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
