"""The multi-rank report file: ``JobReport`` <-> plain dicts (schema version 2).

A multi-rank document has the run information of a single-rank report at its top, then::

    launcher: torchrun          # or environment; null when read from TORCH_TRACE logs
    world_size: 4               # null when not known (offline)
    summary: {ranks, world_size, missing_ranks, rank_groups, divergences,
              functions: {min, max, min_ranks, max_ranks}, compiles: {...}, ...}
    missing: [{rank, reason}]
    groups: [[0, 2, 3], [1]]    # ranks that compiled the same way, largest group first
    divergence: [{kind, summary, why, function, function_name, location,
                  groups: [{ranks, what}]}]
    notes: []
    ranks:
      '0': {schema_version: 2, ...}   # rank 0's report, a single-rank document
      '1': {...}
    timing: {wall_s, ...}

Each ``ranks`` entry is exactly the document a single-rank run writes, with one more key
before its ``timing``: ``distributed`` (``rank``, ``local_rank``, ``node``, ``logs``, and
per compile ``collectives``, ``estimated_runtime_ms``, ``output_meta``, ``output_ops``,
``cache``). A tool that reads one rank's report reads ``ranks['1']``. Rank keys are text
in JSON (and written as text in YAML, for the same document in both formats).
"""

from __future__ import annotations

from typing import Any, Literal

from dynotrace.errors import InputError
from dynotrace.model import Location, Report, RunInfo
from dynotrace.ranks.model import (
    CompileFacts,
    Divergence,
    JobReport,
    MissingRank,
    RankDetail,
    RankGroup,
)
from dynotrace.reports.schema import (
    SCHEMA_VERSION,
    check_version,
    from_plain,
    is_multi_rank,
    report_from_dict,
    report_to_dict,
    to_plain,
)


def detail_to_dict(detail: RankDetail) -> dict[str, Any]:
    return {
        "rank": detail.rank,
        "local_rank": detail.local_rank,
        "node": detail.node,
        "logs": list(detail.logs),
        "compiles": [
            {
                "compile_id": c.compile_id,
                "collectives": list(c.collectives),
                "estimated_runtime_ms": c.estimated_runtime_ms,
                "output_meta": c.output_meta,
                "output_ops": c.output_ops,
                "cache": list(c.cache),
                "unreadable": list(c.unreadable),
            }
            for c in detail.compiles
        ],
    }


def rank_to_dict(report: Report, detail: RankDetail) -> dict[str, Any]:
    """One rank's entry: its single-rank document with ``distributed`` before ``timing``."""
    data = report_to_dict(report)
    timing = data.pop("timing")
    data["distributed"] = detail_to_dict(detail)
    data["timing"] = timing
    return data


def job_head(job: JobReport) -> dict[str, Any]:
    """Everything of the job's document before ``ranks``."""
    run = job.run
    summary = job.summary
    return {
        "schema_version": SCHEMA_VERSION,
        "dynotrace": run.dynotrace_version,
        "torch": run.torch_version,
        "python": run.python_version,
        "command": run.command,
        "source": run.source,
        "backend_override": run.backend_override,
        "exit_code": run.exit_code,
        "interrupted": run.interrupted,
        "launcher": job.launcher,
        "world_size": job.world_size,
        "summary": {
            "ranks": summary.ranks,
            "world_size": summary.world_size,
            "missing_ranks": list(summary.missing_ranks),
            "rank_groups": summary.rank_groups,
            "divergences": summary.divergences,
            **{name: to_plain(value) for name, value in summary.counts().items()},
        },
        "missing": [to_plain(m) for m in job.missing],
        "groups": [list(g) for g in job.groups],
        "divergence": [_divergence_dict(d) for d in job.divergence],
        "notes": list(job.notes),
    }


def _divergence_dict(d: Divergence) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "summary": d.summary,
        "why": d.why,
        "function": d.function,
        "function_name": d.function_name,
        "location": to_plain(d.location),
        "groups": [{"ranks": list(g.ranks), "what": g.what} for g in d.groups],
    }


def job_to_dict(job: JobReport) -> dict[str, Any]:
    """The job as plain data, keys in a fixed order; ``timing`` last and apart."""
    data = job_head(job)
    data["ranks"] = {str(r): rank_to_dict(report, job.detail(r)) for r, report in job.ranks.items()}
    data["timing"] = dict(job.timing)
    return data


def _rank_number(key: Any, origin: str) -> int:
    try:
        rank = int(key)
    except (TypeError, ValueError):
        raise InputError(f"{origin}: ranks: {key!r} is not a rank number") from None
    if rank < 0 or isinstance(key, bool):
        raise InputError(f"{origin}: ranks: {key!r} is not a rank number")
    return rank


def detail_from_dict(rank: int, data: Any, where: str) -> RankDetail:
    if data is None:
        return RankDetail(rank)
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping")
    compiles = data.get("compiles") or []
    if not isinstance(compiles, list):
        raise InputError(f"{where}.compiles: expected a list")
    return RankDetail(
        rank=rank,
        local_rank=from_plain(int | None, data.get("local_rank"), f"{where}.local_rank"),
        node=from_plain(int | None, data.get("node"), f"{where}.node"),
        logs=from_plain(tuple[str, ...], data.get("logs") or [], f"{where}.logs"),
        compiles=tuple(from_plain(CompileFacts, c, f"{where}.compiles[{i}]") for i, c in enumerate(compiles)),
    )


def job_from_dict(data: Any, *, origin: str = "report") -> JobReport:
    """Rebuild a ``JobReport``; ``InputError`` (one line) when the data is not a multi-rank
    dynotrace report or does not fit its schema."""
    version = check_version(data, origin)
    if not is_multi_rank(data):
        raise InputError(f"{origin} is the report of one process, not of a distributed job")
    ranks: dict[int, Report] = {}
    details: dict[int, RankDetail] = {}
    for key, entry in data["ranks"].items():
        rank = _rank_number(key, origin)
        where = f"{origin} rank {rank}"
        try:
            ranks[rank] = report_from_dict(entry, origin=where)
        except InputError as exc:
            # The single-rank reader names only the path within the report.
            raise InputError(str(exc) if str(exc).startswith(where) else f"{where}: {exc}") from None
        if isinstance(entry, dict):
            details[rank] = detail_from_dict(rank, entry.get("distributed"), f"{where}: distributed")
    missing = data.get("missing") or []
    divergence = data.get("divergence") or []
    groups = data.get("groups") or []
    for name, value in (("missing", missing), ("divergence", divergence), ("groups", groups)):
        if not isinstance(value, list):
            raise InputError(f"{origin}: {name}: expected a list")
    run = RunInfo(
        command=from_plain(str, data.get("command", ""), "command"),
        source=from_plain(Literal["live", "trace"], data.get("source", "live"), "source"),
        torch_version=from_plain(str | None, data.get("torch"), "torch"),
        python_version=from_plain(str, data.get("python", ""), "python"),
        dynotrace_version=from_plain(str, data.get("dynotrace", ""), "dynotrace"),
        backend_override=from_plain(str | None, data.get("backend_override"), "backend_override"),
        exit_code=from_plain(int | None, data.get("exit_code"), "exit_code"),
        interrupted=from_plain(bool, data.get("interrupted", False), "interrupted"),
    )
    return JobReport(
        run=run,
        ranks=dict(sorted(ranks.items())),
        details=dict(sorted(details.items())),
        world_size=from_plain(int | None, data.get("world_size"), "world_size"),
        missing=tuple(from_plain(MissingRank, m, f"missing[{i}]") for i, m in enumerate(missing)),
        groups=tuple(from_plain(tuple[int, ...], g, f"groups[{i}]") for i, g in enumerate(groups)),
        divergence=tuple(_divergence_from_dict(d, f"divergence[{i}]") for i, d in enumerate(divergence)),
        notes=from_plain(tuple[str, ...], data.get("notes") or [], "notes"),
        launcher=from_plain(str | None, data.get("launcher"), "launcher"),
        timing=from_plain(dict[str, float], data.get("timing") or {}, "timing"),
        schema_version=version,
    )


def _divergence_from_dict(data: Any, where: str) -> Divergence:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping")
    groups = data.get("groups") or []
    if not isinstance(groups, list):
        raise InputError(f"{where}.groups: expected a list")
    return Divergence(
        kind=from_plain(str, data.get("kind", ""), f"{where}.kind"),
        summary=from_plain(str, data.get("summary", ""), f"{where}.summary"),
        why=from_plain(str, data.get("why", ""), f"{where}.why"),
        groups=tuple(from_plain(RankGroup, g, f"{where}.groups[{i}]") for i, g in enumerate(groups)),
        function=from_plain(str | None, data.get("function"), f"{where}.function"),
        function_name=from_plain(str | None, data.get("function_name"), f"{where}.function_name"),
        location=from_plain(Location | None, data.get("location"), f"{where}.location"),
    )
