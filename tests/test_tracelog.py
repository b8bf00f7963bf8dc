"""Reading TORCH_TRACE logs: real logs from other torch versions, damaged logs, and a
round trip showing that a log and a live capture of the same run give the same events."""

from __future__ import annotations

import ast
import gzip
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dynotrace.events import CACHE_ARTIFACTS, TraceEvent, make_event
from dynotrace.capture.tracelog import KNOWN_KINDS, list_trace_files, read_trace
from dynotrace.errors import InputError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "traces"
FIXTURE_LOG = FIXTURES / "graph_break_recompile.log.gz"
FIXTURE_PROGRAM = FIXTURES / "graph_break_recompile.py"
SHARED_TRACES = Path(__file__).resolve().parents[2] / "shared" / "traces"
TLPARSE_LOGS = sorted((SHARED_TRACES / "tlparse").glob("*.log"))

needs_shared = pytest.mark.skipif(
    not TLPARSE_LOGS,
    reason=f"real TORCH_TRACE logs not found in {SHARED_TRACES / 'tlparse'} "
    "(only present in the dynotrace workplace, beside the repository)",
)


def comparable(events: list[TraceEvent]) -> list[tuple[Any, ...]]:
    """Events without their line numbers, which shift when a log is edited."""
    return [(e.kind, e.data, e.frame_id, e.frame_compile_id, e.attempt, e.payload) for e in events]


def naive_events(data: bytes) -> list[TraceEvent]:
    """The obvious line-by-line reading of an undamaged log, to check the fast reader by."""
    # recompiles_kernel_rank_1.log has Windows line endings: a CRLF after every line.
    lines = data.decode("utf-8").replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    events, i = [], 0
    while i < len(lines):
        envelope, end = lines[i], i + 1
        while end < len(lines) and lines[end].startswith("\t"):
            end += 1
        metadata = json.loads(envelope[envelope.index("] {") + 2 :])
        payload: str | None = "\n".join(line[1:] for line in lines[i + 1 : end])
        if end == i + 1 or md5(payload or "") != metadata.get("has_payload"):
            payload = None
        event = make_event(metadata, payload, i + 1)
        assert event is not None
        events.append(event)
        i = end
    return events


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def envelope_count(data: bytes) -> int:
    return sum(1 for line in data.split(b"\n") if line[:1] in (b"V", b"I", b"W", b"E", b"C"))


@pytest.fixture
def fixture_bytes() -> bytes:
    return gzip.decompress(FIXTURE_LOG.read_bytes())


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@needs_shared
@pytest.mark.parametrize("log", TLPARSE_LOGS, ids=lambda p: p.name)
def test_reads_real_logs_from_older_torch(log: Path) -> None:
    events, stats = read_trace(log)

    data = log.read_bytes()
    assert stats.events == len(events) == envelope_count(data)
    assert stats.malformed_lines == 0
    assert stats.unknown_kinds == {}
    if log.name not in {"simple_corrupted_json.log", "export_guard_added.log"}:
        assert stats.bad_payloads == 0
        assert stats.problems == []
    if log.name != "export_guard_added.log":  # its blank line defeats the naive reading
        assert events == naive_events(data)


@needs_shared
def test_kept_payloads_match_their_checksums() -> None:
    kept = 0
    for log in [*TLPARSE_LOGS, FIXTURE_LOG]:
        events, _ = read_trace(log)
        data = gzip.decompress(log.read_bytes()) if log.suffix == ".gz" else log.read_bytes()
        lines = data.split(b"\n")
        for event in events:
            if event.payload is not None:
                envelope = lines[event.line - 1]
                metadata = json.loads(envelope[envelope.index(b"] {") + 2 :])
                if event.artifact_name in CACHE_ARTIFACTS:
                    # A cache lookup's payload is slimmed to the keys a report reads, as they were.
                    original = json.loads(_payload_after(lines, event.line))
                    slim = json.loads(event.payload)
                    assert slim and all(original[k] == v for k, v in slim.items()), (log.name, event.line)
                    continue
                assert md5(event.payload) == metadata["has_payload"], (log.name, event.line)
                kept += 1
    assert kept > 30


def _payload_after(lines: list[bytes], envelope_line: int) -> str:
    """The payload lines under the envelope on 1-based line ``envelope_line``, joined."""
    out = []
    for raw in lines[envelope_line:]:
        if not raw.startswith(b"\t"):
            break
        out.append(raw[1:].decode("utf-8"))
    return "\n".join(out)


@needs_shared
def test_corrupted_payload_is_counted_and_the_rest_kept() -> None:
    clean, _ = read_trace(SHARED_TRACES / "tlparse" / "simple.log")
    damaged, stats = read_trace(SHARED_TRACES / "tlparse" / "simple_corrupted_json.log")

    assert stats.bad_payloads == 1
    assert stats.malformed_lines == 0
    assert stats.problems == [
        f"{SHARED_TRACES / 'tlparse' / 'simple_corrupted_json.log'}:13: bad payload checksum"
    ]
    # The damaged record is a chromium_event, whose payload is dropped anyway: every
    # event, the damaged one included, is the same as in the undamaged log.
    assert comparable(damaged) == comparable(clean)
    assert next(e for e in damaged if e.line == 13).kind == "chromium_event"


@needs_shared
def test_only_kept_payloads_are_checked_when_asked_for_speed() -> None:
    _, stats = read_trace(
        SHARED_TRACES / "tlparse" / "simple_corrupted_json.log", verify_all_payloads=False
    )
    assert stats.bad_payloads == 0


@needs_shared
def test_export_log_with_one_bad_payload() -> None:
    events, stats = read_trace(SHARED_TRACES / "tlparse" / "export_guard_added.log")

    assert stats.bad_payloads == 1
    assert stats.problems[0].endswith("export_guard_added.log:39: bad payload checksum")
    assert [e.kind for e in events if e.line == 39] == ["exported_program"]
    assert any(e.kind == "guard_added" for e in events)


@needs_shared
def test_strict_mode_raises_at_the_damaged_line() -> None:
    with pytest.raises(InputError, match=r"simple_corrupted_json\.log:13: bad payload checksum"):
        read_trace(SHARED_TRACES / "tlparse" / "simple_corrupted_json.log", strict=True)


def test_reads_torch_2_13_log(fixture_bytes: bytes) -> None:
    events, stats = read_trace(FIXTURE_LOG)

    assert stats.events == len(events) == envelope_count(fixture_bytes) == 106
    assert (stats.malformed_lines, stats.bad_payloads, stats.unknown_kinds) == (0, 0, {})
    assert events == naive_events(fixture_bytes)
    # String-table entries stay events; the fold resolves the indices.
    strings = [e.data for e in events if e.kind == "str"]
    assert strings[1][0].endswith("/graph_break_recompile.py") and strings[1][1] == 1
    by_name = {e.artifact_name: e for e in events if e.artifact_name}
    reason = by_name["recompile_reasons"]
    assert reason.payload == "2/0: tensor 'x' size mismatch at index 0. expected 3, actual 4"
    assert (reason.frame_id, reason.frame_compile_id, reason.attempt) == (2, 1, 0)
    graph_break = by_name["dynamo_graph_break_reason"].payload
    assert graph_break is not None and "print" in graph_break
    guards = [e.payload for e in events if e.kind == "dynamo_cpp_guards_str"]
    assert len(guards) == 4
    # The guard tree payload starts with an empty line: exact reconstruction keeps it.
    assert all(g is not None and g.startswith("\nTREE_GUARD_MANAGER:") for g in guards)
    # Payloads the fold does not read are dropped on arrival, as in a live capture.
    assert all(e.payload is None for e in events if e.kind == "chromium_event")


def test_plain_and_gzipped_logs_read_the_same(tmp_path: Path, fixture_bytes: bytes) -> None:
    plain = write(tmp_path / "trace.log", fixture_bytes)
    assert read_trace(plain) == read_trace(FIXTURE_LOG)


def test_truncated_payload_keeps_everything_before(tmp_path: Path, fixture_bytes: bytes) -> None:
    whole, _ = read_trace(FIXTURE_LOG)
    reason = next(e for e in whole if e.artifact_name == "recompile_reasons")
    cut_at = fixture_bytes.index(b"size mismatch")
    log = write(tmp_path / "trace.log", fixture_bytes[:cut_at])

    events, stats = read_trace(log)

    assert comparable(events[:-1]) == comparable(whole[: len(events) - 1])
    assert events[-1] == TraceEvent(
        "artifact", reason.data, 2, 1, 0, payload=None, line=reason.line
    )
    assert stats.bad_payloads == 1
    assert stats.problems == [f"{log}:{reason.line}: payload cut off"]
    with pytest.raises(InputError, match=rf":{reason.line}: payload cut off"):
        read_trace(log, strict=True)


def test_truncated_envelope_keeps_everything_before(tmp_path: Path, fixture_bytes: bytes) -> None:
    whole, _ = read_trace(FIXTURE_LOG)
    last_envelope = fixture_bytes.rindex(b"\nV") + 1
    log = write(tmp_path / "trace.log", fixture_bytes[: last_envelope + 100])

    events, stats = read_trace(log)

    assert events == whole[:-1]
    assert stats.malformed_lines == 1
    assert stats.problems == [f"{log}:{whole[-1].line}: record cut off"]


def test_record_without_its_payload_lines(tmp_path: Path, fixture_bytes: bytes) -> None:
    lines = fixture_bytes.split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'"recompile_reasons"' in line)
    del lines[at + 1]
    log = write(tmp_path / "trace.log", b"\n".join(lines))

    events, stats = read_trace(log)

    assert [e.payload for e in events if e.artifact_name == "recompile_reasons"] == [None]
    assert stats.bad_payloads == 1
    assert stats.problems == [f"{log}:{at + 1}: payload cut off"]


def test_unparsable_envelope_skips_only_that_record(tmp_path: Path, fixture_bytes: bytes) -> None:
    whole, _ = read_trace(FIXTURE_LOG)
    lines = fixture_bytes.split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'"recompile_reasons"' in line)
    lines[at] = lines[at].replace(b'{"artifact"', b'{"artifact', 1)
    log = write(tmp_path / "trace.log", b"\n".join(lines))

    events, stats = read_trace(log)

    assert comparable(events) == comparable([e for e in whole if e.line != at + 1])
    # The envelope and the payload line that belonged to it.
    assert stats.malformed_lines == 2
    assert stats.problems == [f"{log}:{at + 1}: unparsable JSON envelope"]
    with pytest.raises(InputError, match=rf"trace\.log:{at + 1}: unparsable JSON envelope"):
        read_trace(log, strict=True)


def test_lines_that_are_not_records(tmp_path: Path, fixture_bytes: bytes) -> None:
    whole, _ = read_trace(FIXTURE_LOG)
    junk = b"\tstray payload line\nnot a record at all\nV1127 12:00:00.000000 1 x.py:1] {}\n"
    log = write(tmp_path / "trace.log", junk + fixture_bytes)

    events, stats = read_trace(log)

    assert comparable(events) == comparable(whole)
    assert stats.malformed_lines == 3
    assert stats.problems == [
        f"{log}:1: 1 payload line(s) with no envelope announcing them",
        f"{log}:2: no glog prefix",
        f"{log}:3: record names no event kind",
    ]


def test_blank_lines_are_ignored(tmp_path: Path, fixture_bytes: bytes) -> None:
    # Some log collectors stutter blank lines, even inside payloads; tlparse skips them.
    whole, _ = read_trace(FIXTURE_LOG)
    stuttered = fixture_bytes.replace(b"\n\tTREE_GUARD_MANAGER:", b"\n\n\tTREE_GUARD_MANAGER:")
    stuttered = b"\n" + stuttered.replace(b"\nV", b"\n\nV")
    log = write(tmp_path / "trace.log", stuttered)

    events, stats = read_trace(log)

    assert comparable(events) == comparable(whole)
    assert (stats.malformed_lines, stats.bad_payloads, stats.problems) == (0, 0, [])


def test_windows_line_endings(tmp_path: Path, fixture_bytes: bytes) -> None:
    whole, _ = read_trace(FIXTURE_LOG)
    log = write(tmp_path / "trace.log", fixture_bytes.replace(b"\n", b"\r\n"))

    events, stats = read_trace(log)

    assert events == whole
    assert stats.bad_payloads == 0


def test_truncated_gzip_keeps_what_it_holds(tmp_path: Path) -> None:
    compressed = FIXTURE_LOG.read_bytes()
    log = write(tmp_path / "trace.log.gz", compressed[: len(compressed) // 2])

    events, stats = read_trace(log)

    assert 0 < len(events) < 106
    assert "compressed log ends early" in stats.problems[0]


def test_unknown_kinds_are_counted_not_dropped() -> None:
    events, stats = read_trace(FIXTURE_LOG, known_kinds=frozenset({"str", "artifact"}))

    assert len(events) == 106
    assert stats.unknown_kinds["chromium_event"] == sum(
        1 for e in events if e.kind == "chromium_event"
    )
    assert "str" not in stats.unknown_kinds


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"TORCH_TRACE log '.*trace\.log' is empty"),
        (b"\n\n  \n", r"is empty"),
        (b"\x7fELF\x02\x01\x01\x00\xff\xfe" * 50, r"is a binary file, not a TORCH_TRACE log"),
        (b"import torch\nprint('hello')\n", r"is not a TORCH_TRACE log: no trace record in it"),
    ],
    ids=["empty", "blank", "binary", "python-source"],
)
def test_files_that_are_no_trace(tmp_path: Path, content: bytes, message: str) -> None:
    log = write(tmp_path / "trace.log", content)
    with pytest.raises(InputError, match=message):
        read_trace(log)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"No such TORCH_TRACE log or directory: '.*nowhere'"):
        read_trace(tmp_path / "nowhere")


def test_directory_without_logs(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no logs here")
    with pytest.raises(InputError, match=r"No TORCH_TRACE log in directory '.*'"):
        read_trace(tmp_path)


def test_directory_reads_every_log_in_name_order(tmp_path: Path, fixture_bytes: bytes) -> None:
    whole, _ = read_trace(FIXTURE_LOG)
    write(tmp_path / "dedicated_log_torch_trace_b.log", fixture_bytes)
    (tmp_path / "dedicated_log_torch_trace_a.log.gz").write_bytes(FIXTURE_LOG.read_bytes())
    first = b"V1127 12:00:00.000000 1 x.py:1] " + json.dumps({"str": ["a.py", 0]}).encode()
    write(tmp_path / "dedicated_log_torch_trace_c.log", first + b"\n")
    (tmp_path / "other.txt").write_text("ignored")

    events, stats = read_trace(tmp_path)

    assert [p.name for p in list_trace_files(tmp_path)] == [
        "dedicated_log_torch_trace_a.log.gz",
        "dedicated_log_torch_trace_b.log",
        "dedicated_log_torch_trace_c.log",
    ]
    assert events == whole + whole + [TraceEvent("str", ["a.py", 0], line=1)]
    assert stats.events == len(events)


def test_directory_skips_a_log_that_is_no_trace(tmp_path: Path, fixture_bytes: bytes) -> None:
    write(tmp_path / "a.log", b"pip install output\n")
    write(tmp_path / "b.log", fixture_bytes)

    events, stats = read_trace(tmp_path)

    assert len(events) == 106
    assert stats.problems == [
        f"{tmp_path / 'a.log'}: skipped: '{tmp_path / 'a.log'}' is not a TORCH_TRACE log: "
        "no trace record in it"
    ]
    with pytest.raises(InputError, match=r"a\.log:1: no glog prefix"):
        read_trace(tmp_path, strict=True)


def test_known_kinds_cover_every_kind_torch_names() -> None:
    """Every literal kind passed to trace_structured in the installed torch is known."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        pytest.skip("torch is not installed")
    named: set[str] = set()
    for source in Path(spec.origin).parent.rglob("*.py"):
        text = source.read_text(encoding="utf-8", errors="replace")
        if "trace_structured(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if name in {"trace_structured", "dtrace_structured"} and isinstance(
                first, ast.Constant
            ):
                named.add(str(first.value))
    assert "dynamo_start" in named
    assert named - KNOWN_KINDS == set()


LIVE_AND_TRACED = """
import json, logging, runpy, sys

from dynotrace.events import make_event

events = []


class Listener(logging.Handler):
    def emit(self, record):
        event = make_event(record.metadata, record.payload)
        if event is not None:
            events.append(
                [event.kind, event.data, event.frame_id, event.frame_compile_id,
                 event.attempt, event.payload]
            )


import torch  # noqa: E402  (torch's logging setup clears the handlers of torch.__trace)

trace_log = logging.getLogger("torch.__trace")
# First in line, so this listener sees each record before TORCH_TRACE's handler, whose
# first write logs the torch_version artifact: the file order and ours then agree.
trace_log.handlers.insert(0, Listener(logging.DEBUG))
trace_log.setLevel(logging.DEBUG)
trace_log.propagate = False
runpy.run_path(sys.argv[1], run_name="__main__")
with open(sys.argv[2], "w") as out:
    json.dump(events, out, default=repr)
"""


@pytest.mark.torch
def test_log_and_live_capture_of_one_run_agree(tmp_path: Path) -> None:
    script = write(tmp_path / "live_and_traced.py", LIVE_AND_TRACED.encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCH")}
    env.update(TORCH_TRACE=str(tmp_path / "trace"), PYTHONPATH=str(REPO))
    subprocess.run(
        [sys.executable, str(script), str(FIXTURE_PROGRAM), str(tmp_path / "live.json")],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    live = json.loads((tmp_path / "live.json").read_text())

    events, stats = read_trace(tmp_path / "trace")

    # Through JSON on both sides: the live metadata holds tuples where the log has lists.
    from_log = json.loads(json.dumps(comparable(events), default=repr))
    assert from_log == live
    assert (stats.malformed_lines, stats.bad_payloads, stats.unknown_kinds) == (0, 0, {})
    assert any(e.artifact_name == "recompile_reasons" and e.payload for e in events)
    assert any(e.artifact_name == "dynamo_graph_break_reason" and e.payload for e in events)


# The envelope parser: msgspec when installed (``pip install dynotrace[fast]``) and the log
# is large enough to pay for its import, else the standard library; both must read every
# log the same.


@pytest.fixture
def tracelog(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The reader's module, with msgspec used for logs of any size."""
    import dynotrace.capture.tracelog as module

    monkeypatch.setattr(module, "FAST_JSON_FROM", 0)
    return module


def _counting(calls: list[bytes], parse: Any) -> Any:
    def counted(text: bytes) -> Any:
        calls.append(text)
        return parse(text)

    return counted


def test_msgspec_parses_the_envelopes_when_it_is_installed(tracelog: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    msgspec = pytest.importorskip("msgspec")
    fast = tracelog.fast_loads()
    assert fast is not None and fast.__self__.__class__ is msgspec.json.Decoder
    calls: list[bytes] = []
    monkeypatch.setattr(tracelog, "_fast", _counting(calls, fast))
    events, stats = read_trace(FIXTURE_LOG)
    assert len(calls) == stats.events == len(events) == 106


def test_json_parses_them_without_msgspec(tracelog: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracelog, "_fast", None)
    calls: list[bytes] = []
    monkeypatch.setattr(tracelog.json, "loads", _counting(calls, json.loads))
    events, stats = read_trace(FIXTURE_LOG)
    assert len(calls) == stats.events == len(events) == 106


def test_json_parses_a_small_log_without_importing_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    import dynotrace.capture.tracelog as tracelog

    assert FIXTURE_LOG.stat().st_size < tracelog.FAST_JSON_FROM
    monkeypatch.setattr(tracelog, "_fast", tracelog._UNSET)
    monkeypatch.setitem(sys.modules, "msgspec", None)  # would fail the import if it were tried
    events, _ = read_trace(FIXTURE_LOG)
    assert len(events) == 106 and tracelog._fast is tracelog._UNSET


def test_msgspec_is_absent_when_it_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import dynotrace.capture.tracelog as tracelog

    monkeypatch.setattr(tracelog, "_fast", tracelog._UNSET)
    monkeypatch.setitem(sys.modules, "msgspec", None)  # what importing a missing module meets
    assert tracelog.fast_loads() is None


def _read_both_ways(tracelog: Any, path: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> tuple[Any, Any]:
    fast = read_trace(path, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(tracelog, "_fast", None)
        plain = read_trace(path, **kwargs)
    return fast, plain


@pytest.mark.parametrize("keep", [None, "fold"], ids=["all kinds", "fold kinds"])
def test_logs_read_the_same_with_and_without_msgspec(tracelog: Any, monkeypatch: pytest.MonkeyPatch, keep: str | None) -> None:
    pytest.importorskip("msgspec")
    from dynotrace.capture.listener import FOLD_KINDS

    keep_kinds = FOLD_KINDS if keep else None
    for log in [FIXTURE_LOG, *TLPARSE_LOGS]:
        fast, plain = _read_both_ways(tracelog, log, monkeypatch, keep_kinds=keep_kinds)
        assert fast == plain, log.name


def test_envelopes_msgspec_refuses_are_read_as_json_reads_them(
    tracelog: Any, tmp_path: Path, fixture_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("msgspec")
    glog = b"V1127 12:00:00.000000 1 x.py:1] "
    # What Python's json writes and reads but msgspec refuses: NaN, infinities, a float
    # beyond the double range, a lone surrogate (escaped, and as raw bytes); integers wider
    # than 64 bits, which both read exactly; and a damaged envelope, which neither reads.
    odd = [
        b'{"compilation_metrics": {"x": NaN, "y": -Infinity, "z": 1e999}, "frame_id": 0, "frame_compile_id": 0}',
        b'{"str": ["big", 123456789012345678901234567890]}',
        b'{"str": ["\\ud800 lone", 7]}',
        b'{"str": ["\xed\xa0\x80 raw", 8]}',
        b'{"str": ["cut", 9]',
    ]
    log = write(tmp_path / "trace.log", b"".join(glog + line + b"\n" for line in odd) + fixture_bytes)
    (fast_events, fast_stats), (plain_events, plain_stats) = _read_both_ways(tracelog, log, monkeypatch)
    assert repr(fast_events) == repr(plain_events)  # repr: NaN is not equal to itself
    assert fast_stats == plain_stats
    assert fast_stats.malformed_lines == 1 and fast_stats.problems == [f"{log}:5: unparsable JSON envelope"]
    assert [e.data for e in fast_events[1:4]] == [
        ["big", 123456789012345678901234567890],
        ["\ud800 lone", 7],
        ["\ud800 raw", 8],
    ]
    metrics = fast_events[0].data
    assert metrics["x"] != metrics["x"] and metrics["y"] == -metrics["z"] == float("-inf")


# Payloads of records the fold does not read.


def _log_with_two_bad_payloads(tmp_path: Path) -> Path:
    """A dropped kind's record and a kept kind's, each with a payload that fails its md5."""
    glog = b"V1127 12:00:00.000000 1 x.py:1] "

    def record(kind: str, payload: bytes) -> bytes:
        metadata = {kind: {}, "frame_id": 0, "frame_compile_id": 0, "attempt": 0, "has_payload": md5("not it")}
        return glog + json.dumps(metadata).encode() + b"\n\t" + payload + b"\n"

    return write(
        tmp_path / "trace.log",
        glog + b'{"str": ["a.py", 0]}\n'
        + record("dynamo_output_graph", b"graph(x)")
        + record("dynamo_cpp_guards_str", b"TREE_GUARD_MANAGER:"),
    )


def test_a_dropped_records_bad_payload_is_counted_unless_only_kept_payloads_are_checked(tmp_path: Path) -> None:
    from dynotrace.capture.listener import FOLD_KINDS

    log = _log_with_two_bad_payloads(tmp_path)
    # What dynotrace explain --trace reads: every payload is checked, kept or not, so
    # damage anywhere in a log is counted.
    events, stats = read_trace(log, keep_kinds=FOLD_KINDS - {"dynamo_output_graph"})
    assert [e.kind for e in events] == ["str", "dynamo_cpp_guards_str"]
    assert events[1].payload is None
    assert stats.bad_payloads == 2
    assert stats.problems == [f"{log}:2: bad payload checksum", f"{log}:4: bad payload checksum"]
    with pytest.raises(InputError, match=r"trace\.log:2: bad payload checksum"):
        read_trace(log, strict=True, keep_kinds=FOLD_KINDS - {"dynamo_output_graph"})

    # Checking only the payloads that are read: the dropped record's payload is not read,
    # so not counted; the kept record's payload still fails its md5.
    events, stats = read_trace(log, verify_all_payloads=False)
    assert events[2].kind == "dynamo_cpp_guards_str" and events[2].payload is None
    assert stats.bad_payloads == 1
    assert stats.problems == [f"{log}:4: bad payload checksum"]
    with pytest.raises(InputError, match=r"trace\.log:4: bad payload checksum"):
        read_trace(log, strict=True, verify_all_payloads=False)


def test_records_the_fold_does_not_read_are_counted_by_kind_and_skipped_unparsed(tmp_path: Path) -> None:
    """What ``dynotrace explain --trace`` reads (the fold's kinds, kept payloads checked):
    a record of a known kind it does not keep is counted by the first key of its envelope
    and not parsed, so damage in it is unseen; ``strict``, and a read that checks every
    payload, still parse it. A kept kind's record is parsed as before, and one whose
    first key is not a kind (a context key, an unknown kind) too."""
    from dynotrace.capture.listener import FOLD_KINDS

    glog = b"V1127 12:00:00.000000 1 x.py:1] "
    log = write(
        tmp_path / "trace.log",
        glog + b'{"str": ["a.py", 0]}\n'
        + glog + b'{"chromium_event": {}, "has_payload": "' + md5("x").encode() + b'"}\n\tnot x\n'  # bad payload
        + glog + b'{"describe_tensor": {"id": 0, oops}\n'  # unparsable, of a dropped kind
        + glog + b'{"frame_id": 0, "describe_storage": {}}\n'  # the kind is not the first key
        + glog + b'{"dynamo_start": {"stack": [], oops}\n'  # unparsable, of a kept kind
        + glog + b'{"mystery_kind": {}}\n'
        + glog + b'{} x.py:2] {"chromium_event": {}}\n'  # the envelope starts at the first "] {"
        + b"V1127 not a glog prefix] {\"describe_source\": {}}\n"
        + glog + b'{"dynamo_output_graph": {}, "frame_id": 0, "frame_compile_id": 0}\n',
    )
    events, stats = read_trace(log, keep_kinds=FOLD_KINDS, verify_all_payloads=False)
    assert [(e.kind, e.line) for e in events] == [("str", 1), ("dynamo_output_graph", 10)]
    assert stats.events == 6  # every record but the three unparsable ones that were parsed
    assert stats.malformed_lines == 3 and stats.bad_payloads == 0
    assert stats.unknown_kinds == {"mystery_kind": 1}
    assert stats.problems == [
        f"{log}:6: unparsable JSON envelope",
        f"{log}:8: unparsable JSON envelope",
        f"{log}:9: no glog prefix",
    ]

    # Every record parsed: the damage in the dropped kinds' records is found.
    for checked in (
        dict(keep_kinds=FOLD_KINDS),
        dict(keep_kinds=None, verify_all_payloads=False),
    ):
        events, stats = read_trace(log, **checked)  # type: ignore[arg-type]
        assert stats.malformed_lines == 4 and stats.bad_payloads == (1 if "verify_all_payloads" not in checked else 0)
        assert f"{log}:4: unparsable JSON envelope" in stats.problems
    with pytest.raises(InputError, match=r"trace\.log:4: unparsable JSON envelope"):
        read_trace(log, strict=True, keep_kinds=FOLD_KINDS, verify_all_payloads=False)
    with pytest.raises(InputError, match=r"trace\.log:2: bad payload checksum"):  # dynotrace explain --strict
        read_trace(log, strict=True, keep_kinds=FOLD_KINDS, verify_all_payloads=True)


@pytest.mark.parametrize("chunk", [1, 7, 100, 4096])
def test_records_that_span_chunks_read_as_in_one_chunk(
    tmp_path: Path, fixture_bytes: bytes, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The reader reads a log in chunks (4 MiB); a record, a line or a CRLF cut by a chunk's
    end reads as if the log were one chunk, damage and a cut-off last line included."""
    import dynotrace.capture.tracelog as tracelog
    from dynotrace.capture.listener import FOLD_KINDS

    lines = fixture_bytes.split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'"recompile_reasons"' in line)
    lines[at] = lines[at].replace(b'{"artifact"', b'{"artifact', 1)  # one unparsable envelope
    damaged = b"\n".join(lines)
    logs = {
        "plain": fixture_bytes,
        "crlf": fixture_bytes.replace(b"\n", b"\r\n"),
        "stuttered": b"\n" + fixture_bytes.replace(b"\nV", b"\n\nV"),
        "damaged": damaged,
        "cut": fixture_bytes[: fixture_bytes.index(b"size mismatch")],
    }
    for name, data in logs.items():
        log = write(tmp_path / f"{name}.log", data)
        whole = read_trace(log)
        folded = read_trace(log, keep_kinds=FOLD_KINDS, verify_all_payloads=False)
        with monkeypatch.context() as m:
            m.setattr(tracelog, "_CHUNK", chunk)
            assert read_trace(log) == whole, name
            # Skipping unread records, the lines of the others are counted as they are needed.
            assert read_trace(log, keep_kinds=FOLD_KINDS, verify_all_payloads=False) == folded, name
