"""dynotrace: explain what torch.compile did to your program.

The public API::

    with dynotrace.capture() as cap:     # live capture around any code
        model(x); model(y)
    report = cap.report                   # a frozen Report
    dynotrace.render(report, "terminal")  # or "yaml" / "json", file=...
    dynotrace.save(report, "report.yaml"); dynotrace.load("report.yaml")
    dynotrace.diff(before, after); dynotrace.check(report, "baseline.yaml", max_recompiles=2)
    dynotrace.try_fixes(["train.py"])     # rerun with each candidate fix: Trials

Importing this package does not import torch; only a capture does.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dynotrace.version import __version__

# ``dynotrace.capture`` names both the subpackage dynotrace/capture/ and the public
# function. Python binds a subpackage onto its parent the first time it is imported, so the
# subpackage is imported first (it is empty and torch-free) and the name bound after it.
import dynotrace.capture as _capture_package  # noqa: F401
from dynotrace import api as _api
from dynotrace.api import Capture, check, diff, diff_jobs, load, load_job, read_trace_job, read_trace_report, render
from dynotrace.api import save, try_fixes
from dynotrace.errors import DynotraceError, InputError, UsageError
from dynotrace.model import Compile, Function, Functions, GraphBreak, Guard, GuardFailure, Location, Report, RunInfo
from dynotrace.model import ShapeGuard, ShapeSymbol, Specialization, Summary
from dynotrace.model.trials import Trial, Trials

if TYPE_CHECKING:
    from dynotrace.compare.diff import ReportDiff
    from dynotrace.compare.gate import CheckOutcome
    from dynotrace.compare.jobs import JobDiff
    from dynotrace.model import JobReport

__all__ = [
    "Capture",
    "CheckOutcome",
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
    "Trial",
    "Trials",
    "UsageError",
    "__version__",
    "capture",
    "check",
    "diff",
    "diff_jobs",
    "load",
    "load_job",
    "read_trace_job",
    "read_trace_report",
    "render",
    "save",
    "try_fixes",
]


# Binding the plain function would break ``import dynotrace.capture.live as s`` and
# ``monkeypatch.setattr("dynotrace.capture.live.X", ...)``: both look the subpackage up
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
    # The comparison's and the job's types are loaded only by those who use them.
    if name == "ReportDiff":
        from dynotrace.compare.diff import ReportDiff

        return ReportDiff
    if name == "JobReport":
        from dynotrace.model import JobReport

        return JobReport
    if name == "JobDiff":
        from dynotrace.compare.jobs import JobDiff

        return JobDiff
    if name == "CheckOutcome":
        from dynotrace.compare.gate import CheckOutcome

        return CheckOutcome
    raise AttributeError(f"module 'dynotrace' has no attribute {name!r}")
