"""Verified fixes with real reruns: a trial's counts are torch's own counts for a run with the
same setting, and the lines the panel prints reproduce them by hand under plain python.

``tests/programs/trials/several.py`` holds four findings a setting addresses (a batch size
that changes, a batch of one row, a print(), torch.nonzero). ``dynotrace explain --try-fixes``
runs it once, with a trial per fix and one with every verified fix together. Then, for every
trial that ran:

* **truth**: the printed shell line (``VAR=value python several.py``), run as it is with
  torch's own counters (``tests/helpers/torch_counts.py``), counts what the trial claimed;
* **by hand**: the printed Python lines, written at the top of a copy of the script, run
  under plain python with torch's counters, count the same.

Few reruns in all (they run torch): one program, one explain.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import dynotrace
from conftest import HELPERS, ROOT, load_json, once_per_session, plain_env, run_dynotrace, torch_counts
from dynotrace.model.trials import Trial, Trials

pytestmark = pytest.mark.torch

PROGRAMS = ROOT / "tests" / "programs" / "trials"
SEVERAL = "tests/programs/trials/several.py"


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Trials]:
    """The one ``explain --try-fixes`` run of several.py, shared by the xdist workers."""

    def make(tmp: Path) -> None:
        report = tmp / "report.yaml"
        run = run_dynotrace("explain", SEVERAL, "--try-fixes", "-o", str(report), "--trials-dir", str(tmp / "trials"), "--width", "120")
        assert run.returncode == 0, run.stderr
        (tmp / "stdout.txt").write_text(run.stdout)
        (tmp / "stderr.txt").write_text(run.stderr)

    tmp = once_per_session(tmp_path_factory, "trials.several", make)
    loaded = dynotrace.load(tmp / "report.yaml")
    assert loaded.trials is not None
    return tmp, loaded.trials


def _ran(trials: Trials) -> list[Trial]:
    return [t for t in trials.trials if t.ran]


def _torch_counts(cmd_env: dict[str, str], script: Path, tmp: Path, name: str) -> dict[str, Any]:
    if not cmd_env:  # the environment of every plain run: conftest's forked runs serve it
        (tmp / name).mkdir()
        return torch_counts(script, tmp_path=tmp / name)
    out = tmp / f"{name}.counts.json"
    env = plain_env()
    env.update(cmd_env)
    subprocess.run(
        [sys.executable, str(HELPERS / "torch_counts.py"), str(out), str(script)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return load_json(out)


def _same_counts(trial: Trial, torch_side: dict[str, Any]) -> None:
    assert trial.result is not None and trial.result.counts is not None
    c = trial.result.counts
    assert torch_side["exit_code"] == trial.result.exit_code
    assert c.compiles == torch_side["compiles"]
    assert c.graphs == torch_side["unique_graphs"]
    assert c.graph_breaks == torch_side["graph_breaks"]
    assert c.recompiles + c.recompile_limit_hits == torch_side["recompiles"]
    assert c.recompile_limit_hits == torch_side["recompile_limit_warnings"]
    assert c.failed_compiles == torch_side["failed"]
    assert c.guards == torch_side["guards"]


def _shell(trial: Trial, trials: Trials) -> tuple[dict[str, str], list[str]] | None:
    """The printed shell line, split into its assignments and the command."""
    from dynotrace.renderers.terminal_trials import shell_line

    line = shell_line(trial.settings, trials.command)
    if line is None:
        return None
    words = shlex.split(line)
    env = {}
    while "=" in words[0] and not words[0].startswith("python"):
        var, _, value = words.pop(0).partition("=")
        env[var] = value
    return env, words


#: What the trials of several.py find, by release: from 2.8 every knob they need exists; 2.6
#: lacks dynamic_sources (2.7), backed_size_oblivious (2.7) and unbacked_sources (2.8), so the
#: size of one row has nothing to try and the changing size gets dynamic=True-like defaults.
EXPECTED = {
    "2.8+": {
        "dynamic_sources": "verified",
        "unbacked_sources": "verified",
        "reorderable_logging_functions": "verified",
        "capture_dynamic_output_shape_ops": "verified",
        "combined": "verified",
        "assume_static_by_default": "not_tried",
        "backed_size_oblivious": "not_tried",
    },
    "2.6": {
        "assume_static_by_default": "verified",
        "reorderable_logging_functions": "verified",
        "capture_dynamic_output_shape_ops": "verified",
        "combined": "verified",
        "dynamic_sources": "unavailable",
        "unbacked_sources": "unavailable",
        "backed_size_oblivious": "unavailable",
    },
}


def _release() -> tuple[int, int]:
    import torch

    major, minor = torch.__version__.split(".")[:2]
    return int(major), int(minor)


def test_every_fix_a_setting_can_address_gets_a_trial_and_a_verdict(several: tuple[Path, Trials]) -> None:
    tmp, trials = several
    verdicts = {t.name: t.verdict for t in trials.trials}
    release = _release()
    expected = EXPECTED["2.6"] if release == (2, 6) else EXPECTED["2.8+"] if release >= (2, 8) else None
    if expected is not None:
        assert verdicts == expected, (tmp / "stderr.txt").read_text()
    for trial in trials.trials:
        assert trial.verdict != "unavailable" or (not trial.settings and "was added in torch" in trial.note)
    assert not trials.code_changes
    assert trials.baseline is not None and trials.baseline.counts is not None
    combined = next(t for t in trials.trials if t.name == "combined")
    assert combined.result is not None and combined.result.counts is not None
    # Every finding fixed at once (2.6 has nothing to try for the batch of one row).
    assert combined.result.counts.graph_breaks == 0
    assert combined.result.counts.recompiles == (1 if release < (2, 8) else 0)
    # Progress on stderr, one line per rerun; the script's own output went to the logs.
    stderr = (tmp / "stderr.txt").read_text()
    assert "dynotrace: baseline: the script again, with no change ... ran" in stderr
    assert "inside shout" not in stderr
    assert "inside shout" in (tmp / "trials" / "00-baseline" / "output.log").read_text()
    stdout = (tmp / "stdout.txt").read_text()
    assert stdout.splitlines().count("inside shout") == 1  # the first run's own print, not the reruns'
    assert "verified fixes" in stdout and "verified  capture_dynamic_output_shape_ops" in stdout
    if release == (2, 6):
        assert "not in this release  dynamic_sources" in stdout
        assert "torch.compiler.config.dynamic_sources was added in torch 2.7; this run's torch is 2.6" in stdout


def test_a_trial_counts_what_torch_counts_for_the_printed_shell_line(several: tuple[Path, Trials], tmp_path: Path) -> None:
    _, trials = several
    checked = 0
    for trial in _ran(trials):
        shell = _shell(trial, trials)
        if shell is None:
            continue  # a setting torch reads no environment variable for: the Python lines below
        env, command = shell
        assert command == ["python", SEVERAL]
        _same_counts(trial, _torch_counts(env, ROOT / SEVERAL, tmp_path, f"{trial.name}-shell"))
        checked += 1
    # dynamic_sources, unbacked_sources, capture_dynamic_output_shape_ops (2.6: the last alone)
    assert checked >= (1 if _release() < (2, 8) else 3)


def _with_lines_at_top(script: Path, lines: list[str], into: Path) -> Path:
    """A copy of ``script`` with ``lines`` where a user writes them: at the top (after a
    ``from __future__`` import, which must come first)."""
    text = script.read_text()
    tree = ast.parse(text)
    after = max((n.end_lineno or 0 for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"), default=0)
    source = text.splitlines()
    copy = into / script.name
    copy.write_text("\n".join(source[:after] + lines + source[after:]) + "\n")
    return copy


def test_the_printed_python_lines_reproduce_each_trial_by_hand(several: tuple[Path, Trials], tmp_path: Path) -> None:
    _, trials = several
    for trial in _ran(trials):
        lines = list(dict.fromkeys(line for s in trial.settings for line in s.python))
        where = tmp_path / trial.name
        where.mkdir()
        copy = _with_lines_at_top(ROOT / SEVERAL, lines, where)
        _same_counts(trial, _torch_counts({}, copy, tmp_path, f"{trial.name}-python"))


def test_diff_of_the_reports_before_and_after_a_fix_shows_its_effect(several: tuple[Path, Trials]) -> None:
    tmp, trials = several
    if _release() < (2, 7):
        pytest.skip("dynamic_sources came in torch 2.7")
    fix = next(t for t in trials.trials if t.name == "dynamic_sources")
    assert trials.baseline is not None and fix.result is not None
    before = tmp / "trials" / trials.baseline.directory / "report.json"
    after = tmp / "trials" / fix.result.directory / "report.json"
    run = run_dynotrace("diff", str(before), str(after), "--no-color", "--width", "120")
    assert run.returncode == 0, run.stdout + run.stderr  # fewer recompiles is no regression
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines() if line.startswith("  ") and len(line.split()) == 4}
    assert rows["recompiles"] == ["3", "1", "-2"], run.stdout
    assert "shape  tests/programs/trials/several.py:7  compiles 2 -> 1, recompiles 1 -> 0" in run.stdout
    changes = dynotrace.diff(before, after)
    recompiles = next(d for d in changes.summary if d.name == "recompiles")
    assert (recompiles.before, recompiles.after) == (3, 1)


@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_a_signal_during_the_trials_keeps_what_finished_and_stops_the_rerun(sig: signal.Signals, tmp_path: Path) -> None:
    """SIGTERM (Ctrl-C alike: test_trials.py) while a rerun hangs: the rerun's whole process
    group is stopped, -o is written with the trials that finished, and explain exits 143.
    (A rerun stopped at its --trial-timeout is tested with stand-in reruns in test_trials.py.)"""
    report = tmp_path / "r.json"
    pids = tmp_path / "pids"
    env = plain_env()
    env["HANG_PIDS"] = str(pids)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dynotrace", "explain", "tests/programs/trials/hangs_when_fixed.py", "--try-fixes", "-o", str(report)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 240
    while not pids.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert pids.exists(), "the trial never started"
    time.sleep(0.5)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    trials = dynotrace.load(report).trials
    assert trials is not None and trials.interrupted and trials.stopped_by == sig.name
    assert trials.baseline is not None and trials.baseline.status == "ok"
    assert trials.trials[0].verdict == "not_tried" and "interrupted" in trials.trials[0].note
    for pid in (int(p) for p in pids.read_text().split()):
        assert not _alive(pid), "a process of the interrupted rerun is still running"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_python_api_returns_the_trials(tmp_path: Path) -> None:
    """``dynotrace.try_fixes`` with no report of its own: the first rerun's findings."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        trials = dynotrace.try_fixes(["sample_programs/recompile_global.py"], max_trials=1, trials_dir=tmp_path)
    finally:
        os.chdir(cwd)
    if _release() < (2, 7):
        assert [(t.name, t.verdict) for t in trials.trials] == [("dynamic_sources", "unavailable")]
        return
    assert [(t.name, t.verdict) for t in trials.trials] == [("dynamic_sources", "verified")]
    (setting,) = trials.trials[0].settings
    assert setting.env == """TORCH_COMPILE_DYNAMIC_SOURCES="G['SCALE']\""""
    assert json.loads((tmp_path / "01-dynamic_sources" / "applied.json").read_text())["settings"][0]["held"]
