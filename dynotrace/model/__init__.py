"""The model: what dynotrace knows about a run, as frozen dataclasses.

* ``report``: one process's ``Report`` (functions, compiles, graph breaks, guards, shapes),
  built by the fold (``dynotrace.analysis``) and never mutated.
* ``job``: a ``JobReport``: the ``Report`` of every rank of a distributed job, plus what only
  a job has (its ranks, which of them compiled alike, how they diverge).
* ``artifacts``: what tlparse shows per compile (graphs, generated code, guard tree,
  metrics), carried beside a report for an HTML page, never inside it.
* ``schema``: both as plain data for the report file (YAML/JSON), versioned.

Everything here is plain data: it imports nothing of dynotrace but ``errors``.
"""

from __future__ import annotations

from dynotrace.model.artifacts import Artifact, Artifacts, CompileArtifacts
from dynotrace.model.job import DIVERGENCE_KINDS, SUMMARY_COUNTS, CompileFacts, CountRange, Divergence, JobReport
from dynotrace.model.job import JobSummary, MissingRank, RankDetail, RankGroup, RankOutline, format_ranks
from dynotrace.model.report import FUNCTION_COUNTS, CacheLookup, Compile, CompileTime, CompileStatus, Function, Functions
from dynotrace.model.report import GraphBreak, Guard, GuardChange
from dynotrace.model.report import GuardFailure, GuardSetDiff, Location, ReadProblems, Report, RunInfo, ShapeGuard
from dynotrace.model.report import ShapeSymbol, Specialization, Summary, evolve, is_library_file

__all__ = [
    "Artifact",
    "Artifacts",
    "CompileArtifacts",
    "FUNCTION_COUNTS",
    "DIVERGENCE_KINDS",
    "SUMMARY_COUNTS",
    "CacheLookup",
    "Compile",
    "CompileFacts",
    "CompileTime",
    "CompileStatus",
    "CountRange",
    "Divergence",
    "Function",
    "Functions",
    "GraphBreak",
    "Guard",
    "GuardChange",
    "GuardFailure",
    "GuardSetDiff",
    "JobReport",
    "JobSummary",
    "Location",
    "MissingRank",
    "RankDetail",
    "RankGroup",
    "RankOutline",
    "ReadProblems",
    "Report",
    "RunInfo",
    "ShapeGuard",
    "ShapeSymbol",
    "Specialization",
    "Summary",
    "format_ranks",
    "evolve",
    "is_library_file",
]
