"""Verified fixes without torch: which candidates a finding gets on each release (never a
knob the release lacks), torch's names of the guarded values, how each release spells and
applies a setting, the verdicts, the report file and diff with trials, the panel, and the
session's budget, timeouts and interruptions with a stand-in for the reruns.

The live trials (real reruns, compared with torch's own counts) are in test_trials_live.py.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import stat
import sys
import threading
import time
from dataclasses import replace
from io import StringIO
from pathlib import Path

import pytest

import dynotrace
from conftest import HELPERS, ROOT
from dynotrace.capture.trial_config import TRIAL_CONFIG_ENV, apply_trial_config
from dynotrace.errors import UsageError
from dynotrace.model import Report
from dynotrace.model.trials import Measurement, Target, TrialCounts, TrialFinding, Trials
from dynotrace.renderers.base import Options
from dynotrace.renderers.terminal_trials import render_trials, shell_line
from dynotrace.trials import knobs
from dynotrace.trials.candidates import RULES, Candidate, Change, plan, value_kind
from dynotrace.trials.runner import Rerun, run
from dynotrace.trials.session import Budget, Progress, try_fixes
from dynotrace.trials.settings import apply, combine, shell_word
from dynotrace.trials.sources import torch_source
from dynotrace.trials.verdict import judge

FIXTURES = ROOT / "tests" / "fixtures" / "releases"
RELEASES = sorted((p.name for p in FIXTURES.iterdir() if p.is_dir()), key=lambda v: tuple(map(int, v.split("."))))
OLDEST, NEWEST = RELEASES[0], RELEASES[-1]


def fixture(release: str, program: str) -> Report:
    return dynotrace.read_trace_report(str(FIXTURES / release / f"{program}.log.gz"))


def minor(version: str) -> tuple[int, int]:
    major, second = version.split(".")[:2]
    return int(major), int(second)


def candidates(release: str, program: str) -> dict[str, list[Candidate]]:
    planned, _ = plan(fixture(release, program), minor(release))
    return {p.finding.title: p.candidates for p in planned}


# ---------------------------------------------------------------------------- per release


def test_the_oldest_and_newest_releases_are_covered() -> None:
    assert (OLDEST, NEWEST) == ("2.6.0", "2.15.0")
    assert (knobs.FIRST, knobs.LAST) == ((2, 6), (2, 15))


@pytest.mark.parametrize("release", RELEASES)
def test_a_knob_the_release_lacks_is_never_a_candidate(release: str) -> None:
    """Every candidate planned for every sample and corpus program of every release sets only
    knobs that release has; the others are set apart, naming the release that added them."""
    r = minor(release)
    for log in sorted((FIXTURES / release).glob("*.log.gz")):
        report = dynotrace.read_trace_report(str(log))
        planned, _ = plan(report, r)
        for entry in planned:
            for candidate in entry.candidates:
                assert all(knobs.available(c.knob, r) for c in candidate.changes), (log.name, candidate)
                apply(candidate, r)  # spelled for the release without error
            for candidate, why in entry.unavailable:
                assert not all(knobs.available(c.knob, r) for c in candidate.changes)
                assert "was added in torch" in why


def test_on_2_6_marking_sources_dynamic_is_not_tried_and_says_when_it_came() -> None:
    planned, _ = plan(fixture(OLDEST, "recompile_shape_dynamic"), (2, 6))
    (entry,) = planned
    assert [c.name for c in entry.candidates] == ["assume_static_by_default"]
    ((candidate, why),) = entry.unavailable
    assert candidate.name == "dynamic_sources"
    assert why == "torch.compiler.config.dynamic_sources was added in torch 2.7"


def test_on_2_15_a_size_is_marked_dynamic_in_its_dimension_by_torch_s_name() -> None:
    found = candidates(NEWEST, "recompile_shape_dynamic")
    first = found["tensor shape changed: x.size()[0]"][0]
    assert first.changes == (Change("torch.compiler.config.dynamic_sources", "L['x']:0"),)
    assert first.code.startswith("torch._dynamo.maybe_mark_dynamic(x, 0)")
    # Before 2.13 an entry takes no dimension: the whole tensor is dynamic.
    older = candidates("2.12.1", "recompile_shape_dynamic")["tensor shape changed: x.size()[0]"][0]
    assert older.changes == (Change("torch.compiler.config.dynamic_sources", "L['x']"),)


@pytest.mark.parametrize(
    ("program", "title", "names"),
    [
        ("graph_break_item", "Unsupported Tensor.item() call with capture_scalar_outputs=False", ["capture_scalar_outputs"]),
        ("gb_nonzero", "Dynamic shape operator", ["capture_dynamic_output_shape_ops"]),
        ("graph_break_print", "Failed to trace builtin operator", ["reorderable_logging_functions"]),
        ("recompile_new_module", "module attribute changed: self.factor", ["dynamic_sources", "allow_unspec_int_on_nn_module"]),
        ("recompile_global", "global variable changed: SCALE", ["dynamic_sources"]),
        ("recompile_scalar", "Python scalar value changed: alpha", ["assume_static_by_default"]),
        ("recompile_limit", "repeat_double hit the recompile limit", ["recompile_limit"]),
    ],
)
@pytest.mark.parametrize("release", [OLDEST, NEWEST])
def test_each_finding_gets_the_knobs_that_address_it(release: str, program: str, title: str, names: list[str]) -> None:
    found = candidates(release, program)
    if release == OLDEST and program in ("recompile_new_module", "recompile_global"):
        names = []  # dynamic_sources and allow_unspec_int_on_nn_module came in 2.7
    # 2.6 wrote some breaks as free text ("dynamic shape operator: aten.nonzero.default; ...").
    matching = [cands for found_title, cands in found.items() if found_title.lower().startswith(title.lower())]
    assert [c.name for c in (matching[0] if matching else [])] == names


def test_the_recompile_limit_is_only_ever_a_diagnostic() -> None:
    for release in (OLDEST, NEWEST):
        limit = candidates(release, "recompile_limit")["repeat_double hit the recompile limit"]
        assert [c.role for c in limit] == ["diagnostic"]
    spelled = apply(limit[0], (2, 6)).settings[0]
    assert spelled.spelled == "torch._dynamo.config.cache_size_limit" and spelled.applied == "python"
    assert apply(limit[0], (2, 15)).settings[0].spelled == "torch._dynamo.config.recompile_limit"


def test_findings_no_setting_addresses_keep_their_code_fix() -> None:
    _, code = plan(fixture(NEWEST, "recompile_dtype"), (2, 15))
    (change,) = code
    assert change.finding.title == "dtype changed: x.dtype" and "dtype" in change.fix
    planned, code = plan(fixture(NEWEST, "graph_break_data_dependent_if"), (2, 15))
    assert not planned and code[0].finding.kind == "graph_break" and "torch.cond" in code[0].fix


def test_the_table_keys_on_the_finding_s_data() -> None:
    kinds = {rule.kind for rule in RULES}
    assert kinds == {"graph_break", "recompile", "recompile_limit"}
    for rule in RULES:
        if rule.kind == "graph_break":
            assert rule.gb_ids or rule.text is not None
        if rule.kind == "recompile":
            assert rule.categories


# ---------------------------------------------------------------------------- sources


@pytest.mark.parametrize("release", [OLDEST, NEWEST])
@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("recompile_new_module", "L['self'].factor"),
        ("recompile_global", "G['SCALE']"),
        ("recompile_shape_dynamic", "L['x']"),
        ("rc_nested_attr", "L['self']._modules['layers']._modules['0'].scale"),
    ],
)
def test_torch_s_own_name_of_the_guarded_value_comes_from_the_guard_tree(release: str, program: str, expected: str) -> None:
    report = fixture(release, program)
    function = next(f for f in report.functions if any(c.guard_failures for c in f.compiles))
    recompile = next(c for c in function.compiles if c.guard_failures)
    failure = recompile.guard_failures[0]
    failed = next(c for c in function.compiles if c.compile_id == failure.failed_compile_id)
    found = torch_source(failure, failed)
    assert found is not None and found.name == expected


def test_sizes_that_changed_with_the_one_named_are_marked_too() -> None:
    """A recompile's reason names the first guard that failed (``x``); automatic dynamic
    shows which others changed with it (``mask``): each must be dynamic for it to go."""
    found = candidates(NEWEST, "rc_kwarg_shape")["tensor shape changed: x.size()[0]"][0]
    assert found.changes == (Change("torch.compiler.config.dynamic_sources", "L['x']:0,L['mask']:0"),)


def test_value_kinds() -> None:
    report = fixture(NEWEST, "recompile_scalar")
    failure = report.compiles[1].guard_failures[0]
    assert value_kind(failure) == "float"
    assert value_kind(replace(failure, expected="3")) == "int"
    assert value_kind(replace(failure, expected="True")) == "other"
    size = replace(failure, category="tensor_shape", source="x.size()[0]", expected="8", actual="1")
    assert value_kind(size) == "size01"
    assert value_kind(replace(size, actual="6")) == "size"
    assert value_kind(replace(size, category="shape_constraint", reason="2 <= x.size()[0]", actual=None)) == "size01"


# ---------------------------------------------------------------------------- spelling


def test_settings_use_torch_s_environment_variable_where_it_reads_one() -> None:
    scalar = Candidate("x", (Change("torch._dynamo.config.capture_scalar_outputs", True),), "")
    for release in ((2, 6), (2, 15)):
        applied = apply(scalar, release)
        assert applied.env == {"TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS": "1"}
        (setting,) = applied.settings
        assert setting.env == "TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS=1" and setting.applied == "env"
        assert setting.python == ("import torch._dynamo.config", "torch._dynamo.config.capture_scalar_outputs = True")
        # The rerun checks that torch read it as that value.
        assert applied.python == ({"module": "torch._dynamo.config", "attr": "capture_scalar_outputs", "value": True, "check": True},)


def test_a_knob_with_no_environment_variable_is_set_in_python() -> None:
    unspec = Candidate("x", (Change("torch._dynamo.config.allow_unspec_int_on_nn_module", True),), "")
    applied = apply(unspec, (2, 13))
    assert applied.env == {} and applied.settings[0].env is None and applied.settings[0].applied == "python"
    config = json.loads(applied.trial_config("/r.json") or "")
    assert config["settings"] == [{"module": "torch._dynamo.config", "attr": "allow_unspec_int_on_nn_module", "value": True}]
    # The logging method a library adds exists once the library is imported.
    ignore = Candidate(
        "x", (Change("torch._dynamo.config.ignore_logging_functions", ("logging.Logger.warning_once",)),), "",
        imports=("transformers.modeling_utils",),
    )
    on_2_10 = apply(ignore, (2, 10)).settings[0]
    assert on_2_10.spelled == "torch._dynamo.config.ignore_logger_methods"
    assert on_2_10.python == (
        "import transformers.modeling_utils",
        "import torch._dynamo.config",
        "import logging",
        "torch._dynamo.config.ignore_logger_methods.update({logging.Logger.warning_once})",
    )


def test_the_shell_form_is_quoted_as_a_person_writes_it() -> None:
    sources = Candidate("x", (Change("torch.compiler.config.dynamic_sources", "L['x']:0,G['SCALE']"),), "")
    (setting,) = apply(sources, (2, 13)).settings
    assert setting.env == """TORCH_COMPILE_DYNAMIC_SOURCES="L['x']:0,G['SCALE']\""""
    assert shlex.split(setting.env) == ["TORCH_COMPILE_DYNAMIC_SOURCES=L['x']:0,G['SCALE']"]
    assert shell_line((setting,), "python t.py") == f"{setting.env} python t.py"
    for value in ("plain", "a b", "$HOME's", 'say "x"', "L['x']"):
        assert shlex.split(shell_word(value)) == [value]


def test_verified_fixes_combine_into_one_setting_per_knob() -> None:
    a = Candidate("dynamic_sources", (Change("torch.compiler.config.dynamic_sources", "L['x']:0"),), "")
    b = Candidate("dynamic_sources", (Change("torch.compiler.config.dynamic_sources", "G['S']"),), "")
    c = Candidate("reorderable_logging_functions", (Change("torch._dynamo.config.reorderable_logging_functions", ("print",)),), "")
    combined = combine([a, b, c])
    assert combined is not None and combined.role == "combined"
    assert combined.changes == (
        Change("torch.compiler.config.dynamic_sources", "L['x']:0,G['S']"),
        Change("torch._dynamo.config.reorderable_logging_functions", ("print",)),
    )
    assert combine([a]) is None
    unbacked = Candidate("unbacked_sources", (Change("torch.compiler.config.unbacked_sources", "L['x']:0"),), "")
    both = combine([a, b, unbacked])
    assert both is not None and both.changes == (
        Change("torch.compiler.config.dynamic_sources", "G['S']"),
        Change("torch.compiler.config.unbacked_sources", "L['x']:0"),
    )
    off = Candidate("x", (Change("torch._dynamo.config.assume_static_by_default", True),), "")
    on = Candidate("y", (Change("torch._dynamo.config.assume_static_by_default", False),), "")
    assert combine([off, on]) is None


# ---------------------------------------------------------------------------- the bootstrap


def test_the_rerun_applies_python_settings_and_says_whether_they_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``DYNOTRACE_TRIAL_CONFIG`` (read in the rerun, right before the script) sets values and
    adds names to sets; afterwards it says which the script overrode."""
    import types

    config = types.ModuleType("fake_trial_config")
    config.limit = 8  # type: ignore[attr-defined]
    config.functions = set()  # type: ignore[attr-defined]
    config.flag = True  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_trial_config", config)
    result = tmp_path / "applied.json"
    spec = {
        "settings": [
            {"module": "fake_trial_config", "attr": "limit", "value": 64},
            {"module": "fake_trial_config", "attr": "functions", "add": ["print", "os.path.join"]},
            {"module": "fake_trial_config", "attr": "flag", "value": True, "check": True},
        ],
        "result": str(result),
    }
    monkeypatch.setenv(TRIAL_CONFIG_ENV, json.dumps(spec))
    finish = apply_trial_config()
    assert finish is not None
    assert config.limit == 64 and config.functions == {print, os.path.join}  # type: ignore[attr-defined]
    config.limit = 4  # type: ignore[attr-defined]  # the script sets it itself
    finish()
    held = {s["attr"]: s["held"] for s in json.loads(result.read_text())["settings"]}
    assert held == {"limit": False, "functions": True, "flag": True}

    monkeypatch.setenv(TRIAL_CONFIG_ENV, json.dumps({"settings": [{"module": "no_such_module_x", "attr": "a", "value": 1}], "result": str(result)}))
    with pytest.raises(UsageError, match="could not be applied"):
        apply_trial_config()
    assert "error" in json.loads(result.read_text())
    monkeypatch.delenv(TRIAL_CONFIG_ENV)
    assert apply_trial_config() is None


# ---------------------------------------------------------------------------- verdicts


def _m(status: str = "ok", exit_code: int = 0, **counts: int) -> Measurement:
    base = dict(compiles=2, graphs=2, graph_breaks=0, recompiles=1, recompile_limit_hits=0, failed_compiles=0, guards=10)
    base.update(counts)
    return Measurement(status=status, exit_code=exit_code, counts=TrialCounts(**base))  # type: ignore[arg-type]


_F = TrialFinding("recompile", "tensor shape changed: x.size()[0]", "f", None, "k", 1)


@pytest.mark.parametrize(
    ("trial", "before", "after", "role", "verdict"),
    [
        (_m(compiles=1, graphs=1, recompiles=0), 1, 0, "fix", "verified"),
        (_m(), 1, 1, "fix", "no_effect"),
        (_m(compiles=1, recompiles=0, graph_breaks=1), 1, 0, "fix", "worse"),
        (_m(recompiles=1), 1, 0, "fix", "no_effect"),  # the finding went, another came: no better in all
        (_m(exit_code=1), 1, 0, "fix", "failed"),
        (_m(status="timeout"), 1, None, "fix", "failed"),
        (_m(compiles=9, recompiles=8), 1, 1, "diagnostic", "diagnostic"),
    ],
)
def test_verdicts(trial: Measurement, before: int, after: int | None, role: str, verdict: str) -> None:
    got, problems = judge(role, _m(), trial, (Target(_F, before, after),), [])
    assert got == verdict
    if verdict == "worse":
        assert problems == ["1 more graph break (0 -> 1)"]
    if verdict == "failed" and trial.status == "ok":
        assert problems[0].startswith("the script failed (exit code 1)")


# ---------------------------------------------------------------------------- the session, with stand-in reruns


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    launcher = tmp_path / "python"
    launcher.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(HELPERS / 'fake_rerun.py'))} \"$@\"\n")
    launcher.chmod(launcher.stat().st_mode | stat.S_IEXEC)
    return launcher


def _report_file(tmp_path: Path, report: Report, name: str, exit_code: int = 0) -> str:
    path = tmp_path / f"{name}.json"
    dynotrace.save(replace(report, run=replace(report.run, exit_code=exit_code)), path)
    return str(path)


class _Lines(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def start(self, index: int, total: int, label: str) -> None:
        self.lines.append(f"[{index}/{total}] {label}")

    def done(self, verdict: str, seconds: float) -> None:
        self.lines[-1] += f" {verdict}"


def test_a_session_tries_candidates_round_by_round_and_combines_what_helped(
    tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fixture(NEWEST, "recompiles")  # a shape recompile (x.size()[0]) and a dtype one
    fixed = fixture(NEWEST, "recompile_dtype")  # one compile... of another file: no recompile of x
    monkeypatch.setenv(
        "FAKE_RERUN",
        json.dumps([
            ["TORCH_COMPILE_DYNAMIC_SOURCES", _report_file(tmp_path, fixed, "fixed"), "copy"],
            ["", _report_file(tmp_path, before, "before"), "copy"],
        ]),
    )
    progress = _Lines()
    trials = try_fixes(Rerun(("recompiles.py",), python=str(fake_python)), report=before, directory=tmp_path / "t", progress=progress)
    assert trials.baseline is not None and trials.baseline.counts == TrialCounts(3, 3, 0, 2, 0, 0, trials.baseline.counts.guards)
    by_name = {t.name: t for t in trials.trials}
    assert by_name["dynamic_sources"].verdict == "verified"
    assert by_name["assume_static_by_default"].verdict == "not_tried"
    assert "an earlier candidate for the same finding was verified" in by_name["assume_static_by_default"].note
    assert [c.finding.title for c in trials.code_changes] == ["dtype changed: x.dtype"]
    assert "combined" not in by_name  # one verified fix: nothing to combine
    assert progress.lines[0].startswith("[0/0] baseline") and progress.lines[1].endswith("verified")
    assert (tmp_path / "t" / "01-dynamic_sources" / "output.log").read_text().startswith("fake rerun of recompiles.py")
    assert not (tmp_path / "t" / "01-dynamic_sources" / "cache").exists()


def test_the_budget_leaves_candidates_untried_and_says_why(tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = fixture(NEWEST, "rc_two_dims")  # two findings, two candidates each
    monkeypatch.setenv("FAKE_RERUN", json.dumps([["", _report_file(tmp_path, before, "before"), "copy"]]))
    trials = try_fixes(
        Rerun(("rc_two_dims.py",), python=str(fake_python)), report=before, budget=Budget(max_trials=1), directory=tmp_path / "t"
    )
    verdicts = [(t.name, t.verdict) for t in trials.trials]
    assert verdicts[0] == ("dynamic_sources", "no_effect")
    assert all(v == "not_tried" for _, v in verdicts[1:]) and len(verdicts) == 3
    assert "--max-trials" in trials.trials[1].note


def test_a_rerun_that_hangs_is_stopped_with_its_children_and_reported(
    tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fixture(NEWEST, "recompile_shape_dynamic")
    pids = tmp_path / "pids"
    monkeypatch.setenv("FAKE_RERUN_PIDS", str(pids))
    monkeypatch.setenv(
        "FAKE_RERUN",
        json.dumps([["TORCH_COMPILE_DYNAMIC_SOURCES", "", "hang"], ["assume_static", "", "crash"], ["", _report_file(tmp_path, before, "b"), "copy"]]),
    )
    started = time.monotonic()
    trials = try_fixes(
        Rerun(("r.py",), python=str(fake_python)), report=before, budget=Budget(trial_timeout=2), directory=tmp_path / "t"
    )
    assert time.monotonic() - started < 60
    hung, crashed = trials.trials
    assert (hung.verdict, hung.result.status if hung.result else None) == ("failed", "timeout")
    assert "--trial-timeout" in hung.note
    assert (crashed.verdict, crashed.result.status if crashed.result else None) == ("failed", "crashed")
    assert "RuntimeError: the rerun crashed" in crashed.note
    for pid in (int(p) for line in pids.read_text().split("\n") if line for p in line.split()):
        assert not _alive(pid), "a process of the stopped rerun is still running"


def _alive(pid: int, within: float = 10.0) -> bool:
    """Whether ``pid`` still runs ``within`` seconds from now (a killed process is gone once
    the kernel has run it to its end, which takes a moment on a loaded machine)."""
    deadline = time.monotonic() + within
    while _running(pid):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.05)
    return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie not yet reaped by its parent is no longer running
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def test_ctrl_c_stops_the_rerun_in_progress_and_keeps_what_finished(
    tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fixture(NEWEST, "recompile_shape_dynamic")
    pids = tmp_path / "pids"
    monkeypatch.setenv("FAKE_RERUN_PIDS", str(pids))
    monkeypatch.setenv(
        "FAKE_RERUN", json.dumps([["TORCH_COMPILE_DYNAMIC_SOURCES", "", "hang"], ["", _report_file(tmp_path, before, "b"), "copy"]])
    )

    def interrupt() -> None:
        while not pids.exists():
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    trials = try_fixes(Rerun(("r.py",), python=str(fake_python)), report=before, directory=tmp_path / "t")
    assert trials.interrupted and trials.stopped_by == "SIGINT"
    assert trials.baseline is not None and trials.baseline.status == "ok"
    assert [t.verdict for t in trials.trials] == ["not_tried", "not_tried"]
    assert "interrupted (SIGINT) while it ran" in trials.trials[0].note
    for pid in (int(p) for line in pids.read_text().split("\n") if line for p in line.split()):
        assert not _alive(pid)


def test_a_script_that_fails_under_a_fix_fails_the_trial(tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = fixture(NEWEST, "recompile_shape_dynamic")
    monkeypatch.setenv(
        "FAKE_RERUN",
        json.dumps([
            ["TORCH_COMPILE_DYNAMIC_SOURCES", _report_file(tmp_path, fixture(NEWEST, "clean"), "c", exit_code=1), "fail"],
            ["", _report_file(tmp_path, before, "b"), "copy"],
        ]),
    )
    trials = try_fixes(Rerun(("r.py",), python=str(fake_python)), report=before, budget=Budget(max_trials=1), directory=tmp_path / "t")
    failed = trials.trials[0]
    assert failed.verdict == "failed"
    assert failed.problems[0] == "the script failed (exit code 1): ValueError: the script failed"


def test_nothing_is_rerun_when_no_setting_can_address_a_finding(tmp_path: Path) -> None:
    trials = try_fixes(Rerun(("r.py",), python="/nonexistent"), report=fixture(NEWEST, "recompile_dtype"), directory=tmp_path / "t")
    assert trials.baseline is None and not trials.trials and len(trials.code_changes) == 1
    assert not (tmp_path / "t").exists()


def test_a_release_older_than_the_table_gets_no_trials() -> None:
    old = fixture(NEWEST, "recompile_shape_dynamic")
    old = replace(old, run=replace(old.run, torch_version="2.5.1"))
    trials = try_fixes(Rerun(("r.py",), python="/nonexistent"), report=old)
    assert not trials.trials and "older than 2.6" in trials.notes[0]


def test_a_rerun_s_runner_command_repeats_the_target() -> None:
    rerun = Rerun(("-o", "x"), module=True, backend="eager", python="py")
    assert rerun.command("out.json") == ["py", "-m", "dynotrace", "explain", "-o", "out.json", "-q", "--backend", "eager", "-m", "--", "-o", "x"]


def test_the_runner_reports_a_dynotrace_that_wrote_nothing(tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_RERUN", json.dumps([["", "", "crash"]]))
    outcome = run(Rerun(("r.py",), python=str(fake_python)), directory=tmp_path / "x", name="x", release=(2, 13))
    assert outcome.measurement.status == "crashed" and outcome.report is None
    assert "RuntimeError: the rerun crashed" in outcome.measurement.message


# ---------------------------------------------------------------------------- file, diff, panel


@pytest.fixture
def with_trials(tmp_path: Path, fake_python: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    before = fixture(NEWEST, "recompile_shape_dynamic")
    monkeypatch.setenv(
        "FAKE_RERUN",
        json.dumps([
            ["TORCH_COMPILE_DYNAMIC_SOURCES", _report_file(tmp_path, fixture(NEWEST, "recompile_shape_dynamic_fixed"), "f"), "copy"],
            ["", _report_file(tmp_path, before, "b"), "copy"],
        ]),
    )
    trials = try_fixes(Rerun(("sample_programs/recompile_shape_dynamic.py",), python=str(fake_python)), report=before, directory=tmp_path / "t")
    return replace(before, trials=trials)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_trials_are_a_section_of_the_report_file_and_load_back(with_trials: Report, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"r{suffix}"
    dynotrace.save(with_trials, path)
    text = path.read_text()
    assert text.index("trials") < text.rindex("timing")
    loaded = dynotrace.load(path)
    assert loaded.trials == with_trials.trials and loaded == with_trials
    assert loaded.schema_version == 3


def test_a_report_without_trials_has_no_trials_section(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    dynotrace.save(fixture(NEWEST, "clean"), path)
    assert "\ntrials:" not in path.read_text() and dynotrace.load(path).trials is None


def test_trials_do_not_make_a_diff_noisy(with_trials: Report) -> None:
    plain = replace(with_trials, trials=None)
    changes = dynotrace.diff(plain, with_trials)
    assert changes.empty and not changes.notes


def test_the_verified_fixes_panel(with_trials: Report) -> None:
    out = StringIO()
    assert with_trials.trials is not None
    render_trials(with_trials.trials, out, options=Options(width=120, color=False, timing=False))
    text = out.getvalue()
    assert "verified  dynamic_sources" in text
    assert "for recompile: tensor shape changed: x.size()[0] at sample_programs/recompile_shape_dynamic.py:25  (1 -> 0 recompiles)" in text
    assert """shell   TORCH_COMPILE_DYNAMIC_SOURCES="L['x']:0" python sample_programs/recompile_shape_dynamic.py""" in text
    assert """python  import torch.compiler.config\n          torch.compiler.config.dynamic_sources = "L['x']:0\"""" in text
    assert "in code torch._dynamo.maybe_mark_dynamic(x, 0)" in text
    assert "effect  compiles 2 -> 1 · graphs 2 -> 1 · graph breaks 0 -> 0 · recompiles 1 -> 0 · limit hits 0 -> 0 · guards" in text
    assert "compile 0." not in text  # timing off
    assert "not tried  assume_static_by_default" in text
    # The terminal report of a report with trials ends with the panel.
    full = StringIO()
    dynotrace.render(with_trials, "terminal", full, width=120, color=False)
    assert full.getvalue().rstrip().endswith(text.rstrip().splitlines()[-1])


def test_trials_need_a_script_and_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError):
        dynotrace.try_fixes([])
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(UsageError, match="single-process scripts only"):
        dynotrace.try_fixes(["train.py"])


def test_the_cli_refuses_trials_of_a_log_and_budgets_without_trials() -> None:
    from conftest import run_dynotrace

    run = run_dynotrace("explain", "--trace", "x.log", "--try-fixes")
    assert run.returncode == 2 and "--try-fixes reruns a script" in run.stderr
    run = run_dynotrace("explain", "x.py", "--max-trials", "2")
    assert run.returncode == 2 and "apply to --try-fixes only" in run.stderr
    helped = run_dynotrace("explain", "--help")
    assert "RUNS YOUR SCRIPT AGAIN" in " ".join(helped.stdout.split())
