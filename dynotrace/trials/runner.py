"""One rerun of the script: ``python -m dynotrace explain <the same target> -o report.json -q``
in a new process (and process group), with a candidate's settings, a cold compile cache of
its own, its output in a log file, and a timeout.

A rerun is a capture like any other: its counts are those of its report, which equal
torch's own counts for that run. Each rerun gets a fresh ``TORCHINDUCTOR_CACHE_DIR`` (and
``TRITON_CACHE_DIR``), and the variables that would load state of earlier runs (PGO
profiles, precompiled code) are removed, so a warm cache never looks like a fix; the cache
is deleted when the rerun ends. When it must stop (its timeout, Ctrl-C, SIGTERM), its whole
process group is terminated, then killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dynotrace.capture.trial_config import TRIAL_CONFIG_ENV
from dynotrace.errors import InputError
from dynotrace.model import Report
from dynotrace.model.trials import TRIAL_COUNTS, Measurement, TrialCounts
from dynotrace.trials import knobs
from dynotrace.trials.settings import Applied

#: Seconds a rerun is given to end after SIGTERM before it is killed.
_GRACE_S = 5.0
#: Variables a rerun must not inherit: the user's trace log and log settings (the reruns
#: would write into them), a launcher's rank (a rerun is one process), an outer trial's.
_NOT_INHERITED = (
    "TORCH_TRACE", "TORCH_LOGS", TRIAL_CONFIG_ENV, "RANK", "WORLD_SIZE", "LOCAL_RANK",
    "LOCAL_WORLD_SIZE", "GROUP_RANK", "TORCHELASTIC_RUN_ID",
)


@dataclass(frozen=True)
class Rerun:
    """What to run: the target as the user gave it, and how."""

    args: tuple[str, ...]
    module: bool = False
    backend: str | None = None
    python: str = sys.executable

    def command(self, output: str) -> list[str]:
        cmd = [self.python, "-m", "dynotrace", "explain", "-o", output, "-q"]
        if self.backend:
            cmd += ["--backend", self.backend]
        if self.module:
            cmd.append("-m")
        return [*cmd, "--", *self.args]


def _pythonpath(env: dict[str, str]) -> str:
    """PYTHONPATH that makes the rerun import this very dynotrace: its directory first,
    unless it is an installed package's (then the rerun's python finds it as this one did)."""
    here = str(Path(__file__).resolve().parents[2])  # the directory holding dynotrace/
    current = env.get("PYTHONPATH", "")
    if "site-packages" in here or "dist-packages" in here or here in current.split(os.pathsep):
        return current
    return here + (os.pathsep + current if current else "")


def environment(release: tuple[int, int], directory: Path, settings_env: dict[str, str], config: str | None) -> dict[str, str]:
    """The rerun's environment: this one's, without what must not be inherited, with a cold
    cache under ``directory`` and the candidate's variables."""
    drop = set(_NOT_INHERITED) | set(knobs.warm_state_env_to_unset(release))
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(knobs.cold_cache_env(release, str(directory / "cache")))
    env["PYTHONPATH"] = _pythonpath(env)
    env.update(settings_env)
    if config is not None:
        env[TRIAL_CONFIG_ENV] = config
    return env


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a rerun's process group, then kill whatever is left of it (the rerun, or
    children it left behind)."""
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc, signal.SIGKILL)
    proc.wait()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass(frozen=True)
class Outcome:
    """A rerun's measurement, its report when it wrote one, and what became of the Python
    settings dynotrace applied in it (``applied.json``: whether each still held its value
    when the script ended)."""

    measurement: Measurement
    report: Report | None
    held: dict[str, object] | None = None


def run(
    rerun: Rerun,
    *,
    directory: Path,
    name: str,
    release: tuple[int, int],
    applied: Applied | None = None,
    timeout: float | None = None,
) -> Outcome:
    """Run one rerun in ``directory`` (created; its cache is deleted at the end, its
    ``output.log`` and ``report.json`` kept). ``KeyboardInterrupt`` and ``SystemExit``
    while it runs stop its process group first, then propagate."""
    directory.mkdir(parents=True, exist_ok=True)
    report_path = directory / "report.json"
    result_path = directory / "applied.json"
    log_path = directory / "output.log"
    for stale in (report_path, result_path):
        stale.unlink(missing_ok=True)
    config = applied.trial_config(str(result_path)) if applied is not None else None
    child_env = environment(release, directory, applied.env if applied is not None else {}, config)
    started = time.perf_counter()
    status = "ok"
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                rerun.command(str(report_path)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=child_env,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                status = "timeout"
                stop_group(proc)
            except BaseException:
                stop_group(proc)
                raise
    finally:
        shutil.rmtree(directory / "cache", ignore_errors=True)
    wall_s = time.perf_counter() - started
    held = _read_json(result_path)
    report = _load(report_path) if status == "ok" else None
    if status == "timeout":
        message = f"stopped after {timeout:.0f} s (--trial-timeout)"
    elif held is not None and "error" in held:
        status, message = "not_applied", str(held["error"])
    elif report is None:
        status, message = "crashed", f"dynotrace exited with {proc.returncode} and wrote no report: " + last_line(log_path)
    else:
        message = "" if report.run.exit_code in (0, None) else last_line(log_path)
    return Outcome(
        Measurement(
            status=status,  # type: ignore[arg-type]
            exit_code=report.run.exit_code if report is not None else None,
            counts=counts(report) if report is not None else None,
            compile_s=report.timing.get("compile_s") if report is not None else None,
            wall_s=round(wall_s, 3),
            message=message,
            directory=directory.name,
        ),
        report,
        held,
    )


def counts(report: Report) -> TrialCounts:
    """The counts a trial compares (``TRIAL_COUNTS``), as the report's summary has them."""
    return TrialCounts(**{name: getattr(report.summary, name) for name in TRIAL_COUNTS})


def _load(path: Path) -> Report | None:
    from dynotrace.files.documents import load_documents
    from dynotrace.model.schema import from_document

    if not path.is_file():
        return None
    try:
        jobs = load_documents((str(path),), lambda data, where: from_document(data, origin=repr(where)))
    except InputError:
        return None
    return jobs[0].report


def _read_json(path: Path) -> dict[str, object] | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def last_line(path: Path, limit: int = 300) -> str:
    """The line of a log that says why a run failed: the last exception line of a
    traceback, else the last line that is not empty."""
    try:
        lines = [line.rstrip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return ""
    lines = [line for line in lines if line.strip()]
    for line in reversed(lines):
        head = line.split(":", 1)[0]
        if not line.startswith((" ", "\t")) and (head.endswith(("Error", "Exception", "Interrupt")) or "Error: " in line):
            return line[:limit]
    return lines[-1][:limit] if lines else ""
