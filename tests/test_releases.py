"""Logs of every supported torch release, read offline, against that release's own counts.

``tests/fixtures/releases/<release>/`` holds one TORCH_TRACE log per sample program,
recorded under that release by ``tests/releases/matrix.py record``, and ``counts.json``:
what that torch counted in the same run (``tests/helpers/torch_counts.py``: its
``get_compilation_metrics()``, ``counters`` and log records), never typed in.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

import dynotrace
from conftest import ROOT
from dynotrace.analysis.shapes import _simple_constraints, _sympy_constraints, symbol_names
from dynotrace.model import Report

RELEASES_DIR = ROOT / "tests" / "fixtures" / "releases"


def _cases() -> list[tuple[str, str]]:
    cases = []
    for counts_file in sorted(RELEASES_DIR.glob("*/counts.json")):
        release = counts_file.parent.name
        for program in sorted(json.loads(counts_file.read_text())["programs"]):
            cases.append((release, program))
    return cases


CASES = _cases()


def _counts(release: str) -> dict:  # type: ignore[type-arg]
    return json.loads((RELEASES_DIR / release / "counts.json").read_text())  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=None)
def _report(release: str, program: str) -> Report:
    """Each fixture log is read and folded once per session (the report is frozen): the
    checks below and the upgrade diffs read every log several times."""
    return dynotrace.read_trace_report(str(RELEASES_DIR / release / f"{program}.log.gz"))


def test_every_supported_release_has_fixtures() -> None:
    import runpy

    RELEASES = runpy.run_path(str(ROOT / "tests" / "releases" / "matrix.py"))["RELEASES"]
    assert sorted({r for r, _ in CASES}, key=lambda v: tuple(map(int, v.split(".")))) == list(RELEASES)


@pytest.mark.parametrize(("release", "program"), CASES, ids=[f"{r}-{p}" for r, p in CASES])
def test_summary_equals_the_releases_own_counts(release: str, program: str) -> None:
    torch_side = _counts(release)["programs"][program]
    summary = _report(release, program).summary
    assert summary.compiles == torch_side["compiles"]
    assert summary.graphs == torch_side["unique_graphs"]
    assert summary.graph_breaks == torch_side["graph_breaks"]
    assert summary.guards == torch_side["guards"]
    assert summary.shape_guards == torch_side["shape_env_guards"]
    assert summary.functions == torch_side["functions"]
    assert summary.recompiles + summary.recompile_limit_hits == torch_side["recompiles"]
    assert summary.recompiles + summary.recompile_limit_hits == torch_side["recompile_attempts"]
    assert summary.recompile_limit_hits == torch_side["recompile_limit_warnings"]
    assert summary.recompile_limit_hits == torch_side["limit_failures"]
    assert summary.failed_compiles == torch_side["failed"]


@pytest.mark.parametrize(("release", "program"), CASES, ids=[f"{r}-{p}" for r, p in CASES])
def test_explanations_hold_on_every_release(release: str, program: str) -> None:
    report = _report(release, program)
    assert report.run.torch_version is not None or "torch release" in " ".join(report.notes)
    for function in report.functions:
        for c in function.compiles:
            if c.is_recompile:
                assert c.guard_failures, f"{c.compile_id}: a recompile with no reason"
                failure = c.guard_failures[0]
                assert failure.category != "other", f"{c.compile_id}: {failure.reason}"
                assert failure.source, f"{c.compile_id}: {failure.reason}"
            for gb in c.graph_breaks:
                assert gb.gb_type and gb.gb_type != "Unknown graph break", gb
                assert gb.location is not None and gb.location.line > 0, gb
                assert gb.location.file.endswith(f"{program}.py"), gb.location
            # The shape guards Dynamo wrote, read without sympy where their form is simple,
            # say what sympy says of them.
            exprs = tuple(g.expr for g in c.shape_guards if not g.runtime_assert)
            names = symbol_names(c.symbols)
            simple = _simple_constraints(exprs, names)
            assert simple is None or simple == _sympy_constraints(exprs, names), exprs


@pytest.mark.parametrize("release", sorted({r for r, _ in CASES}))
def test_reasons_remembered_apart_from_their_cache_entry_read_as_each_alone(release: str) -> None:
    """The fold canonicalises and parses each distinct reason once, apart from the cache
    entry it names (``0/3: ``): on every recompile reason of the release's logs, that gives
    what canonicalising and parsing each reason on its own gives."""
    from dynotrace.analysis.reasons import parse_reason
    from dynotrace.capture.tracelog import read_trace
    from dynotrace.releases import _canonical_reason, _canonical_reason_of, reason_list

    seen = 0
    for program in sorted(_counts(release)["programs"]):
        events, _ = read_trace(RELEASES_DIR / release / f"{program}.log.gz")
        canonical: dict[str, str] = {}
        parsed: dict[tuple[str, str], object] = {}
        for ev in events:
            if ev.artifact_name == "recompile_reasons" and ev.payload is not None:
                for reason in reason_list(ev.payload):
                    seen += 1
                    alone = _canonical_reason(reason)
                    assert _canonical_reason_of(reason, canonical) == alone, reason
                    assert parse_reason(alone, known=parsed) == parse_reason(alone), alone  # type: ignore[arg-type]
    assert seen, f"no recompile reason in the {release} logs"


@pytest.mark.parametrize("release", sorted({r for r, _ in CASES}))
def test_reports_written_from_their_objects_are_those_written_from_plain_data(release: str) -> None:
    """``dynotrace explain -o`` writes a report's compiles from the model's objects
    (``fields_of``), never copied into plain data first: the same text, in both formats,
    for every program of the release, and for the report loaded back from its file (whose
    objects ``msgspec.convert`` may have made with their fields in another order)."""
    from dynotrace.files import yaml_writer
    from dynotrace.files.documents import serialise
    from dynotrace.model.schema import fields_of, report_from_dict, report_to_dict

    written = 0
    for program in sorted(_counts(release)["programs"]):
        report = _report(release, program)
        loaded = report_from_dict(json.loads(serialise(report_to_dict(report), "json")))
        for r in (report, loaded):
            # dynotrace's own writer writes it from the objects exactly when it writes it from
            # plain data (text beyond ASCII, ``0x…``, is libyaml's either way).
            by_objects = yaml_writer.write(report_to_dict(r, objects=True), fields=fields_of)
            by_plain = yaml_writer.write(report_to_dict(r))
            assert (by_objects is yaml_writer.NOT_SIMPLE) == (by_plain is yaml_writer.NOT_SIMPLE), program
            written += by_objects is not yaml_writer.NOT_SIMPLE
            for fmt in ("yaml", "json"):
                plain = serialise(report_to_dict(r), fmt)
                assert serialise(report_to_dict(r, objects=True), fmt, fields=fields_of) == plain, (program, fmt)
    assert written, f"no {release} report was written by dynotrace's own writer"


def _upgrades() -> list[tuple[str, str, str]]:
    """(older, newer, program) for each pair of neighbouring releases, and 2.13 -> 2.15."""
    have = sorted({r for r, _ in CASES}, key=lambda v: tuple(map(int, v.split("."))))
    pairs = list(zip(have, have[1:]))
    if {"2.13.0", "2.15.0"} <= set(have):
        pairs.append(("2.13.0", "2.15.0"))
    out = []
    for older, newer in pairs:
        programs = set(_counts(older)["programs"]) & set(_counts(newer)["programs"])
        out += [(older, newer, p) for p in sorted(programs)]
    return out


UPGRADES = _upgrades()
#: What makes two runs of a program compile the same way, in torch's own counts.
SAME_BEHAVIOUR = ("compiles", "recompile_attempts", "graph_breaks", "limit_failures", "unique_graphs")


@pytest.mark.parametrize(("older", "newer", "program"), UPGRADES, ids=[f"{a}-{b}-{p}" for a, b, p in UPGRADES])
def test_an_upgrade_that_compiles_the_same_shows_no_change(older: str, newer: str, program: str) -> None:
    """Where both releases compiled the program the same way (torch's own counts agree),
    ``dynotrace diff`` finds nothing to fail on: no new graph break, no new recompile; and
    from 2.11 on, no guard change either: what differs there is torch's wording and
    torch's own guards. (2.6-2.10 added guards on user objects, such as the type of
    ``self._modules``: a stricter guard, which a diff rightly shows.)"""
    a, b = _counts(older)["programs"][program], _counts(newer)["programs"][program]
    if any(a[k] != b[k] for k in SAME_BEHAVIOUR):
        pytest.skip(f"torch {older} and {newer} compiled {program} differently (their own counts differ)")
    # "limit" is left out: it fails on any recompile-limit hit of the newer run, even one
    # the older run had too.
    fail_on = "graph-breaks,recompiles"
    if min(_minor(older), _minor(newer)) >= (2, 11):
        fail_on += ",guards"
    diff = dynotrace.diff(_report(older, program), _report(newer, program), fail_on=fail_on)
    expected = [
        why
        for (release, name), why in GUARD_CHANGES_BY_TORCH.items()
        if name == program and _minor(older) < _minor(release) <= _minor(newer)
    ]
    if expected:
        assert [r.category for r in diff.regressions] == ["guards"], expected
        return
    assert not diff.regressions, [r.message for r in diff.regressions]


#: Guards a release really changed for a program (not only their wording), which a diff
#: across that upgrade rightly shows.
GUARD_CHANGES_BY_TORCH = {
    ("2.14.0", "rc_layout_channels_last"): "2.14 relaxed the stride guard of channels_last input: 48 <= x.stride()[0] became 2 <= x.stride()[0]",
}


def _minor(release: str) -> tuple[int, int]:
    major, minor = release.split(".")[:2]
    return int(major), int(minor)


# The release layer's contract, one difference at a time (each form is quoted from the
# release that writes it; the fixtures above hold them in whole logs).


def test_recompile_reasons_of_every_release_read_as_one_list() -> None:
    from dynotrace.releases import canonical_events, reason_list
    from dynotrace.events import TraceEvent

    old = '[\n"0/0: tensor \'L[\'x\']\' size mismatch at index 0. expected 8, actual 10"\n]'  # 2.6
    bare = "0/0: n == 1  # y = x * n  # f.py:3 in f\nUser stack trace:\n  File \"f.py\", line 3, in f"  # 2.11+
    assert reason_list(bare) == [bare]
    assert reason_list("[not json") == ["[not json"]
    events = [
        TraceEvent("artifact", {"name": "recompile_reasons"}, 0, 1, 0, payload)
        for payload in (old, bare)
    ]
    first, second = canonical_events(events)
    assert reason_list(first.payload or "") == ["0/0: tensor 'x' size mismatch at index 0. expected 8, actual 10"]
    assert reason_list(second.payload or "") == [bare]


def test_a_type_check_reads_the_same_on_every_release() -> None:
    from dynotrace.analysis.reasons import parse_reason
    from dynotrace.releases import _canonical_reason

    old = "0/0: expected type of 'x' to be a tensor type, ' but found <class 'list'>"  # 2.6-2.13
    new = "0/0: expected type of 'x' to be <class 'torch.Tensor'>, but found <class 'list'>"  # 2.14+
    a, b = parse_reason(_canonical_reason(old)), parse_reason(_canonical_reason(new))
    assert (a.source, a.expected, a.actual) == (b.source, b.expected, b.actual) == ("x", "tensor", "list")


def test_duplicate_tensors_and_autocast_read_the_same_on_every_release() -> None:
    from dynotrace.analysis.reasons import parse_reason
    from dynotrace.releases import _canonical_reason

    old = "0/0: Duplicate tensors found: a, b"  # 2.6-2.11
    new = '0/0: Duplicate tensors found: ["a", "b"]'  # 2.12+
    assert _canonical_reason(old) == _canonical_reason(new) == new
    assert parse_reason(_canonical_reason(old)).source == "a, b"
    keys = "DispatchKeySet(CPU, BackendSelect, ADInplaceOrView, AutogradCPU"
    autocast = f"0/0: tensor 'a' dispatch key set mismatch. expected {keys}), actual {keys}, AutocastCPU)"  # 2.6-2.7
    assert _canonical_reason(autocast) == "0/0: GLOBAL_STATE changed: autocast"  # 2.8-2.10 (2.11+: autocast(cpu)_enabled)
    device = f"0/0: tensor 'a' dispatch key set mismatch. expected {keys}), actual DispatchKeySet(Meta, AutogradMeta)"
    assert _canonical_reason(device) == device  # a device change, on every release


@pytest.mark.parametrize(
    ("fail_type", "fail_reason", "hit"),
    [
        ("RecompileLimitExceeded", "cache_size_limit reached", True),  # 2.6
        ("RecompileLimitExceeded", "recompile_limit reached", True),  # 2.7-2.10
        ("Unsupported", "Dynamo recompile limit exceeded\n  Explanation: ...", True),  # 2.11+
        ("FailOnRecompileLimitHit", "Hard failure due to fail_on_recompile_limit_hit", True),
        ("FailOnRecompileLimitHit", "Hard failure due to fullgraph=True", True),
        ("Unsupported", "Data-dependent branching", False),
        (None, None, False),
    ],
)
def test_a_recompile_limit_hit_is_known_whatever_torch_raised(fail_type: str, fail_reason: str, hit: bool) -> None:
    from dynotrace.releases import is_limit_hit

    assert is_limit_hit({"fail_type": fail_type, "fail_reason": fail_reason}) is hit


def test_guard_wording_of_each_release_compares_equal() -> None:
    from dynotrace.releases import comparable_check

    pairs = [
        ("___check_obj_id(L['m'], 1403)", "___check_obj_id(L['m'], 1403), type=<class 'torch.nn.modules.linear.Linear'>"),
        ("___check_obj_id(G['torch'], 7), type=<module 'torch' from '/a/torch/__init__.py'>", "___check_obj_id(G['torch'], 7), type=<class 'module'>"),
        ("L['self'].k == 2                    (HINT: torch.compile considers integer attributes ...)", "L['self'].k == 2"),
        ("not __math_isnan(___as_tensor(L['alpha']).item())", "not math.isnan(L['alpha'])"),
        ("max(L['x'].size()[0], 2) <= 8", "torch.sym_max(L['x'].size()[0], 2) <= 8"),
        ("___check_global_state()", '___check_global_state() against {"grad_mode":true}'),
    ]
    for older, newer in pairs:
        assert comparable_check(older) == comparable_check(newer), (older, newer)
    assert comparable_check("L['x'] == 2") != comparable_check("L['x'] == 3")


def test_global_state_is_compared_key_by_key() -> None:
    from dynotrace.releases import global_state_change

    v214 = {"grad_mode": True, "default_dtype": 6}
    v215 = {**v214, "cuda_matmul_precision": 0}
    assert global_state_change(v214, v215) == []  # added by 2.15, holding its default
    assert global_state_change(v214, {**v215, "cuda_matmul_precision": 1}) == ["cuda_matmul_precision"]
    assert global_state_change(v214, {**v215, "grad_mode": False}) == ["grad_mode"]
    assert global_state_change(v214, {**v214, "a_key_of_a_future_release": 3}) == []


def test_the_release_is_named_from_the_log_or_its_formats() -> None:
    from dynotrace.events import TraceEvent
    from dynotrace.releases import identify

    named = TraceEvent("artifact", {"name": "torch_version"}, payload='{"pytorch_version": "2.14.1+cu130"}')
    assert identify([named]).named == "2.14.1+cu130"
    metrics = TraceEvent("compilation_metrics", {"pytorch_version": "2.10.0+cu128"}, 0, 0)
    assert identify([metrics]).named == "2.10.0+cu128"
    for fields, minor in (({"log_format_version": 3}, "2.6"), ({"recompile_reason": None}, "2.7"), ({"python_version": "3"}, "2.8"), ({"stack_trace": None}, "2.9")):
        release = identify([TraceEvent("compilation_metrics", {"log_format_version": 3, **fields}, 0, 0)])
        assert (release.named, release.inferred) == (minor, True)
        assert "does not name its torch release" in release.notes()[0]
    older = identify([TraceEvent("compilation_metrics", {"co_name": "f"}, 0, 0)])  # torch 2.5 and before
    assert older.named is None and "older than 2.6" in older.notes()[0]
    assert identify([], running="2.16.0").notes()[0].startswith("torch 2.16.0 is newer than the releases")
    assert identify([], running="2.13.0+cpu").notes() == ()


#: The cause each program's first recompile is about, by what the program does (its
#: docstring): the category every release's log must be explained with. A few causes are
#: guarded differently by some releases, hence the alternatives.
FIRST_CAUSE = {
    "recompiles": {"tensor_shape"},
    "recompile_shape_dynamic": {"tensor_shape"},
    "recompile_dtype": {"dtype"},
    "recompile_requires_grad": {"requires_grad"},
    "recompile_device_or_layout": {"stride"},
    "recompile_device": {"device"},
    "recompile_scalar": {"scalar_value"},
    "recompile_global": {"global_variable"},
    "recompile_container": {"container"},
    "recompile_training_flip": {"training_flag"},
    "recompile_type_change": {"type_changed"},
    "recompile_grad_mode": {"global_state"},
    "recompile_function_identity": {"object_identity"},
    "recompile_new_module": {"module_attribute"},
    "recompile_limit": {"scalar_value"},
    "recompile_limit_fail_on": {"scalar_value"},
    "recompile_limit_fullgraph": {"scalar_value"},
    "dynamic_mark_dynamic_branch": {"shape_constraint"},
    "dynamic_specialization": {"tensor_shape"},
    "transformer_small": {"tensor_shape"},
    "rc_kwarg_shape": {"tensor_shape"},
    "rc_nested_attr": {"module_attribute"},
    "rc_closure": {"scalar_value", "object_identity"},
    "rc_dict_keys": {"container"},
    "rc_tuple_len": {"container"},
    # Before 2.8, Dynamo guarded None, True and False by their identity (___check_obj_id).
    "rc_none_then_tensor": {"type_changed", "object_identity"},
    "rc_bool_flag": {"scalar_value", "object_identity"},
    "rc_string_mode": {"scalar_value"},
    "rc_autocast": {"global_state"},
    "rc_default_dtype": {"global_state"},
    "rc_mark_dynamic_range": {"shape_constraint"},
    "rc_two_dims": {"tensor_shape"},
    "rc_instances": {"module_attribute"},
    "rc_reset": {"tensor_shape"},
    "rc_limit_module": {"module_attribute"},
    "rc_dynamic_true_branch": {"shape_constraint"},
    "rc_global_tensor_flag": {"global_variable"},
    "rc_int_becomes_dynamic": {"scalar_value"},
    "rc_requires_grad_module": {"global_state"},
    "rc_layout_channels_last": {"stride"},
    "rc_mark_dynamic_later": {"dynamic_marking"},
    "rc_aliasing": {"tensor_aliasing"},
    "rc_aliasing_duplicate": {"tensor_aliasing"},
    "rc_set_len": {"scalar_value", "container"},
    "gb_then_recompile": {"dtype"},
}
CAUSE_CASES = [(r, p) for r, p in CASES if p in FIRST_CAUSE]


@pytest.mark.parametrize(("release", "program"), CAUSE_CASES, ids=[f"{r}-{p}" for r, p in CAUSE_CASES])
def test_each_release_names_the_same_cause(release: str, program: str) -> None:
    recompiles = [c for c in _report(release, program).compiles if c.is_recompile]
    assert recompiles, "no recompile"
    assert recompiles[0].guard_failures[0].category in FIRST_CAUSE[program], recompiles[0].guard_failures[0]


def test_the_compatibility_table_is_what_the_recorded_results_say() -> None:
    """docs/compatibility.md is written by tests/releases/matrix.py from the live results it
    records, never by hand: it says what was run, at which commit."""
    import runpy

    matrix = runpy.run_path(str(ROOT / "tests" / "releases" / "matrix.py"))
    assert (ROOT / "docs" / "compatibility.md").read_text() == matrix["compat_doc"](matrix["load_results"]())
