"""GitHub Actions output: workflow-command annotations (``::error file=…,line=…::``) and
a markdown step summary appended to ``$GITHUB_STEP_SUMMARY``.

Both are used only when the environment says so (``GITHUB_ACTIONS=true`` and
``GITHUB_STEP_SUMMARY`` set), so the same ``dynotrace check`` works locally and in CI.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from typing import TextIO

from dynotrace.compare.gate import CheckOutcome
from dynotrace.compare.jobs import JobDiff
from dynotrace.compare.policy import Regression
from dynotrace.model import Location
from dynotrace.renderers.base import Renderer

_TITLES = {
    "graph-breaks": "new graph break",
    "recompiles": "more recompiles",
    "guards": "guard added or changed",
    "limit": "recompile limit hit",
    "budget": "over budget",
}
#: GitHub shows at most 10 error annotations per step; more only fill the log.
MAX_ANNOTATIONS = 50


def in_github_actions(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``), escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(file: str, env: Mapping[str, str] = os.environ) -> str:
    """A report's file name (relative to where dynotrace ran) as GitHub wants it: relative
    to the repository checkout (``GITHUB_WORKSPACE``) when the file is inside it."""
    workspace = env.get("GITHUB_WORKSPACE")
    if not workspace or file.startswith("<"):
        return file
    absolute = os.path.abspath(file)
    root = os.path.abspath(workspace)
    if absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, root).replace(os.sep, "/")
    return file


def annotation(regression: Regression, env: Mapping[str, str] = os.environ, level: str = "error") -> str:
    """One ``::error ...::message`` line for a regression."""
    props = []
    loc: Location | None = regression.location
    if loc is not None and loc.file and not loc.file.startswith("<"):
        props.append(f"file={escape_property(workspace_path(loc.file, env))}")
        if loc.line:
            props.append(f"line={loc.line}")
    props.append(f"title={escape_property('dynotrace: ' + _TITLES.get(regression.category, regression.category))}")
    return f"::{level} {','.join(props)}::{escape_data(regression.message)}"


def write_annotations(
    regressions: Iterable[Regression], stream: TextIO | None = None, env: Mapping[str, str] = os.environ
) -> None:
    """Print one annotation per regression (workflow commands are read from stdout)."""
    out = stream or sys.stdout
    items = list(regressions)
    for r in items[:MAX_ANNOTATIONS]:
        out.write(annotation(r, env) + "\n")
    if len(items) > MAX_ANNOTATIONS:
        out.write(f"::warning title=dynotrace::{len(items) - MAX_ANNOTATIONS} more regressions not annotated\n")
    out.flush()


def append_step_summary(markdown: str, env: Mapping[str, str] = os.environ) -> str | None:
    """Append ``markdown`` to ``$GITHUB_STEP_SUMMARY`` when it is set. Returns a warning
    (one line) when the file cannot be written: a summary is never worth failing CI over."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown)
            if not markdown.endswith("\n"):
                fh.write("\n")
    except OSError as exc:
        return f"cannot append to GITHUB_STEP_SUMMARY ({path}): {exc.strerror}"
    return None


class GithubRenderer(Renderer):
    """Workflow-command annotations: one per regression, at its source line."""

    name = "github"

    def diff(self, diff: JobDiff, stream: TextIO) -> None:
        write_annotations(diff.regressions, stream)

    def check(self, outcome: CheckOutcome, stream: TextIO) -> None:
        write_annotations(outcome.regressions, stream)
