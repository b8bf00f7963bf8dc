"""Property tests: the TORCH_TRACE reader and the report loader, fed arbitrary bytes and
damaged real files, let no exception out but ``InputError``, and the reader keeps every
record that lies before the damage exactly as an undamaged reading gives it.

Deterministic (``derandomize``, no example database), so CI sees the same examples on
every run; ``max_examples`` is kept small enough for the file to run in well under a minute.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SHARED_TRACES, run_dynotrace
from dynotrace.events import TraceEvent
from dynotrace.capture.tracelog import read_trace
from dynotrace.errors import InputError
from dynotrace.api import load as load_report, save as write_report

FIXTURE_LOG = Path(__file__).resolve().parent / "fixtures" / "traces" / "graph_break_recompile.log.gz"

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("DYNOTRACE_FUZZ_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Where a record starts, as the reader splits records: a line that is neither a payload
#: line (tab) nor blank.
_RECORD_START = re.compile(rb"\n(?=[^\t\n])")


def _real_logs() -> dict[str, bytes]:
    logs = {"graph_break_recompile": gzip.decompress(FIXTURE_LOG.read_bytes())}
    # The big rank log (3.5 MB) would make every example slow without finding more.
    for path in sorted((SHARED_TRACES / "tlparse").glob("*.log")):
        if path.stat().st_size < 1_000_000:
            logs[path.stem] = path.read_bytes()
    return logs


REAL_LOGS = _real_logs()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(scratch: Path, name: str, data: bytes) -> Path:
    path = scratch / name
    path.write_bytes(data)
    return path


def read_bytes_as_trace(scratch: Path, data: bytes) -> tuple[list[TraceEvent], Any]:
    return read_trace(_write(scratch, "trace.log", data))


def _record_start_before(data: bytes, offset: int) -> int:
    """Start of the record holding byte ``offset - 1``: damage at ``offset`` may reach back
    into it (an inserted tab makes the next envelope a payload line of it), not further."""
    start = 0
    for match in _RECORD_START.finditer(data, 0, max(offset - 1, 0) + 1):
        start = match.end()
    return start


# A damage: (what, where as a fraction of the log, an argument).
_DAMAGE = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate_line"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.one_of(
        st.integers(min_value=1, max_value=255),
        st.sampled_from([b"\n", b"\t", b"\r\n", b"\n\t", b"{", b'"', b"]", b"\xff", b"\x00", b"\n\n"]),
        st.binary(min_size=1, max_size=8),
    ),
)


def damage(data: bytes, damages: list[tuple[str, float, Any]]) -> tuple[bytes, int]:
    """``data`` with the damages applied, and the offset of the first byte that changed."""
    # Applied from the end backwards, so each offset still means the original position.
    placed = sorted(
        ((min(int(where * len(data)), max(len(data) - 1, 0)), what, arg) for what, where, arg in damages),
        key=lambda damage: damage[0],
        reverse=True,
    )
    first = len(data)
    for offset, what, arg in placed:
        if what == "flip" and offset < len(data):
            mask = arg if isinstance(arg, int) else (arg[0] or 1)
            data = data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1 :]
        elif what == "insert":
            extra = arg if isinstance(arg, bytes) else bytes([arg])
            data = data[:offset] + extra + data[offset:]
        elif what == "delete":
            count = arg if isinstance(arg, int) else len(arg)
            data = data[:offset] + data[offset + count :]
        elif what == "truncate":
            data = data[:offset]
        elif what == "duplicate_line":
            line_start = data.rfind(b"\n", 0, offset) + 1
            line_end = data.find(b"\n", offset)
            line_end = len(data) if line_end < 0 else line_end + 1
            # The copy goes in after its line: every byte before it is as it was.
            data = data[:line_end] + data[line_start:line_end] + data[line_end:]
            offset = line_end
        first = min(first, offset)
    return data, first


@FUZZ
@given(
    name=st.sampled_from(sorted(REAL_LOGS)),
    damages=st.lists(_DAMAGE, min_size=1, max_size=3),
)
@example(name="graph_break_recompile", damages=[("truncate", 0.5, 1)])
@example(name="graph_break_recompile", damages=[("insert", 0.3, b"\t")])
@example(name="graph_break_recompile", damages=[("duplicate_line", 0.7, 1)])
def test_damaged_real_log_keeps_every_record_before_the_damage(
    scratch: Path, name: str, damages: list[tuple[str, float, Any]]
) -> None:
    original = REAL_LOGS[name]
    damaged, first = damage(original, damages)
    intact = original[: _record_start_before(original, first)]
    try:
        expected = read_trace(_write(scratch, "intact.log", intact))[0]
    except InputError:
        expected = []  # nothing before the damage is a record

    try:
        events, stats = read_bytes_as_trace(scratch, damaged)
    except InputError as exc:
        # Allowed only when nothing before the damage is a record, or the damage made the
        # file look binary (a NUL near its start) or gzip-compressed (its magic bytes).
        assert not expected or b"\x00" in damaged[:65536] or damaged[:2] == b"\x1f\x8b", exc
        return
    assert events[: len(expected)] == expected
    assert stats.events == len(events)


_GLOG = "V1127 12:58:50.372000 10562 site-packages/torch/_dynamo/utils.py:2350] "
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_KINDS = st.sampled_from(
    ["str", "dynamo_start", "compilation_metrics", "artifact", "dynamo_cpp_guards_str", "create_symbol",
     "guard_added_fast", "symbolic_shape_specialization", "dynamo_output_graph", "no_such_kind"]
)


@st.composite
def _envelope_line(draw: st.DrawFn) -> bytes:
    metadata: dict[str, Any] = {draw(_KINDS): draw(_JSON)}
    for key in draw(st.lists(st.sampled_from(["frame_id", "frame_compile_id", "attempt", "has_payload", "rank"]), max_size=4)):
        metadata[key] = draw(_JSON)
    text = json.dumps(metadata, ensure_ascii=draw(st.booleans()))
    return (_GLOG + text).encode("utf-8", "surrogatepass")


_LINE = st.one_of(
    _envelope_line(),
    st.binary(max_size=40).map(lambda b: b"\t" + b),
    st.binary(max_size=40),
    st.sampled_from([b"", b"\r", b"\t", b"] {", _GLOG.encode() + b"{", _GLOG.encode() + b"[1]"]),
)


@FUZZ
@given(data=st.one_of(st.binary(max_size=2048), st.lists(_LINE, max_size=12).map(b"\n".join)))
@example(data=b"")
@example(data=b"\x1f\x8b")
@example(data=b"\x1f\x8b\x08\x00junk")
@example(data=(_GLOG + '{"str": ["\\udcff", 0]}\n').encode())
def test_arbitrary_bytes_give_events_or_input_error(scratch: Path, data: bytes) -> None:
    try:
        events, stats = read_bytes_as_trace(scratch, data)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert stats.events == len(events) > 0
    for event in events:
        assert isinstance(event.kind, str)
        if event.payload is not None:
            event.payload.encode("utf-8")


@FUZZ
@given(data=st.binary(max_size=4096), damages=st.lists(_DAMAGE, max_size=3), cut=st.floats(min_value=0, max_value=1))
@example(data=b"", damages=[("flip", 0.5, 0x40)], cut=1.0)
def test_damaged_or_cut_gzip_logs_give_events_or_input_error(
    scratch: Path, data: bytes, damages: list[tuple[str, float, Any]], cut: float
) -> None:
    compressed = gzip.compress(REAL_LOGS["graph_break_recompile"][:20000] + data)
    damaged, _ = damage(compressed, damages)
    try:
        events, _ = read_bytes_as_trace(scratch, damaged[: max(int(cut * len(damaged)), 2)])
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert events


@FUZZ
@given(payload=st.binary(max_size=300), kind=st.sampled_from(["dynamo_cpp_guards_str", "chromium_event"]))
@example(payload=b"\xff\xfe", kind="dynamo_cpp_guards_str")
@example(payload=b"\x00", kind="dynamo_cpp_guards_str")
@example(payload=b"a\n\nb\n", kind="dynamo_cpp_guards_str")
@example(payload=b"a\r\nb\r", kind="dynamo_cpp_guards_str")
def test_any_payload_with_its_md5_is_kept_or_counted(scratch: Path, payload: bytes, kind: str) -> None:
    """A record whose payload matches its md5 keeps it, if it is text torch could have
    written; anything else is a counted bad payload, never an exception."""
    metadata = {kind: {}, "frame_id": 0, "frame_compile_id": 0, "attempt": 0, "has_payload": hashlib.md5(payload).hexdigest()}
    record = _GLOG.encode() + json.dumps(metadata).encode() + b"\n\t" + payload.replace(b"\n", b"\n\t") + b"\n"
    if b"\x00" in payload:
        # A NUL byte in the first 64 KB marks a binary file (the documented one-line error),
        # as it does for grep and git; torch writes text.
        with pytest.raises(InputError, match="is a binary file, not a TORCH_TRACE log"):
            read_bytes_as_trace(scratch, record)
        return
    events, stats = read_bytes_as_trace(scratch, record + _GLOG.encode() + b'{"str": ["after", 0]}\n')
    assert [e.kind for e in events] == [kind, "str"]
    if kind != "dynamo_cpp_guards_str":
        assert events[0].payload is None
        return
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        assert events[0].payload is None and stats.bad_payloads == 1
        return
    if events[0].payload is None:
        # Blank or CR-ended lines are what some log collectors add; a payload made of them
        # may not be told apart from such damage, and is then counted.
        assert stats.bad_payloads == 1 and re.search(rb"\n\n|\r|^\n|\n$|^$", payload), payload
    else:
        assert events[0].payload == text


class _Reports(dict[str, bytes]):
    def __repr__(self) -> str:  # hypothesis prints its arguments; the names will do
        return f"<reports {sorted(self)}>"


@pytest.fixture(scope="module")
def real_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Real reports as dynotrace writes them: a live run of a sample, and the offline read
    of the fixture log (graph breaks, recompiles, guard failures), in YAML and JSON."""
    from dynotrace.api import read_trace_report

    out = tmp_path_factory.mktemp("reports")
    run = run_dynotrace("explain", "sample_programs/clean.py", "-o", str(out / "clean.yaml"), "-q", cwd=ROOT)
    assert run.returncode == 0, run.stderr
    write_report(read_trace_report(str(FIXTURE_LOG)), str(out / "trace.yaml"))
    write_report(read_trace_report(str(FIXTURE_LOG)), str(out / "trace.json"))
    reports = _Reports({p.name: p.read_bytes() for p in out.iterdir()})
    for name in reports:
        load_report(str(out / name))  # each seed is a readable report
    return reports


def _load_bytes(scratch: Path, name: str, data: bytes) -> None:
    path = _write(scratch, name, data)
    try:
        load_report(str(path))
    except InputError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".yaml", ".json", ".txt"]))
@example(data=b"[" * 50000, suffix=".yaml")
@example(data=b"- " * 50000 + b"x", suffix=".yaml")
@example(data=b"a: " + b"{a: " * 30000, suffix=".yaml")
@example(data=b"[" * 50000, suffix=".json")
@example(data=b"schema_version: 1\nfunctions: !!binary aGVsbG8=\n", suffix=".yaml")
@example(data=b"schema_version: 1\nfunctions: !!set {a, b}\n", suffix=".yaml")
@example(data=b"schema_version: 1\nnotes: [!!timestamp 2001-12-14]\n", suffix=".yaml")
@example(data=b"schema_version: 1\nexit_code: " + b"9" * 5000 + b"\n", suffix=".yaml")
@example(data=b'{"schema_version": 1, "exit_code": ' + b"9" * 5000 + b"}", suffix=".json")
@example(data=b"schema_version: 1\n? [a, b]\n: 1\n", suffix=".yaml")
def test_arbitrary_bytes_as_a_report_give_a_report_or_input_error(scratch: Path, data: bytes, suffix: str) -> None:
    _load_bytes(scratch, "report" + suffix, data)


@pytest.mark.torch
@FUZZ
@given(data=st.data(), damages=st.lists(_DAMAGE, min_size=1, max_size=3))
def test_damaged_real_report_gives_a_report_or_input_error(
    scratch: Path, real_reports: dict[str, bytes], data: st.DataObject, damages: list[tuple[str, float, Any]]
) -> None:
    name = data.draw(st.sampled_from(sorted(real_reports)))
    damaged, _ = damage(real_reports[name], damages)
    _load_bytes(scratch, name, damaged)


def _replace_somewhere(tree: Any, path: list[int], new: Any) -> Any:
    """``tree`` with the node that ``path`` picks (indices modulo each level's size) replaced."""
    if not path or not isinstance(tree, (dict, list)) or not tree:
        return new
    if isinstance(tree, dict):
        key = sorted(tree)[path[0] % len(tree)]
        return {**tree, key: _replace_somewhere(tree[key], path[1:], new)}
    index = path[0] % len(tree)
    return [*tree[:index], _replace_somewhere(tree[index], path[1:], new), *tree[index + 1 :]]


@pytest.mark.torch
@FUZZ
@given(
    data=st.data(),
    where=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8),
    new=_JSON,
)
def test_real_report_with_a_part_of_the_wrong_shape_gives_a_report_or_input_error(
    scratch: Path, real_reports: dict[str, bytes], data: st.DataObject, where: list[int], new: Any
) -> None:
    name = data.draw(st.sampled_from(sorted(n for n in real_reports if n.endswith(".json"))))
    tree = _replace_somewhere(json.loads(real_reports[name]), where, new)
    tree["schema_version"] = 1
    as_yaml = yaml.safe_dump(tree, allow_unicode=False).encode()
    _load_bytes(scratch, "shaped.json", json.dumps(tree).encode())
    _load_bytes(scratch, "shaped.yaml", as_yaml)


def test_fuzz_helpers_find_the_record_before_the_damage() -> None:
    log = b"V1 a\n\tp\n\tq\nV2 b\n\nV3 c\n"
    find: Callable[[int], int] = lambda offset: _record_start_before(log, offset)  # noqa: E731
    assert find(0) == 0
    assert find(log.index(b"V2")) == 0  # damage at a record's start may reach the one before
    assert find(log.index(b"V2") + 1) == log.index(b"V2")
    assert find(log.index(b"V3") + 2) == log.index(b"V3")
    assert damage(log, [("duplicate_line", 0.25, 1)])[0] == b"V1 a\n\tp\n\tp\n\tq\nV2 b\n\nV3 c\n"


# The report files are written and read by event-level code of dynotrace's own (for speed,
# see ``_yaml_events`` and ``_compose_yaml``); it must agree with PyYAML's safe_dump and
# safe_load on any plain data, and refuse exactly what it documents refusing.

_YAML_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["yes", "No", "~", "null", "", "0o17", "012", "0x1F", "1_000", "1:20", ".inf", "-.NaN",
                     "2024-01-02", "<<", "=", "!x", "&a", "*a", "- x", "a: b", "#c", "'q'", " lead", "trail ",
                     "multi\nline", "tab\tx", "é", "1e3", "+1", "-0", "0.", "True"]),
)
_PLAIN = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _YAML_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_YAML_TEXT, inner, max_size=4)),
    max_leaves=30,
)


def _libyaml_text(data: dict[str, Any]) -> str:
    """``data`` as libyaml's emitter writes it with the options dynotrace's writer uses
    (the pure-Python emitter lays out a few keys, such as an empty string, differently)."""
    from dynotrace.files.documents import YAML_WIDTH

    class NoAliases(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(data, Dumper=NoAliases, sort_keys=False, allow_unicode=True, width=YAML_WIDTH)  # type: ignore[no-any-return]


@given(data=st.dictionaries(_YAML_TEXT, _PLAIN, max_size=6))
@FUZZ
def test_yaml_writer_writes_what_safe_dump_writes(data: dict[str, Any]) -> None:
    from dynotrace.files.documents import _serialise

    assert _serialise(data, "yaml") == _libyaml_text(data)


# ``yaml_writer`` writes reports without PyYAML when they are ASCII (all of them, in
# practice); on ASCII data with printable keys it must never hand over to libyaml, and must
# lay out exactly libyaml's text: quoting, escapes, several-line single-quoted text at any
# depth.
_ASCII = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=20),
    st.text(alphabet=st.sampled_from("ab '\n\"#:-?\t\\"), max_size=16),
    _YAML_TEXT.filter(str.isascii),
)
_ASCII_KEY = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.sampled_from(["", "yes", "1", "a: b", " x", "-", "? x", "#", "'q'", "a" * 128]),
)
_ASCII_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _ASCII),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_ASCII_KEY, inner, max_size=4)),
    max_leaves=30,
)


@given(data=st.dictionaries(_ASCII_KEY, _ASCII_DATA, min_size=1, max_size=6))
@FUZZ
@example(data={"a": "x\n\ny", "b": ["\n", "x\n", "\nx", "'\n'"], "c": [[{"d": "e\nf", "g": ["h\n\n\ni"]}]]})
@example(data={"a": "x\n y", "b": "tab\there", "c": "\x7f\x00\x1b", "d": 'q"\\', "e": [1e17, -0.0, float("inf")]})
@example(data={"a": ["- x", "? x", ": x", "a: b", "a:", "a #b", "a#b", "---", "...x", "%x", "@x", "`x", "-x"]})
def test_fast_yaml_writer_writes_what_libyaml_writes(data: dict[str, Any]) -> None:
    from dynotrace.files import yaml_writer

    text = yaml_writer.write(data)
    assert text is not yaml_writer.NOT_SIMPLE, "ASCII data with printable keys was handed to libyaml"
    assert text == _libyaml_text(data)


def _typed_text() -> st.SearchStrategy[str]:
    from dynotrace.files import yaml_writer

    return st.from_regex(yaml_writer._TYPED)


@given(text=st.one_of(st.deferred(_typed_text), st.characters(max_codepoint=0x7F).flatmap(lambda c: _ASCII.map(c.__add__))))
@FUZZ
def test_text_the_writer_does_not_match_as_typed_is_no_typed_text(text: str) -> None:
    # The writer skips the pattern for one-line printable text that starts with none of
    # ``_TYPED_FIRST`` (``$`` also matches before a final line break, which such text lacks).
    from dynotrace.files import yaml_writer

    if text.isprintable() and yaml_writer._TYPED.match(text):
        assert text == "" or text[0] in yaml_writer._TYPED_FIRST, text


@given(number=st.floats(allow_nan=False, allow_infinity=False))
@FUZZ
@example(number=1e16)
@example(number=-1e-7)
@example(number=5e-324)
def test_a_finite_float_is_written_as_text_yaml_reads_as_a_float(number: float) -> None:
    from dynotrace.files import yaml_writer

    text = yaml_writer._float(number)
    assert yaml_writer._TYPED.match(text), text
    assert yaml.safe_load(text) == number


def test_writing_a_yaml_report_does_not_import_pyyaml(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from dynotrace.api import read_trace_report\n"
        "from dynotrace.api import save as write_report\n"
        f"write_report(read_trace_report({str(FIXTURE_LOG)!r}), {str(tmp_path / 'r.yaml')!r})\n"
        "assert 'yaml' not in sys.modules, 'writing the report imported PyYAML'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    written = (tmp_path / "r.yaml").read_text()
    assert written == _libyaml_text(yaml.safe_load(written))


@given(text=st.one_of(_PLAIN.map(lambda d: yaml.safe_dump(d, default_flow_style=None)), st.text(max_size=200)))
@FUZZ
@example(text="a: !!int '7'\nb: !!binary aGk=\nc: 2024-01-02\nd: [012, 0x1F, .inf]\n")
@example(text="- &x 1\n- 2\n")
def test_yaml_reader_reads_what_safe_load_reads(text: str) -> None:
    from dynotrace.files.documents import _compose_yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser, as dynotrace's
    try:
        expected: Any = ("value", yaml.load(text, Loader=loader))
    except yaml.YAMLError:
        expected = ("refused",)
    try:
        got: Any = ("value", _compose_yaml(text, loader, "t"))
    except (yaml.YAMLError, InputError):
        got = ("refused",)
    if expected[0] == "value" and got[0] == "refused":
        # Refused on purpose: aliases, merge keys and ``=`` keys never occur in a report.
        assert re.search(r"(^|[\s\[{,:-])[*]|<<|(^|[\s\[{,?])=", text), text
    else:
        assert got == expected or _both_nan(got, expected), text


def _both_nan(a: Any, b: Any) -> bool:
    return repr(a) == repr(b) and "nan" in repr(a)


# Reports are read by ``simple_yaml`` where their text is in the part of YAML dynotrace
# writes, and by libyaml otherwise; whatever the fast reader returns must be what libyaml
# reads, for the writer's own output and for any other text.

def _libyaml(text: str) -> Any:
    try:
        return ("value", yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError:
        return ("refused",)


def _simple(text: str, encoded: bytes | None = None) -> Any:
    from dynotrace.files import simple_yaml
    from dynotrace.files.documents import _read_simple_yaml

    data = _read_simple_yaml(text, encoded=encoded)
    return None if data is simple_yaml.NOT_SIMPLE else ("value", data)


_WORD = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_MULTILINE = st.text(alphabet=st.sampled_from("ab '\n\"#:-é"), max_size=16)
_REPORTISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _YAML_TEXT, _MULTILINE),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_WORD, inner, max_size=4)),
    max_leaves=30,
)


@given(data=st.dictionaries(_WORD, _REPORTISH, min_size=1, max_size=6))
@FUZZ
@example(data={"a": "x\n\ny", "b": ["\n", "'\n'", " \n", "a\n b"], "c": [[["d"]], {}], "yes_": "no"})
@example(data={"no": None})  # a key the writer quotes: the fast reader gives up
def test_fast_yaml_reader_reads_the_writers_text_as_libyaml_does(data: dict[str, Any]) -> None:
    from dynotrace.files.documents import _serialise

    text = _serialise(data, "yaml")
    got, expected = _simple(text), _libyaml(text)
    assert expected == ("value", data) or _both_nan(expected, ("value", data)), text
    if got is not None:  # None: gave up, and libyaml reads it
        assert got == expected or _both_nan(got, expected), text
    if not re.search(r"^ *(- )*['\"]?(yes|no|on|off|true|false|null|y|n)['\"]?:", text, re.M | re.I):
        assert got is not None, f"the fast reader gave up on the writer's own text:\n{text}"


# Guard lists are read whole, by one regular expression per guard (``simple_yaml``'s
# ``_guard_lists``), where the writer laid them out; the values must be what libyaml reads
# and what the reader's line-by-line reading gives.

_GUARD_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _YAML_TEXT, _MULTILINE,
    st.sampled_from(["TENSOR_MATCH", "L['x']", "x: y", "a #b", "{}", "[]", "'", "check_tensor(L['x'], size=[2, 3])"]),
)
_LOCATION = st.one_of(
    st.none(),
    st.fixed_dictionaries({"file": _GUARD_VALUE, "line": _GUARD_VALUE, "function": _GUARD_VALUE, "code": _GUARD_VALUE}),
    _GUARD_VALUE,
)
_GUARD = st.fixed_dictionaries({"kind": _GUARD_VALUE, "check": _GUARD_VALUE, "source": _GUARD_VALUE, "location": _LOCATION})
_ODD_GUARD = st.one_of(_GUARD, st.dictionaries(_WORD, _GUARD_VALUE, max_size=5), _GUARD_VALUE)


def _line_by_line(text: str) -> Any:
    from dynotrace.files import simple_yaml

    held = simple_yaml._guard_lists
    simple_yaml._guard_lists = lambda text, *rest: (text, [])  # type: ignore[assignment]
    try:
        return _simple(text)
    finally:
        simple_yaml._guard_lists = held


@given(
    guards=st.lists(_GUARD, max_size=6),
    others=st.lists(_ODD_GUARD, max_size=3),
    after=st.one_of(st.none(), _GUARD_VALUE, st.lists(_GUARD_VALUE, max_size=2)),
)
@FUZZ
@example(guards=[{"kind": "K", "check": "c", "source": None, "location": {"file": "f.py", "line": 3, "function": "f", "code": "x"}}],
         others=[], after=None)
@example(guards=[{"kind": "K", "check": "c", "source": "s", "location": None}], others=[{"kind": "K"}], after="x")
def test_guard_lists_read_whole_are_what_libyaml_reads(guards: list[Any], others: list[Any], after: Any) -> None:
    from dynotrace.files.documents import _serialise

    data = {
        "functions": [{"name": "f", "compiles": [{"compile_id": "0/0", "guards": guards, "after": after}]}],
        "guards": guards + others,
        "nested": {"guards": guards, "deeper": [{"guards": guards}]},
    }
    text = _serialise(data, "yaml")
    got, expected, slow = _simple(text), _libyaml(text), _line_by_line(text)
    assert expected == ("value", data) or _both_nan(expected, ("value", data)), text
    assert got == slow or _both_nan(got, slow), text  # the same as line by line, gave up alike
    if got is not None:
        assert got == expected or _both_nan(got, expected), text


class _Made:
    """A guard made into an object by ``_read_simple_yaml``'s ``make_guards`` (the test's)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _unmade(data: Any) -> Any:
    if isinstance(data, _Made):
        return _unmade(data.value)
    if isinstance(data, dict):
        return {k: _unmade(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_unmade(v) for v in data]
    return data


def _made_in(data: Any) -> list[_Made]:
    if isinstance(data, _Made):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    return [m for v in values for m in _made_in(v)]


@given(
    guards=st.lists(_GUARD, max_size=6),
    others=st.lists(_ODD_GUARD, max_size=3),
    after=st.one_of(st.none(), _GUARD_VALUE, st.lists(_GUARD_VALUE, max_size=2)),
)
@FUZZ
def test_guards_made_as_they_are_read_are_the_guards_read(guards: list[Any], others: list[Any], after: Any) -> None:
    """With ``make_guards`` (``dynotrace diff``'s reading of large reports), each guard of
    a list in the writer's layout is what ``make_guards`` made of the guard read as plain
    data; with a ``memo`` shared by two readings, the second's guards are the objects made
    in the first; a ``make_guards`` that refuses (``ValueError``) leaves the plain data."""
    from dynotrace.files import simple_yaml
    from dynotrace.files.documents import _read_simple_yaml, _serialise

    data = {
        "functions": [{"name": "f", "compiles": [{"compile_id": "0/0", "guards": guards, "after": after}]}],
        "guards": guards + others,
        "nested": {"guards": guards, "deeper": [{"guards": guards}]},
    }
    text = _serialise(data, "yaml")
    plain = _read_simple_yaml(text)

    def make(items: list[dict[str, Any]]) -> list[Any]:
        return [_Made(item) for item in items]

    def refuse(items: list[dict[str, Any]]) -> list[Any]:
        raise ValueError

    memo: dict[str, Any] = {}
    first = _read_simple_yaml(text, make, memo)
    if plain is simple_yaml.NOT_SIMPLE:
        assert first is simple_yaml.NOT_SIMPLE
        return
    assert _unmade(first) == plain or _both_nan(("value", _unmade(first)), ("value", plain))
    made = _made_in(first)
    assert all(type(m.value) is dict for m in made)
    second = _read_simple_yaml(text, make, memo)
    assert _unmade(second) == _unmade(first) or _both_nan(("value", _unmade(second)), ("value", _unmade(first)))
    assert [id(m) for m in _made_in(second)] == [id(m) for m in made]  # looked up, not made again
    refused = _read_simple_yaml(text, refuse, {})
    assert refused == plain or _both_nan(("value", refused), ("value", plain))


@given(text=st.lists(st.sampled_from(["guards:\n", "shape_guards:\n", "guards: x\n", " ", "\n", "- ", "a", "guards"]), max_size=30).map("".join))
@FUZZ
def test_guard_list_keys_are_found_where_the_pattern_finds_them(text: str) -> None:
    from dynotrace.files import simple_yaml

    expected = [(m.start(), len(m[1])) for m in re.finditer(r"^( *)guards:\n", text, re.M)]
    assert list(simple_yaml._guards_keys(text)) == expected


def test_guard_lists_of_the_writers_layout_are_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from dynotrace.files import simple_yaml
    from dynotrace.files.documents import _read_simple_yaml, _serialise

    guards = [
        {"kind": "TENSOR_MATCH", "check": "check_tensor(L['x'], size=[2, 3])", "source": "L['x']", "location": None},
        {"kind": "ID_MATCH", "check": "___check_obj_id(L['f'], 1)", "source": None,
         "location": {"file": "m.py", "line": 7, "function": "forward", "code": "y = f(x)  # why: here"}},
    ]
    data = {"compiles": [{"compile_id": "0/0", "guards": guards, "n": 1}, {"compile_id": "0/1", "guards": []}]}
    found: list[Any] = []
    whole = simple_yaml._guard_lists

    def spy(text: str, *rest: Any) -> Any:
        held, lists = whole(text, *rest)
        found.append(lists)
        return held, lists

    monkeypatch.setattr(simple_yaml, "_guard_lists", spy)
    assert _read_simple_yaml(_serialise(data, "yaml")) == data
    assert found == [[guards]]
    # Made into objects as they are read, each guard once; a second reading looks them up.
    made: list[Any] = []

    def make(items: list[dict[str, Any]]) -> list[Any]:
        made.extend(_Made(item) for item in items)
        return made[-len(items) :]

    memo: dict[str, Any] = {}
    twice = {"a": data, "b": data}
    first = _read_simple_yaml(_serialise(twice, "yaml"), make, memo)
    assert len(made) == 2 and _unmade(first) == twice
    assert _made_in(first) == made * 2
    second = _read_simple_yaml(_serialise({"c": data}, "yaml"), make, memo)  # guards as indented
    assert len(made) == 2 and _made_in(second) == made


@given(
    text=st.one_of(
        _PLAIN.map(lambda d: yaml.safe_dump(d, default_flow_style=None)),
        _PLAIN.map(lambda d: yaml.safe_dump(d, width=20, allow_unicode=True)),
        _REPORTISH.map(lambda d: yaml.safe_dump({"k": d}, sort_keys=False, allow_unicode=True)),
        st.text(alphabet=st.sampled_from("ab:- '\"\n#{}[]\\x0u\t!&*|>é"), max_size=60),
        st.text(max_size=100),
    ),
    cut=st.integers(min_value=0, max_value=200),
    insert=st.sampled_from(["", " ", "\n", "- ", ": ", "'", '"', "  x: y\n", "\\", "#"]),
)
@FUZZ
@example(text="a: 'x\n\n  y'\nb: 1\n", cut=0, insert="")
@example(text="a:\n- b: 1\n  c:\n  - 2\nd: x\n", cut=0, insert="")
@example(text="a: 'x\ny'\n", cut=0, insert="")
@example(text="a: \"\\ud800\"\n", cut=0, insert="")
def test_fast_yaml_reader_returns_what_libyaml_reads_or_gives_up(text: str, cut: int, insert: str) -> None:
    text = text[:cut] + insert + text[cut:]
    got = _simple(text)
    if got is not None:
        expected = _libyaml(text)
        assert got == expected or _both_nan(got, expected), text
    if text.isascii():  # the characters checked in the file's bytes (``_load_data``), alike
        from_bytes = _simple(text, encoded=text.encode())
        assert from_bytes == got or _both_nan(from_bytes, got), text


# The reader parses envelopes with msgspec when it is installed (``pip install
# dynotrace[fast]``) and with json otherwise, and must read every log the same either way.


def _msgspec_installed() -> bool:
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return False
    return True


needs_msgspec = pytest.mark.skipif(not _msgspec_installed(), reason="msgspec is not installed (pip install dynotrace[fast])")

_JSONISH = st.lists(
    st.sampled_from(
        [b"{", b"}", b"[", b"]", b'"', b"\\", b"u", b"0", b"1", b"9", b"-", b".", b"e", b"E", b"+", b",", b":", b" ",
         b"\t", b"\n", b"\r", b"a", b"true", b"null", b"NaN", b"Infinity", b"\x00", b"\x1f", b"\x7f", b"\xc3\xa9",
         b"\xff", b"\xed\xa0\x80", b'"k"', b"d800", b"\\u", b"18446744073709551616", b"1e999", b"9" * 30]
    ),
    max_size=16,
).map(b"".join)


def _parsed(parse: Callable[[], Any]) -> str:
    try:
        return repr(parse())  # repr: NaN is not equal to itself
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__ if isinstance(exc, RecursionError) else "ValueError"


@needs_msgspec
@FUZZ
@given(text=st.one_of(_JSONISH, _envelope_line().map(lambda line: line[len(_GLOG.encode("utf-8")) :]), st.binary(max_size=64)))
@example(text=b'{"a": 18446744073709551616, "b": -9223372036854775809, "c": NaN}')
@example(text=b'"\\ud800"')
def test_msgspec_reads_an_envelope_as_json_does(text: bytes) -> None:
    from dynotrace.capture.tracelog import fast_loads, loads_envelope

    fast = fast_loads()
    assert fast is not None
    assert _parsed(lambda: loads_envelope(text, fast)) == _parsed(lambda: json.loads(text))


@needs_msgspec
@FUZZ
@given(data=st.lists(_LINE, max_size=12).map(b"\n".join))
def test_arbitrary_logs_read_the_same_with_msgspec(scratch: Path, data: bytes, monkeypatch_module: Any) -> None:
    import dynotrace.capture.tracelog as tracelog

    def read(fast_from: int) -> str:
        monkeypatch_module.setattr(tracelog, "FAST_JSON_FROM", fast_from)
        try:
            return repr(read_bytes_as_trace(scratch, data))
        except InputError as exc:
            return f"InputError: {exc}"

    assert read(0) == read(1 << 62)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as m:
        yield m


# The fold's text rewriting and guard-tree parsing were made faster without changing what
# they give: the earlier forms are kept here as the reference.

_OLD_PACKAGE_PATH = re.compile(r"(?:[A-Za-z]:)?[^\s'\"`(]*[\\/](?:site|dist)-packages[\\/]")
_PATH_TEXT = st.lists(
    st.sampled_from(
        ["/", "\\", "site-packages", "dist-packages", "-packages", "site", "C:", "a", " ", "'", '"', "`", "(", "\n",
         "x/y", "é", "\t", ":", "/site-packages/", "0x", "0x1234abcd", "_", "_c", "1", "123456789", "_c0",
         "___check_obj_id(", "___check_type_id(", ", ", "1234567", ")", "G['_", "']", "/home/u/proj/"]
    ),
    max_size=24,
).map("".join)


def _old_text(base: str, text: str) -> str:
    from dynotrace.analysis.fold import _ADDRESS, _ID_GLOBAL, _OBJ_ID

    text = text.replace(base.rstrip(os.sep) + os.sep, "")
    text = _ADDRESS.sub("0x…", text)
    if "_c" in text:
        text = _ID_GLOBAL.sub("_<id>", text)
    if "-packages" in text:
        text = _OLD_PACKAGE_PATH.sub("<site-packages>/", text)
    return _OBJ_ID.sub(r"\1<id>\2", text)


@FUZZ
@given(text=_PATH_TEXT)
@example(text="x /usr/lib/python3.11/site-packages/torch/a.py and C:\\py\\site-packages\\b\\site-packages\\c")
@example(text="G['_139798916826512_c0'] ___check_obj_id(L['x'], 140234567) at 0x7f00deadbeef")
def test_path_style_text_is_what_it_was(text: str) -> None:
    from dynotrace.analysis.fold import _PACKAGE_PATH, PathStyle

    assert _PACKAGE_PATH.sub("<S>/", text) == _OLD_PACKAGE_PATH.sub("<S>/", text)
    assert PathStyle("/home/u/proj").text(text) == _old_text("/home/u/proj", text)


@pytest.fixture(scope="module")
def guard_trees(scratch: Path) -> list[str]:
    """The guard trees of the real logs, and of a torch 2.13 log."""
    trees = []
    for name, data in REAL_LOGS.items():
        events, _ = read_bytes_as_trace(scratch, data)
        trees += [e.payload for e in events if e.kind == "dynamo_cpp_guards_str" and e.payload]
    assert len(trees) >= 4
    return trees


@FUZZ
@given(picks=st.lists(st.tuples(st.integers(min_value=0), st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(
    ["", "| ", "+- ", "| | +- GuardManager: source=L['z'], accessed_by=X", "+- LAMBDA_GUARD: x  # a  # f.py:3 in g", "junk"]
))))))
def test_guard_trees_parse_the_same_with_the_lines_of_earlier_trees_remembered(
    guard_trees: list[str], picks: list[tuple[int, list[tuple[int, str]]]]
) -> None:
    """One parser for many trees, as the fold uses it, gives what a fresh parse of each
    gives, whatever trees came before; damaged lines included."""
    from dynotrace.analysis.tree import GuardTreeParser, parse_guard_tree

    def resolve(file: str) -> str:
        return "<" + file + ">"

    shared = GuardTreeParser(resolve)
    for index, edits in picks or [(i, []) for i in range(len(guard_trees))]:
        lines = guard_trees[index % len(guard_trees)].split("\n")
        for at, text in edits:
            lines.insert(at % (len(lines) + 1), text)
        tree = "\n".join(lines)
        expected = _parse_guard_tree_as_before(tree, resolve)
        assert shared.parse(tree) == parse_guard_tree(tree, resolve) == expected


# Lines that meet what ``PathStyle.guard_tree`` reads line by line only when the whole tree
# allows it: Dynamo's globals named after ids, ``___stack`` names, a type not closed on its
# line, characters ``splitlines`` splits at but ``"\n"`` is not, and every other rewrite.
_TREE_LINES = [
    "", "| ", "+- ", "\r", "a\rb", "\x1c+- LAMBDA_GUARD: y", "junk",
    "| +- LAMBDA_GUARD: G['__optimizer_139858320911440_139858275782384_c7']() is not None",
    "| | +- ID_MATCH: ___check_obj_id(G['_139798916826512_c0'], 140234567)  # a  # f.py:3 in g",
    "| +- LAMBDA_GUARD: G['x_139858320911440_2'] == 1",
    "+- LAMBDA_GUARD: ___stack0 == 3  # y = f(x)  # torch_dynamo_resume_in_f_at_3.py:4 in torch_dynamo_resume_in_f_at_3",
    "| +- GuardManager: source=L['a'], accessed_by=X, type=<class 'torch.\nTensor'>, tag_safe=(True, False)",
    "| +- GuardManager: source=L['c'], accessed_by=X, type=<class 'torch.",
    "| +- GuardManager: source=L['b'], accessed_by=X, type=<class 'int'>, tag_safe=(True, False)",
    "| | +- TYPE_MATCH: x at 0x7f00deadbeef  # y  # /home/u/proj/m.py:3 in g",
    "| | +- TYPE_MATCH: x  # y  # /home/u\nproj/m.py:3 in g",
    "| | +- LAMBDA_GUARD: L['p'] == '/usr/lib/python3.11/site-packages/t/a.py'  # y  # proj/m.py:3 in g",
]


@FUZZ
@given(
    picks=st.lists(st.tuples(st.integers(min_value=0), st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(_TREE_LINES)))), max_size=6),
    resume_line=st.sampled_from([None, 7]),
    base=st.sampled_from(["/home/u/proj", None, "/home/u\nproj"]),
)
def test_guard_trees_read_line_by_line_as_whole(
    guard_trees: list[str], picks: list[tuple[int, list[tuple[int, str]]]], resume_line: int | None, base: str | None
) -> None:
    """``PathStyle.guard_tree``, which reads a tree line by line, remembering lines across
    trees, gives what reading each whole tree gives: its text without paths and ids, its
    resumed values, its guards and its types."""
    from dynotrace.analysis.fold import PathStyle, resumed_values
    from dynotrace.analysis.tree import guarded_types, parse_guard_tree

    shared = PathStyle(base, known_files={"/home/u/proj/m.py"})
    fresh = PathStyle(base, known_files={"/home/u/proj/m.py"})
    for index, edits in picks or [(i, []) for i in range(len(guard_trees))]:
        lines = guard_trees[index % len(guard_trees)].split("\n")
        for at, text in edits:
            lines.insert(at % (len(lines) + 1), text)
        tree = "\n".join(lines)
        expected = parse_guard_tree(resumed_values(fresh.text(tree), resume_line), fresh.resolve), guarded_types(tree)
        assert shared.guard_tree(tree, resume_line) == expected


@FUZZ
@given(reasons=st.lists(st.text(max_size=20)))
def test_canonical_reasons_handed_over_are_what_their_payload_reads(reasons: list[str]) -> None:
    """The fold takes a canonical ``recompile_reasons`` payload's reasons from
    ``canonical_events`` instead of reading its JSON again: the same list."""
    from dynotrace.releases import canonical_events, reason_list

    event = TraceEvent("artifact", {"name": "recompile_reasons"}, 0, 1, 0, json.dumps(reasons))
    lists: dict[str, list[str]] = {}
    (canonical,) = canonical_events([event], lists)
    assert canonical_events([event]) == [canonical]
    assert canonical.payload is not None and lists[canonical.payload] == reason_list(canonical.payload)


@FUZZ
@given(text=st.lists(st.sampled_from([*"_0123456789a\n", "123456789", "_1234567890_"]), max_size=30).map("".join))
def test_global_ids_found_where_they_are_taken_out(text: str) -> None:
    """``PathStyle.guard_tree`` asks whether a line holds an id ``text`` takes out of a
    global's name with a pattern that finds one faster: the same answer."""
    from dynotrace.analysis.fold import _DYNAMO_GLOBAL_ID, _GLOBAL_ID_FOUND

    assert (_GLOBAL_ID_FOUND.search(text) is None) == (_DYNAMO_GLOBAL_ID.search(text) is None)


def _parse_guard_tree_as_before(text: str, resolve: Callable[[str], str]) -> tuple[Any, ...]:
    """``parse_guard_tree`` as it was before it remembered lines."""
    from dynotrace.analysis.tree import _LEAF, _LINE, _MANAGER_SOURCE, _location, _split_leaf, guarded_source
    from dynotrace.model import Guard

    guards = []
    sources: dict[int, str | None] = {}
    for raw in text.splitlines():
        m = _LINE.match(raw)
        if m is None:
            continue
        depth = len(m["indent"]) // 2
        body = m["body"]
        if "GuardManager" in body.split(":", 1)[0]:
            sm = _MANAGER_SOURCE.search(body)
            sources[depth] = sm["source"] if sm else None
            continue
        leaf = _LEAF.match(body)
        if leaf is None:
            continue
        check, comment = _split_leaf(leaf["rest"])
        source = None
        for d in range(depth - 1, -1, -1):
            if sources.get(d):
                source = sources[d]
                break
        if source is None:
            source = guarded_source(check)
        guards.append(Guard(leaf["kind"], check, source, _location(comment, resolve)))
    return tuple(guards)


# A JSON report is written by msgspec when it is installed: the text ``json.dumps(data,
# indent=2, ensure_ascii=False)`` writes, whatever the data (floats of any size, keys that
# are not text, tuples, control characters, text beyond the BMP); what msgspec cannot write
# as ``json`` does (NaN, lone surrogates, keys or values of other types) is left to ``json``.
_JSON_KEY = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False))
_JSONABLE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12), _YAML_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple), st.dictionaries(_JSON_KEY, inner, max_size=4)
    ),
    max_leaves=30,
)


@needs_msgspec
@given(data=st.dictionaries(_JSON_KEY, _JSONABLE, max_size=6))
@FUZZ
@example(data={"tiny": 1.5e-07, "huge": 1e16, 2.5e-05: [-0.0, 1e300], True: None, "nan": float("nan")})
def test_json_written_by_msgspec_is_what_json_writes(data: dict[Any, Any]) -> None:
    from dynotrace.files.documents import _json_by_msgspec, serialise

    text = _json_by_msgspec(data, None)
    expected = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if text is not None:
        assert text == expected
    assert serialise(data, "json") == expected


@needs_msgspec
def test_json_of_floats_keys_and_tuples_is_written_by_msgspec() -> None:
    # The property test above passes whether or not msgspec writes anything; here it must:
    # exponents json spells its own way, keys that are not text, tuples, text beyond ASCII.
    from dynotrace.files.documents import _json_by_msgspec

    data = {"tiny": 1.5e-07, "huge": 1e16, 2: [(1, 2.5), "é\x1f\u2028"], 0.5: {"none": None, "t": True}}
    assert _json_by_msgspec(data, None) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert _json_by_msgspec({"nan": float("nan")}, None) is None  # json writes NaN, msgspec cannot


# ``PathStyle.text`` folds site-packages paths line by line (a match never spans a line):
# the same text as the pattern over the whole text. The alphabet holds nothing else
# ``text`` rewrites (no ``0x``, ``_c``, ``___check_`` or ``G['__``).
@given(text=st.lists(st.sampled_from([*"ab/\\:C '\"`(\n\t", "site-packages", "dist-packages", "-packages"]), max_size=40).map("".join))
@FUZZ
def test_site_packages_folded_line_by_line_as_over_the_whole_text(text: str) -> None:
    from dynotrace.analysis.fold import _PACKAGE_PATH, PathStyle

    assert PathStyle(None).text(text) == _PACKAGE_PATH.sub("<site-packages>/", text)


# The terminal diff prints its parts in batches, and without their styles on a console that
# writes none: the same text as rich printing each styled part on its own. The pieces are
# what rich's wrapping treats apart: spaces (trailing ones too), tabs, newlines, wide and
# zero-width characters, joiners, a word longer than most widths, markup-like text.
_PRINTED_PIECES = [*"ab \t\n", "   ", "é", "中文字", "\u0301", "\u200d", "\ufe0f", "😀", "\x1b", "[bold]x[/]", "x" * 30]
_PART = st.one_of(
    st.lists(
        st.tuples(st.lists(st.sampled_from(_PRINTED_PIECES), max_size=8).map("".join), st.sampled_from(["", "bold", "red", "dim cyan"])),
        max_size=6,
    ),
    st.sampled_from(["", "a title", "中文"]).map(lambda title: ("rule", title)),
)


@given(parts=st.lists(_PART, max_size=40), width=st.integers(1, 100), color=st.sampled_from([None, False, True]))
@FUZZ
def test_the_terminal_diff_prints_what_rich_prints_part_by_part(parts: list[Any], width: int, color: bool | None) -> None:
    import io

    from rich.rule import Rule
    from rich.text import Text

    from dynotrace.renderers.console import make_console
    from dynotrace.renderers.terminal_diff import _print

    def renderables() -> Any:
        for part in parts:
            if isinstance(part, tuple):
                yield Rule(part[1], style="dim")
                continue
            text = Text(style="green")
            for piece, style in part:
                text.append(piece, style=style or None)
            yield text

    def part_by_part(out: io.StringIO) -> None:
        console = make_console(out, width=width, color=color)
        for renderable in renderables():
            console.print(renderable)

    def outcome(write: Callable[[io.StringIO], None]) -> str:
        # rich 15 fails on some zero-width joiners before wide characters when a line is cut
        # (ZeroDivisionError, IndexError): failing alike is the same outcome.
        out = io.StringIO()
        try:
            write(out)
        except Exception as exc:
            return repr(exc)
        return out.getvalue()

    expected = outcome(part_by_part)
    assert outcome(lambda out: _print(make_console(out, width=width, color=color), renderables())) == expected
