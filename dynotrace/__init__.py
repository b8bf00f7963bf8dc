"""dynotrace: explain what torch.compile did to your program.

The public API::

    with dynotrace.capture() as cap:     # live capture around any code
        model(x); model(y)
    report = cap.report                   # a frozen Report
    dynotrace.render(report, "terminal")  # or "yaml" / "json", file=...
    dynotrace.load("report.yaml"); dynotrace.diff(before, after)

Importing this package does not import torch; only a capture does.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

# Before the imports below: dynotrace's modules read it from here.
__version__ = "0.1.0"

# ``dynotrace.capture`` names both the subpackage dynotrace/capture/ and the public
# function. Python binds a subpackage onto its parent the first time it is imported, so the
# subpackage is imported first (it is empty and torch-free) and the name bound after it.
import dynotrace.capture as _capture_package  # noqa: F401
from dynotrace import api as _api
from dynotrace.api import Capture, diff, diff_jobs, load, load_job, read_trace_job, read_trace_report, render
from dynotrace.errors import DynotraceError, InputError, UsageError
from dynotrace.model import (
    Compile,
    Function,
    Functions,
    GraphBreak,
    Guard,
    GuardFailure,
    Location,
    Report,
    RunInfo,
    ShapeGuard,
    ShapeSymbol,
    Specialization,
    Summary,
)

if TYPE_CHECKING:
    from dynotrace.ranks.diff import JobDiff
    from dynotrace.ranks.model import JobReport
    from dynotrace.reports.diff import ReportDiff

__all__ = [
    "Capture",
    "Compile",
    "DynotraceError",
    "Function",
    "Functions",
    "GraphBreak",
    "Guard",
    "GuardFailure",
    "InputError",
    "JobDiff",
    "JobReport",
    "Location",
    "Report",
    "ReportDiff",
    "RunInfo",
    "ShapeGuard",
    "ShapeSymbol",
    "Specialization",
    "Summary",
    "UsageError",
    "__version__",
    "capture",
    "diff",
    "diff_jobs",
    "load",
    "load_job",
    "read_trace_job",
    "read_trace_report",
    "render",
]


# Binding the plain function would break ``import dynotrace.capture.session as s`` and
# ``monkeypatch.setattr("dynotrace.capture.session.X", ...)``: both look the subpackage up
# as an attribute of ``dynotrace.capture``. This callable forwards such lookups to it.
class _CaptureEntry:
    __doc__ = _api.capture.__doc__

    def __call__(self, *, backend: str | None = None, name: str | None = None) -> Capture:
        return _api.capture(backend=backend, name=name)

    def __getattr__(self, attribute: str) -> ModuleType:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        module = f"dynotrace.capture.{attribute}"
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise AttributeError(f"dynotrace.capture has no attribute {attribute!r}") from None

    def __repr__(self) -> str:
        return "<function dynotrace.capture>"


capture = _CaptureEntry()


def __getattr__(name: str) -> Any:
    # The diff module is larger and only needed by the few who compare reports; the
    # distributed model only by those with a distributed job.
    if name == "ReportDiff":
        from dynotrace.reports.diff import ReportDiff

        return ReportDiff
    if name == "JobReport":
        from dynotrace.ranks.model import JobReport

        return JobReport
    if name == "JobDiff":
        from dynotrace.ranks.diff import JobDiff

        return JobDiff
    raise AttributeError(f"module 'dynotrace' has no attribute {name!r}")
