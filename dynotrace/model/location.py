"""A place in the user's code, and whether a file name is the user's: what the report
model (``report.py``) and the trials (``trials.py``) both point with."""

from __future__ import annotations

from dataclasses import dataclass


def is_library_file(file: str) -> bool:
    """Whether a report's file name is an installed package's or the standard library's
    (``<site-packages>/...``, ``<stdlib>/...``), not the user's own code."""
    return file.startswith(("<site-packages>/", "<stdlib>/", "<frozen "))


@dataclass(frozen=True)
class Location:
    """A place in user code: file (relative to the run's directory when inside it), line,
    function, and the source line when known."""

    file: str
    line: int
    function: str = ""
    code: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"
