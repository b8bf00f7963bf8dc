"""dynotrace's pytest plugin (entry point ``pytest11: dynotrace``): compile budgets per test,
a capture fixture, and one report for a whole session.

* ``@pytest.mark.dynotrace(max_graph_breaks=0, max_recompiles=1, max_recompile_limit_hits=0)``
  captures the test function's call (not its fixtures) and fails the test, in the words of
  the terminal report, when a count exceeds its budget. A budget left out is not checked,
  except ``max_recompile_limit_hits``, which is 0 unless given: a function that hit the
  recompile limit runs uncompiled. Markers on the class or module apply too; the closest
  one wins per budget.
* The ``dynotrace_capture`` fixture yields a started ``dynotrace.Capture`` (see
  ``dynotrace.api``); it stops when the test's fixtures are torn down.
* ``--dynotrace-report=FILE`` writes one report for the session, with a top-level
  ``tests:`` mapping of test node id to the ids of the compiles that happened while the test
  ran (setup, call and teardown; compiles outside any test are under ``<outside tests>``),
  and prints a summary at the end. With pytest-xdist each worker is its own process with
  its own Dynamo caches and compile ids, so each writes its own file (``FILE`` with the
  worker id before the extension: ``out.gw0.yaml``) and the controller lists them.

Importing this module does not import torch (pytest loads it in every project where
dynotrace is installed); torch is imported only when a capture starts.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

import pytest

from dynotrace import api
from dynotrace.api import Capture
from dynotrace.compare.gate import Budgets
from dynotrace.errors import DynotraceError
from dynotrace.events import event_kind
from dynotrace.model import Compile, GuardFailure, Location, Report

MARKER = "dynotrace"
#: The key under which compiles that ran outside every test are attributed.
OUTSIDE_TESTS = "<outside tests>"
#: How wide the terminal report inside a failure message is.
MESSAGE_WIDTH = 100


#: A test's budget: the gate's ``Budgets`` (``dynotrace check`` applies the same), with the
#: recompile limit checked unless the marker says otherwise.
Budget = Budgets
BUDGET_NAMES = tuple(f.name for f in fields(Budgets))


def budget_from_markers(markers: Iterable[pytest.Mark]) -> Budget:
    """The budget of a test from its ``dynotrace`` markers, closest first (as
    ``item.iter_markers`` gives them). Raises ``ValueError`` naming a bad argument."""
    chosen: dict[str, int | None] = {}
    for mark in markers:
        if mark.args:
            raise ValueError(f"@pytest.mark.{MARKER} takes keyword arguments only ({', '.join(BUDGET_NAMES)})")
        for key, value in mark.kwargs.items():
            if key not in BUDGET_NAMES:
                raise ValueError(f"@pytest.mark.{MARKER} got unknown budget {key!r}; use {', '.join(BUDGET_NAMES)}")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"@pytest.mark.{MARKER}({key}={value!r}): a budget is a count >= 0, or None")
            chosen.setdefault(key, value)
    chosen.setdefault("max_recompile_limit_hits", 0)
    return Budget(**chosen)


def budget_failures(report: Report, budget: Budget) -> list[str]:
    """One line per exceeded budget, each followed by the findings that spent it, in the
    words of the terminal report. Empty when the report is within budget."""
    from dynotrace.analysis.findings import graph_break_findings, limit_consequence, recompile_findings

    over = {count: (found, limit) for count, found, limit in budget.exceeded(report.summary)}
    recompiles = [f for f in recompile_findings(report) if f.kind == "recompile"]
    limits = [f for f in recompile_findings(report) if f.kind == "recompile_limit"]
    lines: list[str] = []
    if "recompiles" in over:
        found, limit = over["recompiles"]
        lines.append(f"{_count(found, 'recompile')}, budget max_recompiles={limit}:")
        for f in recompiles:
            name = f.function.display_name
            # The guard's origin is unknown when the compile it belonged to ran before the capture.
            where = _where(f.location) if f.location else f"{f.function.file}:{f.function.first_line} in {name}"
            values = _values(f.failure)
            lines.append(f"  - {name}: {f.title}{values} ({_count(f.count, 'recompile')}) at {where}")
    if "graph_breaks" in over:
        found, limit = over["graph_breaks"]
        lines.append(f"{_count(found, 'graph break')}, budget max_graph_breaks={limit}:")
        for f in graph_break_findings(report):
            gb = f.graph_break
            gb_id = f"{gb.gb_id} " if gb is not None and gb.gb_id else ""
            where = f" at {_where(f.location)}" if f.location else ""
            lines.append(f"  - {gb_id}{f.title}{where} ({_count(f.count, 'time')})")
    if "recompile_limit_hits" in over:
        found, limit = over["recompile_limit_hits"]
        lines.append(f"{_count(found, 'recompile-limit hit')}, budget max_recompile_limit_hits={limit}:")
        for f in limits:
            lines.append(f"  - {f.title}: {limit_consequence(f.function.limit_raised)}")
    return lines


def failure_message(report: Report, budget: Budget, nodeid: str) -> str | None:
    """The text a test fails with when its body exceeded ``budget``, or ``None``."""
    lines = budget_failures(report, budget)
    if not lines:
        return None
    import io

    detail = io.StringIO()
    api.render(report, "terminal", detail, width=MESSAGE_WIDTH, color=False, only=("recompiles", "breaks"), timing=False)
    head = f"dynotrace: torch.compile budget exceeded in the body of {nodeid}"
    return "\n".join([head, *lines, "", detail.getvalue().rstrip()])


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _values(failure: GuardFailure | None) -> str:
    """``  was 8, now 10``, as the terminal report shows a guarded value's change."""
    if failure is None or not failure.source or (failure.expected is None and failure.actual is None):
        return ""
    expected = failure.expected if failure.expected is not None else "?"
    actual = failure.actual if failure.actual is not None else "another value"
    return f"  was {expected}, now {actual}"


def _where(location: Location) -> str:
    """``file:line in function: code``, as the terminal report names a place."""
    text = str(location)
    if location.function:
        text += f" in {location.function}"
    if location.code:
        text += f": {location.code}"
    return text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dynotrace", "dynotrace: explain what torch.compile did")
    group.addoption(
        "--dynotrace-report",
        metavar="FILE",
        default=None,
        help="Write one dynotrace report (YAML, or JSON for .json) for the session, with the "
        "compiles of each test. With xdist, each worker writes FILE with its id before the extension.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(max_graph_breaks=None, max_recompiles=None, max_recompile_limit_hits=0): fail the test "
        "when torch.compile in its body exceeds these budgets (dynotrace).",
    )
    path = config.getoption("dynotrace_report")
    if path:
        target = os.path.join(str(config.invocation_params.dir), path)
        if os.path.isdir(target):
            raise pytest.UsageError(f"--dynotrace-report={path}: is a directory, not a file")
        config.stash[_RECORDER] = _SessionRecorder(config, target)


@pytest.fixture
def dynotrace_capture(request: pytest.FixtureRequest) -> Iterator[Capture]:
    """A started ``dynotrace.Capture`` of this test. ``.report`` is a snapshot of what ran
    so far; ``.stop()`` ends it early; it stops by itself at teardown."""
    cap = Capture(name=request.node.nodeid)
    cap.start()
    try:
        yield cap
    finally:
        cap.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    markers = list(item.iter_markers(MARKER))
    if not markers:
        return (yield)
    try:
        budget = budget_from_markers(markers)
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)
    cap = Capture(name=item.nodeid)
    cap.start()
    try:
        result = yield
    finally:
        report = cap.stop()
    message = failure_message(report, budget, item.nodeid)
    if message:
        pytest.fail(message, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    recorder = item.config.stash.get(_RECORDER, None)
    if recorder is None:
        return (yield)
    recorder.enter(item.nodeid)
    try:
        return (yield)
    finally:
        recorder.leave()


def pytest_sessionstart(session: pytest.Session) -> None:
    recorder = session.config.stash.get(_RECORDER, None)
    if recorder is not None:
        recorder.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    recorder = session.config.stash.get(_RECORDER, None)
    if recorder is not None:
        recorder.finish(int(exitstatus))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist: a worker finished; keep what it wrote for the controller's summary."""
    recorder = node.config.stash.get(_RECORDER, None)
    output = getattr(node, "workeroutput", {}).get("dynotrace")
    if recorder is not None and isinstance(output, dict):
        recorder.workers.append(output)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash.get(_RECORDER, None)
    if recorder is None:
        return
    terminalreporter.write_sep("-", "dynotrace")
    for line in recorder.summary_lines():
        terminalreporter.write_line(line)


class _CompileAttribution(logging.Handler):
    """Notes which test was running when each compile finished (its ``compilation_metrics``
    event), keyed as the model keys compiles: ``(frame_id, frame_compile_id)``."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.current = OUTSIDE_TESTS
        self.compiles: dict[str, list[tuple[int, int]]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        metadata = getattr(record, "metadata", None)
        if not isinstance(metadata, dict) or event_kind(metadata) != "compilation_metrics":
            return
        frame, number = metadata.get("frame_id"), metadata.get("frame_compile_id")
        if isinstance(frame, int) and isinstance(number, int):
            keys = self.compiles.setdefault(self.current, [])
            if (frame, number) not in keys:
                keys.append((frame, number))


@dataclass(frozen=True)
class _Written:
    """What the session (or one xdist worker) wrote: where, its summary counts, how many
    tests compiled anything, and why it could not be written."""

    path: str
    summary: dict[str, int]
    tests: int
    error: str | None = None


class _SessionRecorder:
    """The session capture behind ``--dynotrace-report``."""

    def __init__(self, config: pytest.Config, path: str) -> None:
        self.config = config
        self.path = path
        self.capture: Capture | None = None
        self.attribution = _CompileAttribution()
        self.worker_id: str | None = getattr(config, "workerinput", {}).get("workerid")
        self.controller = False
        self.written: _Written | None = None
        self.report: Report | None = None
        self.tests: dict[str, list[str]] = {}
        self.workers: list[dict[str, Any]] = []

    def start(self) -> None:
        # The xdist controller runs no test: its workers capture.
        self.controller = self.worker_id is None and self.config.pluginmanager.has_plugin("dsession")
        if self.controller:
            return
        args = [str(a) for a in self.config.invocation_params.args]
        self.capture = Capture(name="pytest " + shlex.join(args) if args else "pytest").start()
        self._attach()

    def _attach(self) -> None:
        # After the capture's own listener, which has configured torch's trace logger.
        logger = logging.getLogger("torch.__trace")
        if self.attribution not in logger.handlers:
            logger.addHandler(self.attribution)

    def enter(self, nodeid: str) -> None:
        if self.capture is None:
            return
        # A test that re-initialised torch's logging (torch._logging.set_logs) dropped the
        # handler; the capture's own listener re-attaches itself, this one does it here.
        self._attach()
        self.attribution.current = nodeid

    def leave(self) -> None:
        self.attribution.current = OUTSIDE_TESTS

    def finish(self, exitstatus: int) -> None:
        if self.capture is None:
            return
        logging.getLogger("torch.__trace").removeHandler(self.attribution)
        report = self.capture.stop()
        report = replace(report, run=replace(report.run, exit_code=exitstatus))
        ids = {(c.frame_id, c.frame_compile_id): c.compile_id for c in report.compiles}
        self.tests = {
            nodeid: [ids[key] for key in keys if key in ids] for nodeid, keys in self.attribution.compiles.items()
        }
        self.report = report
        path = self.path if self.worker_id is None else _worker_path(self.path, self.worker_id)
        error = None
        try:
            write_session_report(report, self.tests, path)
        except DynotraceError as exc:
            error = str(exc)
        shown = os.path.relpath(path, str(self.config.invocation_params.dir))
        summary = {f.name: getattr(report.summary, f.name) for f in fields(report.summary)}
        self.written = _Written(shown, summary, len([t for t in self.tests if t != OUTSIDE_TESTS]), error)
        workeroutput = getattr(self.config, "workeroutput", None)
        if isinstance(workeroutput, dict):
            workeroutput["dynotrace"] = {
                "worker": self.worker_id,
                "path": shown,
                "summary": summary,
                "tests": self.written.tests,
                "error": error,
            }

    def summary_lines(self) -> list[str]:
        if self.controller:
            if not self.workers:
                return ["no xdist worker reported a dynotrace report"]
            lines = []
            for out in sorted(self.workers, key=lambda o: str(o.get("worker"))):
                summary = dict(out.get("summary") or {})
                written = _Written(str(out.get("path")), summary, int(out.get("tests") or 0), out.get("error"))
                lines.append(f"{out.get('worker')}: " + _headline(written))
            return lines
        if self.written is None or self.report is None:
            return []
        lines = [_headline(self.written)]
        by_id = {c.compile_id: c for c in self.report.compiles}
        costly = []
        for nodeid, compile_ids in self.tests.items():
            compiles = [by_id[cid] for cid in compile_ids if cid in by_id]
            counts = _test_counts(compiles)
            if any(counts.values()):
                costly.append((nodeid, counts))
        # Most recompile-limit hits first, then recompiles, then graph breaks (_test_counts' order).
        costly.sort(key=lambda item: (*(-n for n in item[1].values()), item[0]))
        for nodeid, counts in costly[:5]:
            lines.append(f"  {nodeid}: " + ", ".join(_count(n, label) for label, n in counts.items() if n))
        if len(costly) > 5:
            lines.append(f"  ... {len(costly) - 5} more tests with recompiles or graph breaks (see the report's tests:)")
        return lines


def _test_counts(compiles: list[Compile]) -> dict[str, int]:
    return {
        "recompile-limit hit": sum(1 for c in compiles if c.status == "recompile_limit"),
        "recompile": sum(1 for c in compiles if c.is_recompile),
        "graph break": sum(len(c.graph_breaks) for c in compiles),
    }


def _headline(written: _Written) -> str:
    s = written.summary
    counts = " · ".join(
        _count(int(s.get(key, 0)), label)
        for key, label in (
            ("compiles", "compile"),
            ("graph_breaks", "graph break"),
            ("recompiles", "recompile"),
            ("recompile_limit_hits", "recompile-limit hit"),
        )
    )
    tests = _count(written.tests, "test")
    if written.error:
        return f"{counts} from {tests}; report NOT written: {written.error}"
    return f"{counts} from {tests}; report: {written.path}"


def _worker_path(path: str, worker_id: str) -> str:
    """``out.gw0.yaml`` for ``out.yaml``; a device or FIFO (``/dev/null``) is written into
    by every worker as it is, never made a sibling file beside it."""
    if not api.names_file(path):
        return path
    root, ext = os.path.splitext(path)
    return f"{root}.{worker_id}{ext}"


def write_session_report(report: Report, tests: dict[str, list[str]], path: str) -> None:
    """Write the session report with its ``tests:`` section before ``timing``, atomically.
    ``dynotrace.load`` reads it as a plain report: it ignores the extra section."""
    api.save(report, path, extra={"tests": {nodeid: list(ids) for nodeid, ids in tests.items()}})


_RECORDER = pytest.StashKey[_SessionRecorder]()
