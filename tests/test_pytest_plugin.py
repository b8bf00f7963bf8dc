"""The pytest plugin, run the way users run it: test files in a scratch directory, run by
pytest's own ``pytester`` with the plugin loaded from its entry point.

Most runs are in-process (torch is imported once); the runs that must be separate
processes (torch not imported on load, xdist workers) are subprocesses. Counts asserted
are compared with torch's own bookkeeping: around an in-process run, or recorded by the
test files themselves from ``torch._dynamo.utils.get_compilation_metrics()``.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest

import dynotrace
from dynotrace.analysis.findings import CATEGORY_LABELS, limit_consequence
from test_api import TorchCounts, counted, python_blocks, readme_section

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.torch

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module", autouse=True)
def warm_torch() -> None:
    """Run every kind of compile once before the first in-process pytest run.

    pytester restores ``sys.modules`` after each in-process run, dropping the modules the
    run imported; torch modules imported lazily during a first compile would then be
    imported a second time by the next run, as separate copies.
    """
    def k(x: object, n: int) -> object:
        print("break")
        return x + n  # type: ignore[operator]

    with dynotrace.capture() as cap:
        compiled = torch.compile(k, backend="eager")
        with torch._dynamo.config.patch(recompile_limit=2, automatic_dynamic_shapes=False):
            for n in range(4):
                compiled(torch.ones(n + 2), n)
    dynotrace.render(cap.report, "terminal", file=io.StringIO())
    with tempfile.TemporaryDirectory() as directory:
        for name in ("warm.yaml", "warm.json"):
            dynotrace.render(cap.report, name.split(".")[1], file=Path(directory, name))
            dynotrace.load(Path(directory, name))


@pytest.fixture(autouse=True)
def fresh_dynamo() -> None:
    """Empty Dynamo caches before each run: Dynamo keeps what it learnt about a function
    (which sizes became dynamic) by the file's content, so two runs of the same test file
    would otherwise share it."""
    torch._dynamo.reset()


#: Plugins the runs below do not need: hypothesis' session summary alone costs seconds per
#: in-process run; pytest-randomly (where installed) would reorder tests whose order matters.
QUIET = ("-p", "no:hypothesispytest", "-p", "no:benchmark")


def line_of(source: str, marker: str) -> int:
    """The 1-based line of ``source`` containing ``marker`` (once)."""
    hits = [i for i, text in enumerate(source.splitlines(), 1) if marker in text]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def gb_words(torch_side: TorchCounts) -> tuple[str, str]:
    """(GB id, graph-break type) of the one graph break torch counted, in torch's words."""
    assert len(torch_side.graph_break_reasons) == 1, torch_side.graph_break_reasons
    reason = torch_side.graph_break_reasons[0]
    gb_id = reason.rsplit("/gb/", 1)[1].split(".")[0].upper()
    return gb_id, reason.splitlines()[0].strip()


BUDGETS = """
import pytest
import torch

def scale(x):
    return x * 2  # GUARD

def shout(x):
    print("hi")  # BREAK
    return x + 1

@pytest.mark.dynotrace(max_recompiles=0, max_graph_breaks=0)
def test_over_budget():
    compiled = torch.compile(scale, backend="eager")
    compiled(torch.ones(8))
    compiled(torch.ones(10))
    torch.compile(shout, backend="eager")(torch.ones(3))
"""


def test_exceeded_budget_fails_in_the_terminal_reports_words(pytester: pytest.Pytester) -> None:
    source = pytester.makepyfile(test_budget=BUDGETS).read_text()
    with counted() as torch_side:
        result = pytester.runpytest(*QUIET, "--strict-markers")
    result.assert_outcomes(failed=1)
    gb_id, gb_type = gb_words(torch_side)
    guard_line = line_of(source, "# GUARD")
    break_line = line_of(source, "# BREAK")
    result.stdout.fnmatch_lines(
        [
            "dynotrace: torch.compile budget exceeded in the body of test_budget.py::test_over_budget",
            f"{torch_side.recompiles} recompile*, budget max_recompiles=0:",
            f"  - scale: {CATEGORY_LABELS['tensor_shape']}: x.size()[0]  was 8, now 10 (1 recompile) "
            f"at test_budget.py:{guard_line} in scale: return x * 2  # GUARD",
            f"{torch_side.graph_breaks} graph break*, budget max_graph_breaks=0:",
            f"  - {gb_id} {gb_type} at test_budget.py:{break_line} in shout: print(\"hi\")  # BREAK (1 time)",
            # The terminal report of the test's body follows.
            "dynotrace test_budget.py::test_over_budget  torch *",
            f"*{torch_side.compiles} compiles*",
            "*graph breaks*",
            f"*{gb_id} {gb_type}*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


LIMITS = """
import pytest
import torch

def run_until_the_limit(fn):
    compiled = torch.compile(fn, backend="eager")
    with torch._dynamo.config.patch(recompile_limit=2, automatic_dynamic_shapes=False):
        for n in range(4):
            compiled(torch.ones(2), n)

@pytest.mark.dynotrace
def test_limit_fails_by_default():
    def add(x, n):
        return x + n
    run_until_the_limit(add)

@pytest.mark.dynotrace(max_recompile_limit_hits=None)
def test_limit_allowed():
    def add(x, n):
        return x + n
    run_until_the_limit(add)

@pytest.mark.dynotrace(max_recompile=1)
def test_typo_in_a_budget():
    pass
"""


def test_recompile_limit_and_bad_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_limits=LIMITS)
    with counted() as torch_side:
        result = pytester.runpytest(*QUIET, "--strict-markers")
    result.assert_outcomes(failed=2, passed=1)
    # Both limited tests ran into the limit, as torch counted.
    assert torch_side.recompile_limit_hits == 2
    result.stdout.fnmatch_lines(
        [
            "*budget exceeded in the body of test_limits.py::test_limit_fails_by_default",
            "1 recompile-limit hit, budget max_recompile_limit_hits=0:",
            f"  - add hit the recompile limit: {limit_consequence(False)}",
            f"*What drove it there: {CATEGORY_LABELS['scalar_value']}: n*",
        ]
    )
    result.stdout.fnmatch_lines(["*unknown budget 'max_recompile'; use max_graph_breaks, max_recompiles, max_recompile_limit_hits*"])


def test_the_closest_marker_wins_per_budget() -> None:
    from dynotrace.pytest_plugin import Budget, budget_from_markers

    function = pytest.mark.dynotrace(max_recompiles=3).mark
    module = pytest.mark.dynotrace(max_recompiles=0, max_graph_breaks=0).mark
    assert budget_from_markers([function, module]) == Budget(max_graph_breaks=0, max_recompiles=3, max_recompile_limit_hits=0)
    assert budget_from_markers([]).max_recompile_limit_hits == 0
    with pytest.raises(ValueError, match="a budget is a count >= 0"):
        budget_from_markers([pytest.mark.dynotrace(max_recompiles=-1).mark])
    with pytest.raises(ValueError, match="keyword arguments only"):
        budget_from_markers([pytest.mark.dynotrace(1).mark])


FIXTURE = """
import torch
import torch._dynamo.utils as dynamo_utils

def torch_ids(before):
    return [str(m.compile_id) for m in dynamo_utils.get_compilation_metrics() if id(m) not in before]

def test_fixture(dynotrace_capture):
    before = {id(m) for m in dynamo_utils.get_compilation_metrics()}
    compiled = torch.compile(lambda x: x - 1, backend="eager")
    compiled(torch.ones(3))
    assert [c.compile_id for c in dynotrace_capture.report.compiles] == torch_ids(before)
    compiled(torch.ones(3, 3))
    report = dynotrace_capture.stop()
    assert [c.compile_id for c in report.compiles] == torch_ids(before)
    assert report.summary.recompiles == 1
    compiled(torch.ones(3, 3, 3))
    assert dynotrace_capture.report is report
"""


def test_fixture_yields_a_running_capture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fixture=FIXTURE)
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)


SESSION = """
import json
import pathlib
import pytest
import torch
import torch._dynamo.utils as dynamo_utils

def scale(x):
    return x * 2

def shout(x):
    print("hi")
    return x + 1

compiled = torch.compile(scale, backend="eager")

@pytest.fixture(autouse=True)
def record_torch_ids(request):
    # What torch itself compiled while this test ran, for the attribution check.
    before = {id(m) for m in dynamo_utils.get_compilation_metrics()}
    yield
    ids = [str(m.compile_id) for m in dynamo_utils.get_compilation_metrics() if id(m) not in before]
    pathlib.Path(f"torch-{request.node.name}.json").write_text(json.dumps(ids))

def test_first_compile():
    compiled(torch.ones(8))

def test_recompile():
    compiled(torch.ones(10))

def test_nothing():
    pass

@pytest.mark.dynotrace(max_graph_breaks=0)
def test_break():
    torch.compile(shout, backend="eager")(torch.ones(2))
"""


def torch_attribution(directory: Path) -> dict[str, list[str]]:
    """Test name -> compile ids, as the SESSION tests recorded them from torch."""
    found = {}
    for path in directory.glob("torch-*.json"):
        found[path.stem.removeprefix("torch-")] = json.loads(path.read_text())
    return found


def check_session_report(path: Path, recorded: dict[str, list[str]]) -> dynotrace.Report:
    """The report at ``path`` attributes each compile to the test torch compiled it in."""
    import yaml

    report = dynotrace.load(path)
    tests = (json.loads if path.suffix == ".json" else yaml.safe_load)(path.read_text())["tests"]
    expected = {f"test_session.py::{name}": ids for name, ids in recorded.items() if ids}
    assert tests == expected
    assert sorted(c.compile_id for c in report.compiles) == sorted(i for ids in tests.values() for i in ids)
    return report


@pytest.mark.parametrize("name", ["out.yaml", "out.json"])
def test_session_report_attributes_compiles_to_tests(pytester: pytest.Pytester, name: str) -> None:
    pytester.makepyfile(test_session=SESSION)
    with counted() as torch_side:
        result = pytester.runpytest(*QUIET, f"--dynotrace-report=reports/{name}")
    result.assert_outcomes(passed=3, failed=1)
    recorded = torch_attribution(pytester.path)
    assert recorded["test_nothing"] == [] and recorded["test_recompile"]
    report = check_session_report(pytester.path / "reports" / name, recorded)
    assert sorted(c.compile_id for c in report.compiles) == sorted(torch_side.compile_ids)
    assert report.summary.recompiles == torch_side.recompiles
    assert report.summary.graph_breaks == torch_side.graph_breaks
    assert report.run.exit_code == result.ret
    s = report.summary
    result.stdout.fnmatch_lines(
        [
            "*- dynotrace -*",
            f"{s.compiles} compiles · {s.graph_breaks} graph break* · {s.recompiles} recompile* · "
            f"0 recompile-limit hits from 3 tests; report: reports/{name}",
            "  test_session.py::test_recompile: 1 recompile",
            "  test_session.py::test_break: 1 graph break",
        ]
    )


def test_disabled_with_no_dynotrace(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_plugin_absent(request):
            assert not request.config.pluginmanager.has_plugin("dynotrace")
            assert "dynotrace_capture" not in request.fixturenames
        """
    )
    pytester.runpytest(*QUIET, "-p", "no:dynotrace").assert_outcomes(passed=1)
    result = pytester.runpytest(*QUIET, "-p", "no:dynotrace", "--dynotrace-report=out.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --dynotrace-report=out.yaml*"])


def test_loading_the_plugin_does_not_import_torch(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_no_torch(request):
            assert request.config.pluginmanager.has_plugin("dynotrace")
            assert "torch" not in sys.modules
        """
    )
    pytester.runpytest_subprocess(*QUIET, "--strict-markers").assert_outcomes(passed=1)


def test_readme_pytest_example_passes(pytester: pytest.Pytester) -> None:
    blocks = python_blocks(readme_section("pytest plugin"))
    assert blocks, "the README's pytest plugin section has no python example"
    source = "\n\n".join(blocks)
    pytester.makepyfile(test_readme=source)
    with counted() as torch_side:
        result = pytester.runpytest(*QUIET, "--strict-markers")
    result.assert_outcomes(passed=source.count("\ndef test_"))
    # The budgeted example sits exactly at its budget of one recompile.
    assert torch_side.recompiles == 1


def test_xdist_workers_write_one_report_each(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist", reason="pytest-xdist is not installed (pip install pytest-xdist)")
    pytester.makepyfile(test_session=SESSION)
    result = pytester.runpytest_subprocess(*QUIET, "-n", "2", "--dynotrace-report=out.yaml")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*budget max_graph_breaks=0:*"])
    assert not (pytester.path / "out.yaml").exists()
    recorded = torch_attribution(pytester.path)
    seen: set[str] = set()
    for worker in ("gw0", "gw1"):
        path = pytester.path / f"out.{worker}.yaml"
        report = dynotrace.load(path)
        # Each worker's tests, with the ids that worker's torch gave their compiles.
        import yaml

        tests = yaml.safe_load(path.read_text())["tests"]
        for nodeid, ids in tests.items():
            assert recorded[nodeid.split("::")[1]] == ids
        seen.update(tests)
        assert report.summary.compiles == sum(len(ids) for ids in tests.values())
        result.stdout.fnmatch_lines([f"{worker}: * compile* from * test*; report: out.{worker}.yaml"])
    assert seen == {f"test_session.py::{name}" for name, ids in recorded.items() if ids}
