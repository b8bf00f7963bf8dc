"""The Python API: ``dynotrace.capture`` around code in this process, ``render``, ``load``,
``diff``, and the README's "Python API" examples.

Every count asserted here is compared with torch's own bookkeeping for the same calls
(``torch._dynamo.utils.get_compilation_metrics()`` and ``counters``), measured around them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import dynotrace
from conftest import ROOT, plain_env

pytestmark = pytest.mark.torch

torch = pytest.importorskip("torch")


@dataclass
class TorchCounts:
    """What torch counted between the start and the end of a ``counted()`` block."""

    compile_ids: list[str] = field(default_factory=list)
    recompiles: int = 0
    recompile_limit_hits: int = 0
    graphs: int = 0
    graph_breaks: int = 0
    #: torch's text of each graph break reason counted in the block (type, hints, doc link).
    graph_break_reasons: list[str] = field(default_factory=list)

    @property
    def compiles(self) -> int:
        return len(self.compile_ids)


@contextmanager
def counted() -> Iterator[TorchCounts]:
    """Torch's own counts of the compiles made inside the block."""
    import torch._dynamo.utils as dynamo_utils

    counters = dynamo_utils.counters
    before = {id(m) for m in dynamo_utils.get_compilation_metrics()}
    graphs, breaks = counters["stats"]["unique_graphs"], sum(counters["graph_break"].values())
    reasons = dict(counters["graph_break"])
    result = TorchCounts()
    try:
        yield result
    finally:
        new = [m for m in dynamo_utils.get_compilation_metrics() if id(m) not in before]
        limit = [m for m in new if m.fail_reason and "recompile limit exceeded" in m.fail_reason.lower()]
        result.compile_ids = [str(m.compile_id) for m in new]
        result.recompile_limit_hits = len(limit)
        # A compile id N/K with K > 0 is a recompile attempt; the limit refuses some of them.
        result.recompiles = sum(1 for m in new if str(m.compile_id).split("/")[1].split("_")[0] != "0") - len(limit)
        result.graphs = counters["stats"]["unique_graphs"] - graphs
        result.graph_breaks = sum(counters["graph_break"].values()) - breaks
        result.graph_break_reasons = [r for r, n in counters["graph_break"].items() if n > reasons.get(r, 0)]


@pytest.fixture(autouse=True)
def fresh_dynamo() -> None:
    """Each test starts from empty Dynamo caches, so what it compiles does not depend on the
    tests before it (Dynamo caches per code object, and these tests share functions)."""
    torch._dynamo.reset()


def double(x: Any) -> Any:
    return x * 2


def shout(x: Any) -> Any:
    print("graph break here")
    return x + 1


HERE = os.path.relpath(__file__)


def test_capture_reports_what_torch_counted() -> None:
    compiled = torch.compile(double, backend="eager")
    with counted() as torch_side, dynotrace.capture() as cap:
        compiled(torch.ones(8))
        compiled(torch.ones(10))
        torch.compile(shout, backend="eager")(torch.ones(3))
    report = cap.report
    assert isinstance(report, dynotrace.Report)
    assert sorted(c.compile_id for c in report.compiles) == sorted(torch_side.compile_ids)
    assert report.summary.compiles == torch_side.compiles
    assert report.summary.recompiles == torch_side.recompiles
    assert report.summary.graphs == torch_side.graphs
    assert report.summary.graph_breaks == torch_side.graph_breaks > 0
    assert len(report.graph_breaks) == torch_side.graph_breaks
    f = report.functions["double"]
    assert f.file == HERE
    failure = f.compiles[-1].guard_failures[0]
    assert (failure.expected, failure.actual) == ("8", "10")
    assert report.functions["shout"].compiles[0].graph_breaks[0].location.file == HERE  # type: ignore[union-attr]
    assert report.run.command == "dynotrace.capture()"


class _OutputGraphPayloads(logging.Handler):
    """A second handler on torch's trace logger, as ``TORCH_TRACE``'s would be."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.payloads: list[str | None] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "dynamo_output_graph" in getattr(record, "metadata", {}):
            self.payloads.append(getattr(record, "payload", None))


@pytest.fixture
def reaching_torch(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The event kind and ``payload_fn`` of each call that reaches torch's
    ``trace_structured`` (behind dynotrace's filter, which wraps whatever
    ``torch._logging.trace_structured`` is)."""
    seen: list[tuple[str, Any]] = []
    original = torch._logging.trace_structured

    def recording(name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append((name, kwargs.get("payload_fn")))
        return original(name, *args, **kwargs)

    monkeypatch.setattr(torch._logging, "trace_structured", recording)
    return seen


def _payload_fns(calls: list[tuple[str, Any]], kind: str) -> list[Any]:
    return [payload_fn for name, payload_fn in calls if name == kind]


def test_listening_alone_spares_torch_the_events_and_payloads_it_drops(
    reaching_torch: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dynotrace.capture import listener

    before = torch._logging.trace_structured
    # Alone, as in a `dynotrace explain` run: pytest >= 9.2 puts its log-capturing handlers
    # on non-propagating loggers such as torch's trace logger, and torch's logging set-up an
    # inert LazyTraceHandler (gone at the first event); with any other handler there, every
    # payload is built, as the next test shows.
    monkeypatch.setattr(logging.getLogger("torch.__trace"), "handlers", [])
    compiled = torch.compile(double, backend="eager")
    with counted() as torch_side, dynotrace.capture() as cap:
        compiled(torch.ones(8))
        compiled(torch.ones(8, 2))

    assert cap.report.summary.graphs == torch_side.graphs == 2
    # The graph printed as text for dynamo_output_graph, which the fold only counts.
    assert _payload_fns(reaching_torch, "dynamo_output_graph") == [listener._no_payload] * 2
    # Kinds the fold never reads (chromium_event timings) are not built at all.
    kinds = {name for name, _ in reaching_torch}
    assert "compilation_metrics" in kinds and "chromium_event" not in kinds
    assert kinds <= listener.FOLD_KINDS
    assert torch._logging.trace_structured is before


def test_another_trace_handler_still_gets_every_payload(reaching_torch: list[tuple[str, Any]]) -> None:
    from dynotrace.capture import listener

    other = _OutputGraphPayloads()
    trace_log = logging.getLogger("torch.__trace")
    trace_log.addHandler(other)
    try:
        compiled = torch.compile(double, backend="eager")
        with counted() as torch_side, dynotrace.capture() as cap:
            compiled(torch.ones(8))
    finally:
        trace_log.removeHandler(other)

    assert cap.report.summary.graphs == torch_side.graphs == 1
    output_graph_payload_fns = _payload_fns(reaching_torch, "dynamo_output_graph")
    assert len(output_graph_payload_fns) == len(other.payloads) == 1
    assert output_graph_payload_fns[0] is not listener._no_payload
    assert _payload_fns(reaching_torch, "chromium_event")  # every kind, for the other handler
    assert "class GraphModule(torch.nn.Module)" in (other.payloads[0] or "")


def test_capture_sees_only_what_ran_inside_it() -> None:
    compiled = torch.compile(double, backend="eager")
    with counted() as before_capture:
        compiled(torch.ones(4))
    with counted() as torch_side, dynotrace.capture() as cap:
        compiled(torch.ones(4, 4))  # a new rank: a recompile of the function compiled above
    report = cap.report
    assert [c.compile_id for c in report.compiles] == torch_side.compile_ids
    assert not set(before_capture.compile_ids) & {c.compile_id for c in report.compiles}
    assert report.summary.recompiles == torch_side.recompiles == 1
    # File names come from torch's string table, interned before the capture started.
    assert report.functions["double"].file == HERE
    assert report.functions["double"].compiles[0].is_recompile


def test_nested_captures_see_their_own_span() -> None:
    compiled = torch.compile(double, backend="eager")
    with counted() as outer_side, dynotrace.capture() as outer:
        with counted() as outer_only:
            compiled(torch.ones(5))
        with counted() as inner_side, dynotrace.capture() as inner:
            torch.compile(shout, backend="eager")(torch.ones(2))
    outer_ids = sorted(c.compile_id for c in outer.report.compiles)
    inner_ids = sorted(c.compile_id for c in inner.report.compiles)
    assert inner_ids == sorted(inner_side.compile_ids)
    assert outer_ids == sorted(outer_side.compile_ids) == sorted(outer_only.compile_ids + inner_side.compile_ids)
    assert inner.report.summary.graph_breaks == inner_side.graph_breaks
    assert outer.report.summary.graph_breaks == outer_side.graph_breaks


def test_repeated_captures_are_independent_and_single_use() -> None:
    first = dynotrace.capture()
    with counted() as first_side, first:
        torch.compile(double, backend="eager")(torch.ones(6))
    with counted() as second_side, dynotrace.capture() as second:
        torch.compile(shout, backend="eager")(torch.ones(6))
    assert [c.compile_id for c in first.report.compiles] == first_side.compile_ids
    assert sorted(c.compile_id for c in second.report.compiles) == sorted(second_side.compile_ids)
    with pytest.raises(dynotrace.UsageError, match="already been started"):
        first.start()
    assert first.stop() is first.report


def test_report_is_a_snapshot_inside_the_block_and_final_after() -> None:
    cap = dynotrace.capture()
    with pytest.raises(dynotrace.UsageError, match="has not started"):
        cap.report
    compiled = torch.compile(double, backend="eager")
    with cap:
        assert cap.active
        with counted() as first:
            compiled(torch.ones(7))
        snapshot = cap.report
        with counted() as second:
            compiled(torch.ones(9))
    assert not cap.active
    assert snapshot.summary.compiles == first.compiles
    assert cap.report.summary.compiles == first.compiles + second.compiles
    assert cap.report is cap.report


def test_an_exception_in_the_block_propagates_and_the_report_remains() -> None:
    with pytest.raises(ZeroDivisionError), counted() as torch_side, dynotrace.capture() as cap:
        torch.compile(double, backend="eager")(torch.ones(11))
        1 / 0
    assert not cap.active
    assert cap.report.summary.compiles == torch_side.compiles


def test_backend_override_applies_inside_the_block_only() -> None:
    original = torch.compile
    with dynotrace.capture(backend="eager") as cap:
        assert torch.compile is not original
        torch.compile(double)(torch.ones(12))  # inductor by default; eager here
    assert torch.compile is original
    assert cap.report.run.backend_override == "eager"
    with pytest.raises(dynotrace.UsageError, match="unknown backend"):
        dynotrace.capture(backend="tpu")


@pytest.fixture(scope="module")
def report() -> dynotrace.Report:
    with dynotrace.capture() as cap:
        compiled = torch.compile(double, backend="eager")
        compiled(torch.ones(13))
        compiled(torch.ones(14))
        torch.compile(shout, backend="eager")(torch.ones(2))
    return cap.report


def test_render_terminal_yaml_json(report: dynotrace.Report, tmp_path: Path) -> None:
    out = io.StringIO()
    dynotrace.render(report, "terminal", file=out, width=100, color=False, timing=False)
    text = out.getvalue()
    assert "tensor shape changed: x.size()[0]" in text
    assert "graph breaks" in text and "\x1b[" not in text
    out = io.StringIO()
    dynotrace.render(report, "terminal", file=out, width=100, color=False, only=["breaks"])
    assert "tensor shape changed" not in out.getvalue() and "print" in out.getvalue()

    json_text = io.StringIO()
    dynotrace.render(report, "json", file=json_text)
    assert json.loads(json_text.getvalue())["summary"]["compiles"] == report.summary.compiles
    for name in ("report.yaml", "report.json"):
        dynotrace.render(report, "yaml" if name.endswith("yaml") else "json", file=tmp_path / name)
        assert dynotrace.load(tmp_path / name) == report
    dynotrace.render(report, "terminal", file=tmp_path / "report.txt", width=100)
    assert "\x1b[" not in (tmp_path / "report.txt").read_text()


def test_render_rejects_unknown_formats_and_options(report: dynotrace.Report) -> None:
    with pytest.raises(dynotrace.UsageError, match="unknown format 'pdf'"):
        dynotrace.render(report, "pdf")
    with pytest.raises(TypeError, match="unexpected option 'width'"):
        dynotrace.render(report, "html", width=80)
    with pytest.raises(TypeError, match="unexpected option 'colour'"):
        dynotrace.render(report, "terminal", colour=False)
    with pytest.raises(TypeError, match="yaml takes no options"):
        dynotrace.render(report, "yaml", width=80)
    with pytest.raises(dynotrace.UsageError, match="unknown section 'graphs'"):
        dynotrace.render(report, "terminal", file=io.StringIO(), only=["graphs"])


def test_load_errors_are_one_line_input_errors(tmp_path: Path) -> None:
    with pytest.raises(dynotrace.InputError, match="No such report"):
        dynotrace.load(tmp_path / "missing.yaml")


def test_diff_of_reports_and_files(report: dynotrace.Report, tmp_path: Path) -> None:
    from dynotrace.compare import diff as diff_module
    with dynotrace.capture() as cap:
        torch.compile(double, backend="eager")(torch.ones(15))
    before = cap.report
    dynotrace.render(report, "yaml", file=tmp_path / "after.yaml")
    result = dynotrace.diff(before, tmp_path / "after.yaml")
    assert isinstance(result, diff_module.ReportDiff) and isinstance(result, dynotrace.ReportDiff)
    assert result.regressed
    assert {r.category for r in result.regressions} >= {"graph-breaks", "recompiles"}
    assert not dynotrace.diff(report, report).regressed
    assert dynotrace.diff(before, report, fail_on="none").regressions == ()


def test_the_capture_name_still_reaches_the_subpackage() -> None:
    import dynotrace.capture.live as session

    assert callable(dynotrace.capture)
    assert dynotrace.capture.live is session  # type: ignore[attr-defined]
    assert isinstance(dynotrace.capture(), dynotrace.Capture)
    with pytest.raises(AttributeError):
        dynotrace.capture.no_such_module  # type: ignore[attr-defined]


def test_importing_dynotrace_does_not_import_torch() -> None:
    code = (
        "import sys, dynotrace, dynotrace.api, dynotrace.pytest_plugin\n"
        "cap = dynotrace.capture()\n"
        "heavy = sorted(m for m in ('torch', 'sympy', 'rich', 'yaml') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert {'capture', 'render', 'load', 'diff', 'Report'} <= set(dynotrace.__all__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=plain_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def readme_section(title: str) -> str:
    """The README's ``## title`` section, up to the next ``## `` heading."""
    text = (ROOT / "README.md").read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def python_blocks(section: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_python_api_examples_run(tmp_path: Path) -> None:
    blocks = python_blocks(readme_section("Python API"))
    assert blocks, "the README's Python API section has no python examples"
    script = tmp_path / "readme_examples.py"
    # One script, in order: later examples use names the earlier ones made, as a reader would.
    script.write_text("\n\n".join(blocks))
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=plain_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def raises_on(x: Any, check: bool) -> Any:
    if check:
        raise ValueError("bad input")
    return x + 1


def test_skipped_frames_are_captured_quietly_and_graph_break_logging_is_left_as_found(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A frame Dynamo gives up on (here: a user exception no handler catches) is reported as
    a graph break, as torch's graph-break log counts it; nothing of that log is printed, and
    the logger dynotrace turned on for it is as it was after the capture."""
    gb_log = logging.getLogger("torch._dynamo.convert_frame.__graph_breaks")
    before = (gb_log.level, gb_log.propagate, list(gb_log.handlers))
    compiled = torch.compile(raises_on, backend="eager")
    with dynotrace.capture() as cap:
        assert gb_log.isEnabledFor(logging.DEBUG)
        compiled(torch.ones(2), False)
        with pytest.raises(ValueError):
            compiled(torch.ones(2), True)
    assert (gb_log.level, gb_log.propagate, list(gb_log.handlers)) == before
    assert cap.report.summary.graph_breaks == 1
    assert "Graph break" not in capfd.readouterr().err


def test_a_script_that_configures_logging_is_still_captured() -> None:
    """``logging.config.dictConfig`` disables every existing logger its configuration does
    not name (``disable_existing_loggers`` is true by default), torch's trace logger too."""
    import logging.config

    compiled = torch.compile(double, backend="eager")
    # dictConfig disables every logger of this process: the later tests of this worker
    # need torch's loggers as they were.
    loggers = [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    was = {id(lg): lg.disabled for lg in loggers}
    root_level = logging.getLogger().level
    try:
        with counted() as torch_side, dynotrace.capture() as cap:
            logging.config.dictConfig({"version": 1, "root": {"level": "WARNING"}})
            compiled(torch.ones(9))
            compiled(torch.ones(9, 3))
    finally:
        for lg in loggers:
            lg.disabled = was[id(lg)]
        logging.getLogger().setLevel(root_level)
    assert cap.report.summary.compiles == torch_side.compiles == 2


def test_graph_break_logging_the_user_asked_for_is_kept(capfd: pytest.CaptureFixture[str]) -> None:
    torch._logging.set_logs(graph_breaks=True)
    try:
        with dynotrace.capture():
            torch.compile(shout, backend="eager")(torch.ones(2))
        assert "Graph break" in capfd.readouterr().err
    finally:
        torch._logging.set_logs()


def test_save_check_and_render_of_every_subject(tmp_path: Path) -> None:
    """``save``, ``check`` and ``render`` take what the CLI takes: a report, a diff, a
    check's outcome; a format that cannot show a subject says so in one line."""
    fixtures = ROOT / "tests" / "fixtures" / "releases" / "2.13.0"
    before = dynotrace.read_trace_report(str(fixtures / "recompiles.log.gz"))
    after = dynotrace.read_trace_report(str(fixtures / "recompile_limit.log.gz"))
    path = tmp_path / "baseline.json"
    dynotrace.save(before, path)
    assert path.read_text().startswith("{")
    assert dynotrace.load(path) == before

    same = dynotrace.check(before, path, max_recompiles=before.summary.recompiles)
    assert same.passed and same.diff is not None and same.diff.empty
    assert same.baseline in (os.path.relpath(path), str(path))
    over = dynotrace.check(before, max_recompiles=0)
    assert not over.passed
    assert [r.message for r in over.regressions] == [f"recompiles: {before.summary.recompiles}, over the budget of 0"]

    for subject in (before, dynotrace.diff(before, after), over):
        out = io.StringIO()
        dynotrace.render(subject, "terminal", out, width=100, color=False)
        assert out.getvalue().strip()
    markdown = io.StringIO()
    dynotrace.render(over, "markdown", markdown)
    assert markdown.getvalue().startswith("### dynotrace check")
    with pytest.raises(dynotrace.UsageError, match="the markdown format does not show a report"):
        dynotrace.render(before, "markdown", io.StringIO())
