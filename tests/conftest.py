"""Shared helpers: run dynotrace and plain python on sample programs, in subprocesses."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
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
    """What torch itself counted for a plain run of ``script`` (see helpers/torch_counts.py),
    in this environment (``plain_env()``) and the repository as the working directory.

    Each run is a child forked from one ``torch_counts.py --serve`` per test process, which
    has imported torch once; ``DYNOTRACE_TEST_FRESH_COUNTS=1`` starts a new interpreter for
    each run instead (test_truth.py checks both count alike)."""
    out = tmp_path / "torch_counts.json"
    if os.environ.get("DYNOTRACE_TEST_FRESH_COUNTS") == "1":
        fresh_torch_counts(script, *args, out=out)
    else:
        _count_server().run(out, script, args)
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def fresh_torch_counts(script: Path, *args: str, out: Path) -> None:
    """``python torch_counts.py OUT SCRIPT ARGS``: a new interpreter for one run."""
    subprocess.run(
        [sys.executable, str(HELPERS / "torch_counts.py"), str(out), str(script), *args],
        cwd=ROOT,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


class _CountServer:
    """``torch_counts.py --serve``: one request at a time, in its own process group."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPERS / "torch_counts.py"), "--serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,  # its own only (each run's output goes to a log beside OUT)
            text=True,
            start_new_session=True,
        )

    def run(self, out: Path, script: Path, args: tuple[str, ...], timeout: float = 300) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([str(out), str(script), *args]) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.close(kill=True)
            raise subprocess.TimeoutExpired(f"torch_counts.py {script}", timeout)
        if not self.proc.stdout.readline():
            assert self.proc.stderr is not None
            raise RuntimeError(f"torch_counts.py --serve ended (exit code {self.proc.wait()}): {self.proc.stderr.read()}")

    def close(self, kill: bool = False) -> None:
        global _COUNTS
        _COUNTS = None
        if kill:
            os.killpg(self.proc.pid, signal.SIGKILL)
        elif self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


_COUNTS: _CountServer | None = None


def _same_env(a: dict[str, str], b: dict[str, str]) -> bool:
    """Equal but for the name of the running test, which pytest keeps in the environment."""
    return {k: v for k, v in a.items() if k != "PYTEST_CURRENT_TEST"} == {k: v for k, v in b.items() if k != "PYTEST_CURRENT_TEST"}


def _count_server() -> _CountServer:
    """The server, started again when it ended or the environment a run gets has changed."""
    global _COUNTS
    env = plain_env()
    if _COUNTS is not None and (_COUNTS.proc.poll() is not None or not _same_env(_COUNTS.env, env)):
        _COUNTS.close()
    if _COUNTS is None:
        _COUNTS = _CountServer(env)
    return _COUNTS


@pytest.fixture(scope="session", autouse=True)
def _stop_count_server():  # type: ignore[no-untyped-def]
    yield
    if _COUNTS is not None:
        _COUNTS.close()


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


def _session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of this test session that every xdist worker sees: under xdist each
    worker's base temp is a directory of the session's own (``popen-gwN``)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_session(tmp_path_factory: pytest.TempPathFactory, key: str, make: Callable[[Path], None]) -> Path:
    """The directory ``make`` filled for ``key``, made once in the whole session: by the
    first test that asks, in whichever worker, while the others wait for it (a lock file
    beside it), and read by every later one. A ``make`` that raised fails each test that
    asks, with its message, and is not tried again."""
    shared = _session_dir(tmp_path_factory) / "shared"
    shared.mkdir(exist_ok=True)
    where = shared / key
    done, failed = where / ".done", where / ".failed"
    with open(shared / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists() and not failed.exists():
                shutil.rmtree(where, ignore_errors=True)  # what a worker that died left
                where.mkdir()
                try:
                    make(where)
                except BaseException as exc:
                    failed.write_text(f"{type(exc).__name__}: {exc}")
                    raise
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if failed.exists():
        pytest.fail(f"the shared {key} failed: {failed.read_text()}")
    return where


def save_run(run: Run, path: Path) -> None:
    path.write_text(json.dumps(asdict(run)))


def load_run(path: Path) -> Run:
    return Run(**json.loads(path.read_text()))


#: Samples the session runs twice under dynotrace (``shared_explain`` copies 0 and 1): two
#: runs give the same report file and an empty diff. Graph breaks, recompiles of several
#: causes, dynamic shapes, the recompile limit, object-identity guards, a large guard set.
RUN_TWICE = [
    "graph_break_print",
    "recompiles",
    "dynamic_mark_dynamic_branch",
    "recompile_limit",
    "recompile_new_module",
    "transformer_small",
]

#: Arguments a program needs (the rest take none).
PROGRAM_ARGS = {"sample_programs/takes_args.py": ["--epochs", "2"]}


@dataclass(frozen=True)
class Explained:
    """One ``dynotrace explain PROGRAM -o FILE --width 100 --no-color --no-timing`` run, in
    the repository: its exit code and output, and the report file it wrote."""

    run: Run
    report: Path

    def data(self) -> dict:  # type: ignore[type-arg]
        """The report file's data (JSON or YAML, as written)."""
        if self.report.suffix == ".json":
            return load_json(self.report)
        import yaml

        return yaml.safe_load(self.report.read_text())  # type: ignore[no-any-return]


def shared_explain(tmp_path_factory: pytest.TempPathFactory, program: str, copy: int = 0) -> Explained:
    """A run of ``program`` (a path from the repository's root) under ``dynotrace
    explain``, shared by every test of the session that reads the same run: the truth of
    its counts, what it explains, its terminal report. ``copy`` 1 is a second, separate
    run of the same program, which writes YAML (copy 0 writes JSON): two runs to compare
    for determinism."""
    name = f"{program.replace('/', '__')}.{copy}"
    report_name = "report.json" if copy == 0 else "report.yaml"

    def make(where: Path) -> None:
        args = PROGRAM_ARGS.get(program, [])
        out = where / report_name
        save_run(run_dynotrace("explain", program, *args, "-o", str(out), "--width", "100", "--no-color", "--no-timing"), where / "run.json")

    where = once_per_session(tmp_path_factory, f"explain.{name}", make)
    return Explained(load_run(where / "run.json"), where / report_name)


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
