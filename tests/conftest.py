"""Shared helpers: run dynotrace and plain python on sample programs, in subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_programs"
HELPERS = Path(__file__).resolve().parent / "helpers"
SHARED_TRACES = ROOT.parent / "shared" / "traces"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def plain_env() -> dict[str, str]:
    """The environment for subprocesses: no colour, a fixed width, no inherited TORCH_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TORCH_LOGS", "TORCH_TRACE", "TORCH_COMPILE"))}
    env.update({"NO_COLOR": "1", "COLUMNS": "100", "PYTHONHASHSEED": "0"})
    return env


def run_dynotrace(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """``python -m dynotrace ARGS`` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "dynotrace", *args],
        cwd=cwd,
        env=env or plain_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def torch_counts(script: Path, *args: str, tmp_path: Path) -> dict[str, int]:
    """What torch itself counted for a plain run of ``script`` (see helpers/torch_counts.py)."""
    out = tmp_path / "torch_counts.json"
    subprocess.run(
        [sys.executable, str(HELPERS / "torch_counts.py"), str(out), str(script), *args],
        cwd=ROOT,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(out.read_text())  # type: ignore[no-any-return]


#: A warning torch itself prints while it is imported ("Failed to initialize NumPy" where numpy
#: is not installed): its ``file:line: Warning: text`` line and the source line under it.
_TORCH_WARNING = re.compile(r"^\S*[/\\]torch[/\\]\S*:\d+: \w*Warning: .*\n(?:[ \t]+.*\n)?", re.MULTILINE)


def without_torch_warnings(stderr: str) -> str:
    """``stderr`` without the warnings torch prints on import. dynotrace imports torch for a
    capture, so they appear for any target run where torch has one to give; they are
    torch's words about the environment, not dynotrace's output."""
    return _TORCH_WARNING.sub("", stderr)


def load_json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.fixture
def shared_traces() -> Path:
    if not SHARED_TRACES.is_dir():
        pytest.skip(f"the shared TORCH_TRACE logs are not beside this clone ({SHARED_TRACES} is absent)")
    return SHARED_TRACES


#: Nodes of the machine no test may replace (CI runs as root: a rename over /dev/null
#: would turn it into a regular file for every later command on the machine).
MACHINE_NODES = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/zero")


@pytest.fixture(scope="session", autouse=True)
def machine_nodes_untouched():  # type: ignore[no-untyped-def]
    """Fail the session if any test replaced one of the machine's device nodes."""
    before = {p: os.lstat(p) for p in MACHINE_NODES if os.path.lexists(p)}
    yield
    for path, st in before.items():
        now = os.lstat(path)
        assert (now.st_mode, now.st_ino, now.st_rdev) == (st.st_mode, st.st_ino, st.st_rdev), (
            f"a test replaced the machine's {path}"
        )
