"""What ``dynotrace explain`` tells a user about each sample program: the cause of each
recompile, what changed, where the guard came from, what to do, and the graph breaks and
shape constraints at the user's own lines.

The expectations come from what each program does (its docstring says it), not from a
previous output: a program that feeds sizes 8 then 12 must be reported as "was 8, now 12".
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLES, plain_env, run_dynotrace, shared_explain

pytestmark = pytest.mark.torch


def explained(name: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of one sample program (its run is the session's shared one, which
    test_truth.py checks against torch's counts)."""
    ours = shared_explain(tmp_path_factory, f"sample_programs/{name}.py")
    assert ours.run.returncode == 0, ours.run.stderr
    return ours.data()


def recompile_failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The first (most recent) guard failure of each recompile, in order."""
    return [
        c["guard_failures"][0]
        for f in report["functions"]
        for c in f["compiles"]
        if c["frame_compile_id"] > 0 and c["guard_failures"]
    ]


def line_of(name: str, marker: str) -> int:
    """The line number of the first line of a sample program containing ``marker``."""
    for number, line in enumerate((SAMPLES / f"{name}.py").read_text().splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in {name}.py")


# sample -> (category, source, expected, actual, a fragment of the line that made the guard)
RECOMPILES = {
    "recompile_shape_dynamic": ("tensor_shape", "x.size()[0]", "4", "6", None),
    "recompile_dtype": ("dtype", "x.dtype", "Float", "Double", None),
    "recompile_requires_grad": ("requires_grad", "x.requires_grad", "0", "1", None),
    "recompile_device_or_layout": ("stride", "x.stride()[0]", "4", "1", None),
    "recompile_device": ("device", "x.device", "cpu", "meta", None),
    "recompile_scalar": ("scalar_value", "alpha", "0.1", "0.2", "alpha"),
    "recompile_global": ("global_variable", "SCALE", "2", "3", "SCALE"),
    "recompile_container": ("container", "len(xs)", "2", "3", None),
    "recompile_training_flip": ("training_flag", "self.drop.training", "True", "False", None),
    "recompile_type_change": ("type_changed", "x", "tensor", "list", None),
    "recompile_grad_mode": ("global_state", "global state: grad_mode", "true", "false", None),
    "recompile_function_identity": ("object_identity", "fn", None, None, "fn(x)"),
    "recompile_new_module": ("module_attribute", "self.factor", "2", "3", "self.factor"),
    "dynamic_mark_dynamic_branch": ("shape_constraint", "x.size()[0]", ">= 5", "3", "x.shape[0] > 4"),
}


@pytest.mark.parametrize("name", sorted(RECOMPILES))
def test_each_recompile_cause_is_named_with_what_changed(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    category, source, expected, actual, code = RECOMPILES[name]
    failure = recompile_failures(explained(name, tmp_path_factory))[0]
    assert failure["category"] == category
    assert failure["source"] == source
    if expected is not None:
        assert failure["expected"] == expected
    if actual is not None:
        assert failure["actual"] == actual
    assert failure["suggestion"]
    if category == "global_state":
        # Dynamo adds this guard to every compile itself: no user line made it.
        return
    # Where the guard came from: a line of the user's program.
    assert failure["location"] is not None, failure
    # Dropout reads self.training inside torch itself; the origin shown is the user's line
    # that called it (the innermost frame of the user's code in the guard's stack).
    assert failure["location"]["file"] == f"sample_programs/{name}.py"
    if code is not None:
        assert code in failure["location"]["code"]


def test_shape_churn_says_automatic_dynamic_took_over(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = explained("recompile_shape_dynamic", tmp_path_factory)
    compiles = report["functions"][0]["compiles"]
    failure = compiles[1]["guard_failures"][0]
    assert "mark_dynamic(x, 0)" in failure["suggestion"]
    assert "Automatic dynamic made it symbolic" in failure["suggestion"]
    # The guard-set diff shows the size pinned in the first compile and symbolic in the next.
    changed = compiles[1]["guard_diff"]["changed"]
    tensor = next(c for c in changed if c["before"]["kind"] == "TENSOR_MATCH")
    assert "size=[4, 3]" in tensor["before"]["check"] and "size=[None, 3]" in tensor["after"]["check"]
    assert [s["source"] for s in compiles[1]["symbols"]] == ["L['x'].size()[0]"]


def test_shape_constraint_names_the_branch_that_split_the_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = explained("dynamic_mark_dynamic_branch", tmp_path_factory)
    first, second = report["functions"][0]["compiles"]
    assert first["shape_constraints"] == ["5 <= x.size()[0]"]
    assert second["shape_constraints"] == ["x.size()[0] <= 4"]
    (guard,) = first["shape_guards"]
    assert guard["named"] == "x.size()[0] > 4"
    assert "x.shape[0] > 4" in guard["location"]["code"]
    assert guard["location"]["line"] == line_of("dynamic_mark_dynamic_branch", guard["location"]["code"])


def test_torch_check_facts_are_runtime_assertions_at_their_lines(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = explained("dynamic_torch_check", tmp_path_factory)
    compile_ = report["functions"][0]["compiles"][0]
    asserts = [g for g in compile_["shape_guards"] if g["runtime_assert"]]
    assert asserts and all("torch._check" in g["location"]["code"] for g in asserts)
    assert report["summary"]["recompiles"] == 0


def test_specialisation_is_called_out_with_its_reason(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = explained("dynamic_specialization", tmp_path_factory)
    specs = [s for c in report["functions"][0]["compiles"] for s in c["specializations"]]
    assert specs and all(s["reason"] for s in specs)
    assert specs[0]["source"] == "L['x'].size()[0]"


def test_recompile_limit_is_explained(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = explained("recompile_limit", tmp_path_factory)
    (function,) = report["functions"]
    assert function["name"] == "repeat_double"
    statuses = [c["status"] for c in function["compiles"]]
    assert statuses[-1] == "recompile_limit" and statuses.count("recompile_limit") == 1
    assert {f["category"] for f in recompile_failures(report)} == {"scalar_value"}


@pytest.mark.parametrize(
    ("name", "gb_id", "marker"),
    [
        ("graph_break_print", "GB0059", "print("),
        ("graph_break_data_dependent_if", "GB0170", "if "),
        ("graph_break_item", None, ".item()"),
        ("graph_break_unsupported_call", None, "zlib.crc32"),
    ],
)
def test_graph_breaks_carry_torchs_words_at_the_users_line(
    name: str, gb_id: str | None, marker: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    report = explained(name, tmp_path_factory)
    breaks = [gb for f in report["functions"] for c in f["compiles"] for gb in c["graph_breaks"]]
    assert breaks
    gb = breaks[0]
    if gb_id:
        assert gb["gb_id"] == gb_id
    assert re.fullmatch(r"GB\d{4}", gb["gb_id"] or "")
    assert gb["explanation"] and gb["hints"] and gb["doc_url"].startswith("https://")
    assert gb["location"]["file"] == f"sample_programs/{name}.py"
    assert marker in gb["location"]["code"]
    assert gb["location"]["line"] == line_of(name, gb["location"]["code"])


def test_methods_are_named_class_dot_method(tmp_path_factory: pytest.TempPathFactory) -> None:
    report = explained("recompile_training_flip", tmp_path_factory)
    assert report["functions"][0]["qualified_name"] == "Net.forward"


FIXES = {
    "recompile_shape_dynamic": "mark_dynamic",
    "recompile_scalar": "torch.tensor(",
    "recompile_dtype": ".to(",
    "recompile_new_module": "tensor",
    "recompile_training_flip": "compile",
}


@pytest.mark.parametrize("name", sorted(FIXES))
def test_applying_the_suggested_fix_removes_the_recompile(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    before = explained(name, tmp_path_factory)
    failure = recompile_failures(before)[0]
    assert FIXES[name] in failure["suggestion"]
    assert FIXES[name] in (SAMPLES / f"{name}_fixed.py").read_text()
    after = explained(f"{name}_fixed", tmp_path_factory)
    assert before["summary"]["recompiles"] > 0
    assert after["summary"]["recompiles"] == 0


GOLDEN = Path(__file__).parent / "golden"


def _scrub(text: str) -> str:
    return re.sub(r"torch \d+\.\d+\S*", "torch <version>", text)


@pytest.mark.parametrize("name", ["recompiles", "graph_break_print", "dynamic_mark_dynamic_branch", "recompile_limit"])
def test_terminal_report_snapshot(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    # The shared run is `explain X -o FILE --width 100 --no-color --no-timing`: -o changes
    # nothing the terminal report says.
    run = shared_explain(tmp_path_factory, f"sample_programs/{name}.py").run
    assert run.returncode == 0, run.stderr
    report_text = _scrub(run.stdout[run.stdout.index("dynotrace sample_programs") :])
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("DYNOTRACE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(report_text)
    assert report_text == golden.read_text()
    assert "\x1b[" not in run.stdout


def test_colour_follows_no_color_and_force() -> None:
    env = plain_env()
    forced = run_dynotrace("explain", "sample_programs/clean.py", "--color", env=env)
    assert "\x1b[" in forced.stdout
    plain = run_dynotrace("explain", "sample_programs/clean.py", env=env)
    assert "\x1b[" not in plain.stdout


@pytest.mark.parametrize("section", ["breaks", "recompiles", "shapes", "guards"])
def test_only_shows_one_section(section: str) -> None:
    run = run_dynotrace("explain", "sample_programs/graph_break_print.py", "--only", section, "--width", "100")
    assert run.returncode == 0
    assert ("graph breaks" in run.stdout) == (section == "breaks")
    assert "Fix first" not in run.stdout


def test_function_filter_and_guard_listing() -> None:
    run = run_dynotrace("explain", "sample_programs/recompile_training_flip.py", "--function", "forward", "--guards", "--width", "120")
    assert "Net.forward" in run.stdout
    assert "TENSOR_MATCH" in run.stdout and "guards (" in run.stdout
    missing = run_dynotrace("explain", "sample_programs/recompile_training_flip.py", "--function", "nope")
    assert "No compiled function matches 'nope'" in missing.stdout


def test_a_cause_explained_once_is_listed_after_that_and_full_explains_each(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # recompile_limit.py recompiles repeat_double for n = 2, 3, 4, each time because n changed.
    report = explained("recompile_limit", tmp_path_factory)
    repeats = [c for f in report["functions"] if f["name"] == "repeat_double" for c in f["compiles"] if c["guard_failures"]]
    assert len(repeats) >= 3
    suggestion = repeats[0]["guard_failures"][0]["suggestion"]
    base = ["explain", "sample_programs/recompile_limit.py", "--width", "200", "--no-color", "--only", "recompiles"]
    short = run_dynotrace(*base).stdout
    full = run_dynotrace(*base, "--full").stdout
    # Every recompile is still listed with what changed; only the first explains in full.
    for c in repeats:
        failure = c["guard_failures"][0]
        assert f"{failure['source']}  was {failure['expected']}" in short
        assert f"{failure['source']}  was {failure['expected']}" in full
    assert short.count(suggestion.split(".")[0]) == 1
    assert full.count(suggestion.split(".")[0]) == len(repeats)
    assert f"see {repeats[0]['compile_id']})" in short
