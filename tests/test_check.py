"""``dynotrace check``: run a script, compare with a baseline or budgets, exit 0/1/2 — as a
CI job uses it: a baseline recorded from one version of a program, checked against edits.

The programs are the variants in ``tests/programs/diff/`` (see test_diff.py), copied into a
project directory as ``model.py``; expected numbers come from the runs themselves.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, plain_env, run_dynotrace, without_torch_warnings
from dynotrace.config import Settings, load_settings
from dynotrace.errors import InputError
from dynotrace.model import Location
from dynotrace.compare.policy import Regression
from dynotrace.api import load as load_report
from dynotrace.renderers.github import annotation, append_step_summary, escape_data, escape_property
from test_diff import variant_reports

PROGRAMS = ROOT / "tests" / "programs" / "diff"


def use(project: Path, variant: str) -> None:
    """Make ``model.py`` in ``project`` the given variant (an edit of the same file)."""
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROGRAMS / f"{variant}.py", project / "model.py")


def line_of(variant: str, marker: str) -> int:
    lines = (PROGRAMS / f"{variant}.py").read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text)


def one_error_line(stderr: str) -> str:
    stderr = without_torch_warnings(stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dynotrace: error:") and "Traceback" not in stderr, stderr
    return lines[0]


def test_check_needs_a_baseline_or_a_budget(tmp_path: Path) -> None:
    use(tmp_path, "base")
    run = run_dynotrace("check", "model.py", cwd=tmp_path)
    assert run.returncode == 2
    assert "--baseline" in one_error_line(run.stderr)
    run = run_dynotrace("check", cwd=tmp_path)
    assert run.returncode == 2 and "no script" in one_error_line(run.stderr)


def test_a_missing_baseline_fails_before_the_script_runs(tmp_path: Path) -> None:
    use(tmp_path, "base")
    run = run_dynotrace("check", "model.py", "--baseline", "nope.yaml", cwd=tmp_path)
    assert run.returncode == 2
    assert "--update-baseline" in one_error_line(run.stderr)
    assert "scale: traced" not in run.stdout


@pytest.mark.torch
def test_baseline_recorded_then_checked_against_edits(tmp_path: Path) -> None:
    use(tmp_path, "base")
    run = run_dynotrace("check", "model.py", "--baseline", "baseline.yaml", "--update-baseline", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    baseline = load_report(str(tmp_path / "baseline.yaml"))
    assert baseline.summary.graph_breaks >= 1
    # The same code checked against the baseline it recorded passes: the second run of
    # test_pyproject_settings_with_flags_taking_precedence.

    use(tmp_path, "add_break")
    run = run_dynotrace("check", "model.py", "--baseline", "baseline.yaml", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "new graph break in shift" in run.stdout
    assert "::error" not in run.stdout  # annotations only under GitHub Actions

    use(tmp_path, "moved")
    run = run_dynotrace("check", "model.py", "--baseline", "baseline.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert "graph break moved" in run.stdout

    # Accepting the new break rewrites the baseline; the same code then passes.
    use(tmp_path, "add_break")
    run = run_dynotrace("check", "model.py", "--baseline", "baseline.yaml", "--update-baseline", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert load_report(str(tmp_path / "baseline.yaml")).summary.graph_breaks == baseline.summary.graph_breaks + 1
    run = run_dynotrace("check", "model.py", "--baseline", "baseline.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout


@pytest.mark.torch
def test_budgets_without_a_baseline(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    use(tmp_path, "base")
    # What the program counts: the session's explain run of it (test_diff.py's variants).
    counts = load_report(str(variant_reports(tmp_path_factory)["base"])).summary
    assert counts.graph_breaks >= 1

    over = run_dynotrace("check", "model.py", "--max-graph-breaks", str(counts.graph_breaks - 1), cwd=tmp_path)
    assert over.returncode == 1
    assert f"graph breaks: {counts.graph_breaks}, over the budget of {counts.graph_breaks - 1}" in over.stdout
    exact = run_dynotrace(
        "check", "model.py", "--max-graph-breaks", str(counts.graph_breaks),
        "--max-recompiles", str(counts.recompiles), cwd=tmp_path,
    )
    assert exact.returncode == 0, exact.stdout


@pytest.mark.torch
def test_a_recompile_limit_hit_fails_with_no_recompile_limit(tmp_path: Path) -> None:
    run = run_dynotrace(
        "check", "--backend", "eager", str(SAMPLES / "recompile_limit.py"), "--no-recompile-limit",
        "-o", str(tmp_path / "r.yaml"),
    )
    assert run.returncode == 1, run.stderr
    report = load_report(str(tmp_path / "r.yaml"))
    (hit,) = [f for f in report.functions if f.recompile_limit_hits]
    assert f"{hit.name} hit the recompile limit" in run.stdout


@pytest.mark.torch
def test_pyproject_settings_with_flags_taking_precedence(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n'
        "[tool.dynotrace]\n"
        'baseline = "ci/baseline.yaml"\n'
        "max-graph-breaks = 0\n"
        'backend = "eager"\n'
    )
    use(project / "src", "base")
    # From a subdirectory: the settings of the nearest pyproject.toml apply, and the
    # baseline path is relative to that file, not to where the check runs.
    run = run_dynotrace("check", "model.py", "--update-baseline", "-o", "r.yaml", cwd=project / "src")
    assert run.returncode == 1  # the baseline is written, but 0 graph breaks is the budget
    assert "over the budget of 0" in run.stdout
    assert (project / "ci" / "baseline.yaml").is_file()
    assert load_report(str(project / "src" / "r.yaml")).run.backend_override == "eager"

    # The same code checked against the baseline it recorded passes.
    run = run_dynotrace("check", "model.py", "--max-graph-breaks", "100", cwd=project / "src")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No difference" in run.stdout and "No regression" in run.stdout


def test_bad_settings_are_one_line_and_exit_2(tmp_path: Path) -> None:
    use(tmp_path, "base")
    (tmp_path / "pyproject.toml").write_text("[tool.dynotrace]\nmax-graph-braeks = 0\n")
    run = run_dynotrace("check", "model.py", cwd=tmp_path)
    assert run.returncode == 2 and "max-graph-braeks" in one_error_line(run.stderr)
    (tmp_path / "pyproject.toml").write_text("[tool.dynotrace\n")
    run = run_dynotrace("check", "model.py", cwd=tmp_path)
    assert run.returncode == 2 and "not valid TOML" in one_error_line(run.stderr)


def test_settings_are_read_from_the_nearest_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dynotrace]\nbaseline = "b.yaml"\nfail-on = "graph-breaks,guards"\nno-recompile-limit = true\n'
    )
    (tmp_path / "a" / "b").mkdir(parents=True)
    settings = load_settings(str(tmp_path / "a" / "b"))
    assert settings.baseline == str(tmp_path / "b.yaml")
    assert settings.fail_on == frozenset({"graph-breaks", "guards"})
    assert settings.no_recompile_limit is True and settings.max_graph_breaks is None
    merged = settings.overridden_by(fail_on=frozenset({"limit"}), max_graph_breaks=None)
    assert merged.fail_on == frozenset({"limit"}) and merged.baseline == settings.baseline
    # A nearer pyproject.toml without the table is the project's: nothing is inherited.
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert load_settings(str(tmp_path / "a" / "b")).baseline is None
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.dynotrace]\nmax-recompiles = -1\n")
    with pytest.raises(InputError, match="max-recompiles"):
        load_settings(str(tmp_path / "a"))
    assert Settings().overridden_by(backend="eager").backend == "eager"


@pytest.mark.torch
def test_github_annotations_and_step_summary(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = tmp_path / "project"
    use(project, "add_break")
    # The baseline: the session's report of the base program (test_diff.py's variants).
    shutil.copy(variant_reports(tmp_path_factory)["base"], project / "b.yaml")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    env = plain_env()
    env.update({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)})
    run = run_dynotrace("check", "model.py", "--baseline", "b.yaml", cwd=project, env=env)
    assert run.returncode == 1
    new_line = line_of("add_break", "# the new graph break")
    # The file is named relative to the repository checkout, as GitHub wants it.
    expected = f"::error file=project/model.py,line={new_line},title=dynotrace%3A new graph break::new graph break in shift"
    assert any(line.startswith(expected) for line in run.stdout.splitlines()), run.stdout
    text = summary.read_text()
    assert text.startswith("# earlier step\n")  # appended, not replaced
    assert "### dynotrace check `dynotrace check model.py`: :x: 1 regression" in text
    assert f"`model.py:{new_line}`" in text


@pytest.mark.torch
def test_a_failing_script_is_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "fails.py").write_text("import sys\nsys.exit(3)\n")
    run = run_dynotrace("check", "fails.py", "--baseline", "b.yaml", "--update-baseline", cwd=tmp_path)
    assert run.returncode == 3
    assert "exited with code 3" in one_error_line(run.stderr)
    assert not (tmp_path / "b.yaml").exists()  # a broken run never becomes the baseline


def test_workflow_command_escaping() -> None:
    assert escape_data("50%\nnext") == "50%25%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    r = Regression("graph-breaks", "new graph break: 100%", Location("pkg/m.py", 7, "f"))
    assert annotation(r, {}) == "::error file=pkg/m.py,line=7,title=dynotrace%3A new graph break::new graph break: 100%25"
    budget = Regression("budget", "graph breaks: 3, over the budget of 0")
    assert annotation(budget, {}) == "::error title=dynotrace%3A over budget::graph breaks: 3, over the budget of 0"


def test_step_summary_is_skipped_without_the_variable_and_never_fatal(tmp_path: Path) -> None:
    assert append_step_summary("x", {}) is None
    assert append_step_summary("x", {"GITHUB_STEP_SUMMARY": str(tmp_path)}) is not None  # a directory
    path = tmp_path / "s.md"
    assert append_step_summary("hello", {"GITHUB_STEP_SUMMARY": str(path)}) is None
    assert path.read_text() == "hello\n"


def test_import_of_the_cli_stays_free_of_torch() -> None:
    import subprocess
    import sys

    code = "import sys, dynotrace.cli.main; print('torch' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=plain_env(), cwd=ROOT)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_the_documented_workflow_is_valid_and_uses_real_options() -> None:
    import yaml

    text = (ROOT / "docs" / "ci.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert blocks
    workflows = [yaml.safe_load(block) for block in blocks]
    assert any("jobs" in w for w in workflows if isinstance(w, dict))
    known = run_dynotrace("check", "--help").stdout + run_dynotrace("diff", "--help").stdout
    used = set(re.findall(r"dynotrace (?:check|diff)[^\n]*", text))
    assert used
    for line in used:
        ours = line.split(" -- ")[0]  # after a bare --, the arguments are the script's
        for option in re.findall(r"(?<=\s)--[a-z][a-z-]+", ours):
            assert option in known, (option, line)
