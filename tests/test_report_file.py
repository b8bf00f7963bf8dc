"""The report file: deterministic, round-trips through load, safe to load, same live and
offline."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, RUN_TWICE, plain_env, run_dynotrace, shared_explain
from dynotrace.errors import InputError
from dynotrace.files import documents as files
from dynotrace.api import load as load_report, save as write_report
from dynotrace.model import Report
from dynotrace.model.schema import SCHEMA_VERSION, TYPED, guards_from_plain, report_from_dict, report_to_dict


def _without_timing(data: dict) -> dict:
    data.pop("timing")
    return data


@pytest.mark.torch
@pytest.mark.parametrize("name", RUN_TWICE)
def test_two_runs_give_identical_reports_apart_from_timing(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    # The session's two runs of the sample: the first wrote JSON, the second YAML.
    a, b = (shared_explain(tmp_path_factory, f"sample_programs/{name}.py", copy) for copy in (0, 1))
    for one in (a, b):
        assert one.run.returncode == 0, one.run.stderr
    assert _without_timing(a.data()) == _without_timing(b.data())
    # Nothing of this machine in it: no absolute paths of the checkout, no memory addresses.
    for text in (a.report.read_text(), b.report.read_text()):
        assert str(ROOT) not in text
        assert "0x7f" not in text
    text_b = b.report.read_text()
    assert text_b.index("timing:") > text_b.index("functions:")


@pytest.mark.torch
def test_report_round_trips_through_load(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    ours = shared_explain(tmp_path_factory, "sample_programs/recompiles.py", 1)  # the YAML one
    assert ours.run.returncode == 0, ours.run.stderr
    path = ours.report
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
    # The one thing a live capture knows better: where the user's code called a compiled
    # function. It reads the real Python stack; a log has only Dynamo's, which leaves out
    # callers Dynamo does not trace (a module-level line). Where the log names a call
    # site, it is the same; everything else is equal.
    for live_f, log_f in zip(a["functions"], b["functions"]):
        for live_c, log_c in zip(live_f["compiles"], log_f["compiles"]):
            assert live_c["call_site"] is not None
            if log_c["call_site"] is not None:
                assert log_c["call_site"] == live_c["call_site"]
            live_c["call_site"] = log_c["call_site"] = None
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


def load_reports(*paths: str) -> list[Report]:
    """The report files read as ``dynotrace diff`` reads two (``load_documents``)."""
    return files.load_documents(
        paths, lambda data, path: report_from_dict(data, origin=repr(path)), TYPED, guards_from_plain
    )


def _guards(report: Report) -> list:
    return [g for f in report.functions for c in f.compiles for g in c.guards]


FIXTURE_TRACE = ROOT / "tests" / "fixtures" / "traces" / "graph_break_recompile.log.gz"


def _two_reports(tmp_path: Path, ext: str) -> tuple[str, str, list]:
    from dynotrace.api import read_trace_report

    first = read_trace_report(str(FIXTURE_TRACE))
    second = replace(first, functions=first.functions[:1])
    paths = [str(tmp_path / f"a.{ext}"), str(tmp_path / f"b.{ext}")]
    for report, path in zip((first, second), paths):
        write_report(report, path)
    return paths[0], paths[1], [load_report(path) for path in paths]


@pytest.mark.parametrize("ext, large", [("yaml", False), ("yaml", True), ("json", False)])
def test_reports_read_together_equal_those_read_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str, large: bool
) -> None:
    a, b, one_by_one = _two_reports(tmp_path, ext)
    assert one_by_one[0] != one_by_one[1]
    if large:  # read as a large YAML report is: its guards made as they are read, and shared
        pytest.importorskip("msgspec")
        monkeypatch.setattr(files, "FAST_YAML_FROM", 0)
        first, second = load_reports(a, b)
        assert _guards(second) and all(any(g is h for h in _guards(first)) for g in _guards(second))

    def no_fork() -> int:
        raise AssertionError("forked a reader: two processes side by side made the diff slower")

    monkeypatch.setattr(os, "fork", no_fork, raising=False)
    assert load_reports(a, b) == one_by_one
    assert load_reports(b, a) == one_by_one[::-1]


@pytest.mark.parametrize("bad", ["first", "second", "both"])
def test_reading_two_reports_reports_the_same_error_as_one_by_one(tmp_path: Path, bad: str) -> None:
    a, b, _ = _two_reports(tmp_path, "yaml")
    for which, path in (("first", a), ("second", b)):
        if bad in (which, "both"):
            Path(path).write_text(f"schema_version: {SCHEMA_VERSION + 1}\nfunctions: []\n")
    with pytest.raises(InputError) as one_by_one:
        [load_report(path) for path in (a, b)]
    with pytest.raises(InputError) as together:
        load_reports(a, b)
    assert str(together.value) == str(one_by_one.value)
    assert str(a if bad != "second" else b) in str(together.value)


@pytest.mark.parametrize("job", [False, True])
def test_the_fast_yaml_reader_reads_the_reports_dynotrace_writes(tmp_path: Path, job: bool) -> None:
    """``simple_yaml`` reads what ``save`` writes without handing it to libyaml: one
    process's report with its compiles' timing (keys ``compile_s[0/0]``), a job's with its
    ranks (keys ``'0'``). Until 2026-12-08 it gave up on both, and a 48 MB job report took
    5 s to read instead of 1.3 s."""
    from dynotrace.api import read_trace_job, read_trace_report
    from dynotrace.files import simple_yaml

    subject = read_trace_job(str(FIXTURE_TRACE.parent / "ddp_uneven_batch")) if job else read_trace_report(str(FIXTURE_TRACE))
    path = tmp_path / "r.yaml"
    write_report(subject, str(path))
    text = path.read_text()
    assert ("  '0':\n" in text) if job else ("compile_s[0/0]: " in text)
    data = files._read_simple_yaml(text)
    assert data is not simple_yaml.NOT_SIMPLE
    assert data == yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# Built by msgspec (the ``fast`` extra) or by the schema's own builders: the same report,
# and the same error for data that does not fit (``schema._converted_functions``).


def _plain_report_data() -> dict:
    from dynotrace.api import read_trace_report

    return json.loads(json.dumps(report_to_dict(read_trace_report(str(FIXTURE_TRACE)))))


def _both_ways(data: object, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """``report_from_dict(data)`` by msgspec and by the builders: each a report or the
    message of its ``InputError``."""
    from dynotrace.model import schema

    results = []
    for fast in (True, False):
        monkeypatch.setattr(schema, "CONVERT_MIN_ITEMS", 0 if fast else 1 << 60)
        try:
            results.append(report_from_dict(json.loads(json.dumps(data))))
        except InputError as exc:
            results.append(f"InputError: {exc}")
    return results[0], results[1]


def test_msgspec_builds_the_report_the_builders_build(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("msgspec")
    from dynotrace.model import schema

    data = _plain_report_data()
    monkeypatch.setattr(schema, "CONVERT_MIN_ITEMS", 0)
    assert schema._converted_functions(data["functions"]) is not None  # the fast path ran
    fast, slow = _both_ways(data, monkeypatch)
    assert isinstance(fast, Report) and fast == slow
    assert report_to_dict(fast) == report_to_dict(slow)  # fields compare=False excluded above


#: Values that do not fit the schema where they are (``path`` in the first function), and
#: some that do: each read the same way by every way of building a report.
_MISFITS = [
    (("first_line",), True),
    (("first_line",), 1.0),
    (("name",), None),
    (("compiles", 0, "frame_id"), False),
    (("compiles", 0, "graph_op_count"), 2.5),
    (("compiles", 0, "status"), "exploded"),
    (("compiles", 0, "guards"), "not a list"),
    (("compiles", 0, "guards", 0), {"check": "missing its kind"}),
    (("compiles", 0, "guards", 0, "location"), {"file": "f.py", "line": "3"}),
    (("compiles", 0, "guards", 0, "location"), {"file": "f.py", "line": "3", "function": "f", "code": "x"}),
    (("compiles", 0, "module_forward"), 0),
    (("compiles", 0, "shape_constraints"), ["x", 1]),
    (("compiles", 0, "guard_count"), None),
    (("compiles", 0, "guards", 0, "unknown_key"), 1),
    (("compiles",), {"a": 1}),
]


@pytest.mark.parametrize("path, value", _MISFITS)
def test_msgspec_and_the_builders_refuse_and_accept_alike(
    monkeypatch: pytest.MonkeyPatch, path: tuple, value: object
) -> None:
    pytest.importorskip("msgspec")
    fast, slow = _both_ways(_with(_plain_report_data(), path, value), monkeypatch)
    assert fast == slow


def _with(data: dict, path: tuple, value: object) -> dict:
    target = data["functions"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _loaded_fast_and_slow(report: Path, threshold: str, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """``load_report(report)`` read the fast way (``documents``'s ``threshold`` and the
    schema's at 0) and the slow way, each a report or its ``InputError``'s message: checked
    to be the same."""
    from dynotrace.model import schema

    results: list[object] = []
    for fast in (True, False):
        monkeypatch.setattr(files, threshold, 0 if fast else 1 << 60)
        monkeypatch.setattr(schema, "CONVERT_MIN_ITEMS", 0 if fast else 1 << 60)
        try:
            results.append(load_report(str(report)))
        except InputError as exc:
            results.append(f"InputError: {exc}")
    assert results[0] == results[1]
    if isinstance(results[0], Report):
        assert report_to_dict(results[0]) == report_to_dict(results[1])
    return results


@pytest.mark.parametrize("path, value", [((), None), *_MISFITS])
def test_json_decoded_straight_into_the_model_reads_as_the_builders_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: tuple, value: object
) -> None:
    """A large JSON report's functions are decoded by msgspec straight into the model
    (``schema.TYPED``): the same report, or the same error, as json and the builders."""
    pytest.importorskip("msgspec")
    data = _plain_report_data()
    if path:
        _with(data, path, value)
    report = tmp_path / "r.json"
    report.write_text(json.dumps(data))
    decoded_straight = []
    real = files._typed_json_loads

    def spy(raw: bytes, typed: dict) -> object:
        result = real(raw, typed)
        decoded_straight.append(result is not None and type(result["functions"]) is tuple)
        return result

    monkeypatch.setattr(files, "_typed_json_loads", spy)
    results = _loaded_fast_and_slow(report, "FAST_JSON_FROM", monkeypatch)
    # Data that fits is decoded straight into the model; data that does not is left to the builders.
    assert decoded_straight == [isinstance(results[0], Report), False]


@pytest.mark.parametrize("path, value", [((), None), *_MISFITS])
def test_yaml_guards_made_as_they_are_read_read_as_the_builders_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: tuple, value: object
) -> None:
    """A large YAML report's guards are made into the model's as they are read
    (``schema.guards_from_plain``): the same report, or the same error, as reading them as
    plain data and building them after."""
    pytest.importorskip("msgspec")
    from dynotrace.model import schema

    data = _plain_report_data()
    if path:
        _with(data, path, value)
    report = tmp_path / "r.yaml"
    report.write_text(yaml.safe_dump(data, sort_keys=False, width=files.YAML_WIDTH))
    made: list[bool] = []
    real = schema.guards_from_plain

    def spy(items: list) -> list:
        try:
            result = real(items)
        except ValueError:
            made.append(False)
            raise
        made.append(True)
        return result

    monkeypatch.setattr(schema, "guards_from_plain", spy)
    _loaded_fast_and_slow(report, "FAST_YAML_FROM", monkeypatch)
    # Only the fast reading makes guards; a list in the writer's layout whose guards do not
    # fit the model is left to the builders (a list in another layout is read line by line).
    assert made
    assert (False in made) == (isinstance(value, dict) and len(value) == 4 and value.get("line") == "3")


def test_json_reports_read_the_same_with_and_without_msgspec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    pytest.importorskip("msgspec")
    data = _plain_report_data()
    data["timing"] = {"wall_s": float("nan")}  # json writes NaN; msgspec refuses it: json reads it
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    monkeypatch.setattr(files, "FAST_JSON_FROM", 0)
    with_msgspec = files.load_data(str(path))
    monkeypatch.setitem(sys.modules, "msgspec", None)  # the import fails, as without the extra
    without = files.load_data(str(path))
    assert json.dumps(with_msgspec) == json.dumps(without)
    assert with_msgspec["timing"]["wall_s"] != with_msgspec["timing"]["wall_s"]  # NaN
    path.write_text(json.dumps(_plain_report_data()))
    monkeypatch.delitem(sys.modules, "msgspec")
    assert files.load_data(str(path)) == _plain_report_data()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("text", ["plain ascii", "not ascii: é", "two\nlines"])
def test_a_part_written_piece_by_piece_is_the_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, text: str) -> None:
    from dynotrace.files import yaml_writer

    data = _plain_report_data()
    data["notes"] = [text]
    monkeypatch.setattr(yaml_writer, "_EMIT_PIECES", 3)  # many pieces
    path = files.write_section_of(str(tmp_path), "ranks", 5, data, fmt)
    assert Path(path).read_text(encoding="utf-8") == files.section_text("ranks", "5", data, fmt)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("check", ["not ascii: \u00e9", "a lone surrogate: \udcff", "two\nlines", ""])
def test_a_report_written_from_its_objects_is_the_one_written_from_plain_data(fmt: str, check: str) -> None:
    """The YAML writer writes a report's compiles from its objects (``fields_of``); text
    it leaves to libyaml (not ASCII) or that cannot be UTF-8 (lone surrogates) is written
    from plain data, the same either way."""
    from dynotrace.model.schema import fields_of

    from dynotrace.api import read_trace_report

    report = read_trace_report(str(FIXTURE_TRACE))
    function = report.functions[0]
    compile_ = function.compiles[0]
    assert compile_.guards
    changed = replace(compile_, guards=(replace(compile_.guards[0], check=check), *compile_.guards[1:]))
    report = replace(report, functions=(replace(function, compiles=(changed, *function.compiles[1:])), *report.functions[1:]))
    plain = files.serialise(report_to_dict(report), fmt)
    assert files.serialise(report_to_dict(report, objects=True), fmt, fields=fields_of) == plain
