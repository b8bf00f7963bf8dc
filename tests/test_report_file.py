"""The report file: deterministic, round-trips through load, safe to load, same live and
offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SAMPLES, plain_env, run_dynotrace
from dynotrace.errors import InputError
from dynotrace.reports.files import load_report, write_report
from dynotrace.reports.schema import SCHEMA_VERSION, report_to_dict

DETERMINISM_SAMPLES = ["recompiles", "graph_break_print", "dynamic_mark_dynamic_branch", "recompile_new_module"]


def _without_timing(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data.pop("timing")
    return data


@pytest.mark.torch
@pytest.mark.parametrize("name", DETERMINISM_SAMPLES)
def test_two_runs_give_identical_reports_apart_from_timing(tmp_path: Path, name: str) -> None:
    script = f"sample_programs/{name}.py"
    for out in ("a.yaml", "b.yaml"):
        run = run_dynotrace("explain", script, "-o", str(tmp_path / out), "-q")
        assert run.returncode == 0, run.stderr
    text_a = (tmp_path / "a.yaml").read_text()
    assert _without_timing(tmp_path / "a.yaml") == _without_timing(tmp_path / "b.yaml")
    # Nothing of this machine in it: no absolute paths of the checkout, no memory addresses.
    assert str(ROOT) not in text_a
    assert "0x7f" not in text_a
    assert text_a.index("timing:") > text_a.index("functions:")


@pytest.mark.torch
def test_report_round_trips_through_load(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    assert run_dynotrace("explain", "sample_programs/recompiles.py", "-o", str(path), "-q").returncode == 0
    report = load_report(str(path))
    again = tmp_path / "again.yaml"
    write_report(report, str(again))
    assert yaml.safe_load(again.read_text()) == yaml.safe_load(path.read_text())
    as_json = tmp_path / "r.json"
    write_report(report, str(as_json))
    assert json.loads(as_json.read_text()) == report_to_dict(report)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["recompiles", "graph_break_data_dependent_if", "dynamic_mark_dynamic_branch"])
def test_live_capture_equals_offline_read_of_the_same_run(tmp_path: Path, name: str) -> None:
    trace_dir = tmp_path / "trace"
    env = plain_env()
    env["TORCH_TRACE"] = str(trace_dir)
    live = run_dynotrace("explain", f"sample_programs/{name}.py", "-o", str(tmp_path / "live.json"), "-q", env=env)
    assert live.returncode == 0, live.stderr
    offline = run_dynotrace("explain", "--trace", str(trace_dir), "-o", str(tmp_path / "offline.json"), "-q")
    assert offline.returncode == 0, offline.stderr
    a = json.loads((tmp_path / "live.json").read_text())
    b = json.loads((tmp_path / "offline.json").read_text())
    assert a["functions"] and a["functions"] == b["functions"]
    assert a["summary"] == b["summary"]
    assert b["problems"] == {"malformed_lines": 0, "bad_payloads": 0, "unknown_kinds": {}, "messages": []}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "empty"),
        ("just: text\n", "not a dynotrace report"),
        (f"schema_version: {SCHEMA_VERSION + 1}\n", "upgrade dynotrace"),
        ("a: &x [1, 2]\nb: *x\nschema_version: 1\n", "aliases"),
        ("schema_version: 1\nfunctions: !!python/object:os.system ['echo hi']\n", "not valid YAML"),
        ("schema_version: 1\nfunctions: [{name: 3}]\n", "functions[0]"),
        ("{not json", "not valid JSON"),
    ],
    ids=["empty", "not a report", "future schema", "aliases", "python tag", "wrong type", "bad json"],
)
def test_bad_reports_are_one_clear_error(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / ("r.json" if content.startswith("{") else "r.yaml")
    path.write_text(content)
    with pytest.raises(InputError) as info:
        load_report(str(path))
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_binary_reports(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such report"):
        load_report(str(tmp_path / "nope.yaml"))
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(InputError, match="not a text file"):
        load_report(str(tmp_path / "bin.yaml"))
    with pytest.raises(InputError, match="directory"):
        load_report(str(tmp_path))
