"""``dynotrace diff``: what changed between two runs of a program, and whether it regressed.

The variants in ``tests/programs/diff/`` are the base program with one edit each (a graph
break added, a recompile added, one break swapped for another, the code moved down). Each
runs as ``model.py`` in its own directory, as an edited file of a real project would, so
the reports name the same file. Every expectation below is read from those runs or from
the programs' own text (the line of a marker comment), never typed in from output.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, RUN_TWICE, once_per_session, run_dynotrace, shared_explain
from dynotrace.errors import UsageError
from dynotrace.analysis.identity import code_identity
from dynotrace.compare.diff import ReportDiff, diff_reports
from dynotrace.compare.policy import DEFAULT_FAIL_ON, parse_fail_on
from dynotrace.renderers.markdown import code
from dynotrace.api import load as load_report
from dynotrace.model.schema import SCHEMA_VERSION

PROGRAMS = ROOT / "tests" / "programs" / "diff"
VARIANTS = ("base", "add_break", "add_recompile", "swap_break", "moved")


def line_of(variant: str, marker: str) -> int:
    """The 1-based line of ``variant``'s source that contains ``marker``."""
    lines = (PROGRAMS / f"{variant}.py").read_text().splitlines()
    hits = [i for i, text in enumerate(lines, 1) if marker in text]
    assert len(hits) == 1, (variant, marker, hits)
    return hits[0]


def explain_all(jobs: list[tuple[Path, list[str]]]) -> None:
    """Run ``dynotrace explain ARGS`` in each directory, two at a time (most of a run is
    importing torch; the test machines have two cores)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(job: tuple[Path, list[str]]) -> None:
        cwd, args = job
        run = run_dynotrace("explain", "-q", *args, cwd=cwd)
        assert run.returncode == 0, run.stderr

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, jobs))


def record_variants(root: Path, variants: tuple[str, ...]) -> dict[str, Path]:
    """Run each variant as ``model.py`` in its own directory; their reports by variant."""
    jobs = []
    for variant in variants:
        (root / variant).mkdir(parents=True, exist_ok=True)
        shutil.copy(PROGRAMS / f"{variant}.py", root / variant / "model.py")
        jobs.append((root / variant, ["model.py", "-o", "report.yaml"]))
    explain_all(jobs)
    return {v: root / v / "report.yaml" for v in variants}


def variant_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every variant's report, recorded once in the session (test_sarif.py and
    test_check.py read them too); a test writes its own files elsewhere."""

    def make(root: Path) -> None:
        record_variants(root, VARIANTS)

    root = once_per_session(tmp_path_factory, "diff.variants", make)
    return {v: root / v / "report.yaml" for v in VARIANTS}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return variant_reports(tmp_path_factory)


def diff_of(reports: dict[str, Path], variant: str, fail_on: frozenset[str] = DEFAULT_FAIL_ON) -> ReportDiff:
    return diff_reports(load_report(str(reports["base"])), load_report(str(reports[variant])), fail_on)


def diff_cli(reports: dict[str, Path], variant: str, *args: str) -> tuple[int, str, str]:
    run = run_dynotrace("diff", str(reports["base"]), str(reports[variant]), "--width", "120", *args)
    return run.returncode, run.stdout, run.stderr


@pytest.mark.torch
@pytest.mark.parametrize("name", RUN_TWICE)
def test_two_runs_of_a_sample_give_an_empty_diff(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    # The session's two runs of the sample (a JSON report and a YAML one).
    first, second = (shared_explain(tmp_path_factory, f"sample_programs/{name}.py", copy) for copy in (0, 1))
    for one in (first, second):
        assert one.run.returncode == 0, one.run.stderr
    a, b = str(first.report), str(second.report)
    result = diff_reports(load_report(a), load_report(b))
    assert result.empty, result.functions
    assert not result.notes
    cli = run_dynotrace("diff", a, b)
    assert "No difference" in cli.stdout
    # Nothing got worse, a recompile-limit hit included: the limit fails a diff only when
    # AFTER hits it more often (`check --no-recompile-limit` fails on any hit).
    assert not result.regressions
    assert cli.returncode == 0, cli.stdout + cli.stderr
    every = run_dynotrace("diff", a, b, "--fail-on", "all")
    assert every.returncode == 0, every.stdout + every.stderr


@pytest.mark.torch
def test_a_new_graph_break_is_the_only_change_and_a_regression(reports: dict[str, Path]) -> None:
    d = diff_of(reports, "add_break")
    new_line = line_of("add_break", "# the new graph break")
    assert [f.name for f in d.functions] == ["shift"]
    shift = d.functions[0]
    assert [gb.location.line for gb in shift.breaks_added if gb.location] == [new_line]
    assert shift.breaks_removed == () and shift.breaks_moved == ()
    assert shift.recompiles_added == () and shift.compiles_removed == ()
    # The only new compiles are the resume function Dynamo makes after the new break.
    assert shift.compiles_added and all(c.resume_line == new_line for c in shift.compiles_added)
    assert shift.shape_changes == ()
    assert [(r.category, r.location.line if r.location else None) for r in d.regressions] == [
        ("graph-breaks", new_line)
    ]
    rc, out, _ = diff_cli(reports, "add_break")
    assert rc == 1
    assert "new graph break in shift" in out and 'print("shift: traced")' in out


@pytest.mark.torch
def test_a_new_recompile_is_shown_with_its_cause(reports: dict[str, Path]) -> None:
    d = diff_of(reports, "add_recompile")
    assert [f.name for f in d.functions] == ["shift"]
    shift = d.functions[0]
    assert len(shift.recompiles_added) == 1 and shift.compiles_added == shift.recompiles_added
    (recompile,) = shift.recompiles_added
    assert [f.source for f in recompile.guard_failures] == ["x.dtype"]
    assert shift.breaks_added == shift.breaks_removed == () and shift.breaks_moved == ()
    assert shift.guard_changes == () and shift.shape_changes == () and shift.compiles_removed == ()
    assert [r.category for r in d.regressions] == ["recompiles"]
    rc, out, _ = diff_cli(reports, "add_recompile")
    assert rc == 1
    assert "x.dtype" in out and "recompiles more (0 -> 1)" in out


@pytest.mark.torch
def test_a_break_removed_and_another_added_is_both_not_a_move(reports: dict[str, Path]) -> None:
    d = diff_of(reports, "swap_break")
    assert [f.name for f in d.functions] == ["scale"]
    scale = d.functions[0]
    assert [gb.location.line for gb in scale.breaks_removed if gb.location] == [
        line_of("base", 'print("scale: traced")')
    ]
    assert [gb.location.line for gb in scale.breaks_added if gb.location] == [
        line_of("swap_break", "torch._dynamo.graph_break()")
    ]
    assert scale.breaks_moved == () and scale.recompiles_added == scale.recompiles_removed == ()
    assert [r.category for r in d.regressions] == ["graph-breaks"]
    assert diff_cli(reports, "swap_break")[0] == 1
    # The same change passes when only recompiles count.
    assert diff_cli(reports, "swap_break", "--fail-on", "recompiles")[0] == 0


@pytest.mark.torch
def test_code_that_only_moved_down_is_not_a_regression(reports: dict[str, Path]) -> None:
    d = diff_of(reports, "moved")
    offset = line_of("moved", "def scale") - line_of("base", "def scale")
    assert offset > 0
    assert not d.regressions
    assert {f.name for f in d.functions} == {"scale", "shift"}
    for f in d.functions:
        assert f.status == "moved"
        assert f.first_line_after == f.first_line_before + offset
        assert not (f.breaks_added or f.breaks_removed or f.compiles_added or f.compiles_removed)
        assert not (f.guard_changes or f.shape_changes)
    (scale,) = [f for f in d.functions if f.name == "scale"]
    (moved,) = scale.breaks_moved
    marker = 'print("scale: traced")'
    assert moved.before.location and moved.after.location
    assert (moved.before.location.line, moved.after.location.line) == (line_of("base", marker), line_of("moved", marker))
    rc, out, _ = diff_cli(reports, "moved")
    assert rc == 0
    assert "graph break moved" in out and "No regression" in out


@pytest.mark.torch
def test_fail_on_guards_counts_guard_changes(reports: dict[str, Path]) -> None:
    d = diff_of(reports, "add_break", frozenset({"guards"}))
    assert d.functions[0].guard_changes
    assert d.regressions and {r.category for r in d.regressions} == {"guards"}
    assert diff_cli(reports, "add_break", "--fail-on", "guards")[0] == 1
    assert diff_cli(reports, "add_recompile", "--fail-on", "graph-breaks,limit")[0] == 0
    assert diff_cli(reports, "add_break", "--fail-on", "none")[0] == 0


@pytest.mark.torch
def test_markdown_json_and_yaml_output(reports: dict[str, Path], tmp_path: Path) -> None:
    new_line = line_of("add_break", "# the new graph break")
    rc, out, _ = diff_cli(reports, "add_break", "--format", "markdown")
    assert rc == 1
    assert out.startswith("### dynotrace diff: :x: 1 regression")
    assert f"`model.py:{new_line}`" in out and "`print(\"shift: traced\") # the new graph break`" in out
    rc, _, _ = diff_cli(reports, "add_break", "-o", str(tmp_path / "diff.md"))
    assert rc == 1 and (tmp_path / "diff.md").read_text().startswith("### dynotrace diff")
    rc, out, _ = diff_cli(reports, "add_break", "--format", "json")
    data = json.loads(out)
    assert data["regressed"] is True and data["fail_on"] == ["graph-breaks", "recompiles", "limit"]
    (shift,) = data["functions"]
    assert [gb["location"]["line"] for gb in shift["graph_breaks"]["added"]] == [new_line]
    rc, _, _ = diff_cli(reports, "moved", "-o", str(tmp_path / "diff.yaml"))
    moved = yaml.safe_load((tmp_path / "diff.yaml").read_text())
    assert rc == 0 and moved["regressed"] is False and moved["regressions"] == []


@pytest.mark.torch
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("torch", "2.12.0", "torch"),
        # 1, not the version before this one: 3 only added trials, which a diff does not compare.
        ("schema_version", 1, "schema versions"),
    ],
    ids=["torch version", "schema version"],
)
def test_reports_of_different_versions_still_diff_and_say_so(
    reports: dict[str, Path], tmp_path: Path, field: str, value: object, words: str
) -> None:
    data = yaml.safe_load(reports["base"].read_text())
    original = data[field]
    data[field] = value
    older = tmp_path / "older.yaml"
    older.write_text(yaml.safe_dump(data, sort_keys=False))
    run = run_dynotrace("diff", str(older), str(reports["base"]), "--width", "400")
    assert run.returncode == 0, run.stderr
    note = next(line for line in run.stdout.splitlines() if line.startswith("note:"))
    assert words in note and str(value) in note and str(original) in note
    assert "No difference" in run.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "No such report"),
        ("", "empty"),
        ("functions: [\n", "not valid YAML"),
        ("just: text\n", "not a dynotrace report"),
    ],
    ids=["missing", "empty", "malformed", "not a report"],
)
def test_an_unreadable_report_is_one_line_and_exit_2(tmp_path: Path, content: str | None, words: str) -> None:
    bad = tmp_path / "bad.yaml"
    if content is not None:
        bad.write_text(content)
    good = tmp_path / "good.yaml"
    good.write_text(f"schema_version: {SCHEMA_VERSION}\n")
    for args in ((str(bad), str(good)), (str(good), str(bad))):
        run = run_dynotrace("diff", *args)
        assert run.returncode == 2
        assert run.stderr.startswith("dynotrace: error:") and words in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_a_bad_fail_on_is_a_usage_error(tmp_path: Path) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(f"schema_version: {SCHEMA_VERSION}\n")
    run = run_dynotrace("diff", str(report), str(report), "--fail-on", "graph-breaks,typo")
    assert run.returncode == 2 and "typo" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    with pytest.raises(UsageError):
        parse_fail_on("breaks")
    assert parse_fail_on("all") == parse_fail_on(["graph-breaks", "recompiles", "guards", "limit", "divergence"])
    assert parse_fail_on("none") == frozenset()


@pytest.mark.parametrize(
    ("line", "identity"),
    [
        ('print("x")  # <-- GRAPH BREAK', 'print("x")'),
        ("y = f(x)   +  1", "y = f(x) + 1"),
        ("s = '# not a comment'  # a comment", "s = '# not a comment'"),
        ('s = "a \\" # still a string"', 's = "a \\" # still a string"'),
    ],
)
def test_code_identity_drops_comments_and_spacing_only(line: str, identity: str) -> None:
    assert code_identity(line) == identity


def test_markdown_code_spans_hold_backticks() -> None:
    assert code("x") == "`x`"
    assert code("a `b` c") == "`` a `b` c ``"


def _reports_with_a_new_graph_break(tmp_path: Path) -> tuple[str, str]:
    """Two report files of a TORCH_TRACE fixture: before without its first function's graph
    breaks, after as recorded (a new graph break: a regression)."""
    from dataclasses import replace

    from dynotrace.api import read_trace_report, save

    after = read_trace_report(str(ROOT / "tests" / "fixtures" / "traces" / "graph_break_recompile.log.gz"))
    first = after.functions[0]
    calm = replace(first, compiles=tuple(replace(c, graph_breaks=()) for c in first.compiles))
    before = replace(after, functions=(calm, *after.functions[1:]))
    paths = str(tmp_path / "before.yaml"), str(tmp_path / "after.yaml")
    for report, path in zip((before, after), paths):
        save(report, path)
    return paths


def test_a_diff_run_as_its_own_process_writes_all_it_says_before_exiting(tmp_path: Path) -> None:
    # The command ends its process without freeing the reports (``exit_leaving_objects``):
    # what it wrote is all there, and the exit code is the verdict's.
    before, after = _reports_with_a_new_graph_break(tmp_path)
    run = run_dynotrace("diff", before, after, "--format", "json")
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["regressed"] is True
    same = run_dynotrace("diff", after, after)
    assert same.returncode == 0 and same.stdout.rstrip().endswith(")") and "No regression." in same.stdout


def test_a_diff_called_from_python_returns_to_its_caller(tmp_path: Path) -> None:
    # Through click's CliRunner (code embedding the command), the process goes on.
    from click.testing import CliRunner

    from dynotrace.cli.main import cli

    before, after = _reports_with_a_new_graph_break(tmp_path)
    result = CliRunner().invoke(cli, ["diff", before, after, "--width", "100"])
    assert result.exit_code == 1, result.output
    assert "new graph break" in result.output
