"""SARIF output validates against the SARIF 2.1.0 JSON schema and puts each graph break
and recompile cause at the user's source line.

``fixtures/sarif-schema-2.1.0.json`` is the OASIS schema (errata01,
``Schemata/sarif-schema-2.1.0.json`` of oasis-tcs/sarif-spec), a JSON Schema draft-04
document, checked here with the ``jsonschema`` package.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_dynotrace, shared_explain
from dynotrace.model import Report
from dynotrace.compare.diff import diff_reports
from dynotrace.api import load as load_report
from dynotrace.renderers.sarif import sarif_log
from test_diff import variant_reports

PROGRAMS = ROOT / "tests" / "programs" / "diff"
SCHEMA = Path(__file__).resolve().parent / "fixtures" / "sarif-schema-2.1.0.json"


def validate(log: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def line_of(variant: str, marker: str) -> int:
    lines = (PROGRAMS / f"{variant}.py").read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text)


def results_at(log: dict[str, Any], line: int) -> list[dict[str, Any]]:
    return [
        r
        for r in log["runs"][0]["results"]
        for loc in r["locations"]
        if loc.get("physicalLocation", {}).get("region", {}).get("startLine") == line
    ]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return variant_reports(tmp_path_factory)


def test_the_schema_fixture_is_the_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert "result" in schema["definitions"] and "baselineState" in schema["definitions"]["result"]["properties"]


def test_a_log_that_breaks_the_schema_is_caught() -> None:
    with pytest.raises(AssertionError):
        validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]})


@pytest.mark.torch
def test_check_writes_sarif_with_new_and_unchanged_breaks(reports: dict[str, Path], tmp_path: Path) -> None:
    shutil.copy(PROGRAMS / "add_break.py", tmp_path / "model.py")
    run = run_dynotrace(
        "check", "model.py", "--baseline", str(reports["base"]), "--sarif", "out.sarif", cwd=tmp_path
    )
    assert run.returncode == 1
    log = json.loads((tmp_path / "out.sarif").read_text())
    validate(log)
    (new,) = results_at(log, line_of("add_break", "# the new graph break"))
    assert (new["level"], new["baselineState"]) == ("error", "new")
    assert new["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "model.py"
    (old,) = results_at(log, line_of("add_break", 'print("scale: traced")'))
    assert (old["level"], old["baselineState"]) == ("warning", "unchanged")
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert new["ruleId"] == rules[new["ruleIndex"]]["id"]
    assert rules[new["ruleIndex"]]["helpUri"].startswith("http")


@pytest.mark.torch
def test_each_recompile_cause_is_a_result_at_its_line(reports: dict[str, Path]) -> None:
    before, after = load_report(str(reports["base"])), load_report(str(reports["add_recompile"]))
    log = sarif_log(after, diff=diff_reports(before, after))
    validate(log)
    (recompile,) = [c for c in after.compiles if c.is_recompile]
    (failure,) = recompile.guard_failures
    assert failure.location is not None
    (result,) = [r for r in results_at(log, failure.location.line) if r["ruleId"].startswith("recompile/")]
    assert (result["level"], result["baselineState"]) == ("error", "new")
    assert recompile.compile_id in result["message"]["text"] and "x.dtype" in result["message"]["text"]


@pytest.mark.torch
def test_a_recompile_limit_hit_is_an_error_result(tmp_path_factory: pytest.TempPathFactory) -> None:
    ours = shared_explain(tmp_path_factory, "sample_programs/recompile_limit.py")
    assert ours.run.returncode == 0, ours.run.stderr
    report: Report = load_report(str(ours.report))
    log = sarif_log(report)
    validate(log)
    limits = [r for r in log["runs"][0]["results"] if r["ruleId"] == "recompile-limit"]
    assert limits and all(r["level"] == "error" for r in limits)
    causes = [r for r in log["runs"][0]["results"] if r["ruleId"].startswith("recompile/")]
    assert sum(r["occurrenceCount"] for r in causes) >= report.summary.recompiles


@pytest.mark.torch
def test_diff_writes_sarif_too(reports: dict[str, Path], tmp_path: Path) -> None:
    run = run_dynotrace("diff", str(reports["base"]), str(reports["add_break"]), "--sarif", str(tmp_path / "d.sarif"))
    assert run.returncode == 1
    log = json.loads((tmp_path / "d.sarif").read_text())
    validate(log)
    assert {r["baselineState"] for r in log["runs"][0]["results"]} == {"new", "unchanged"}
