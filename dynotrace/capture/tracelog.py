"""Read ``TORCH_TRACE`` logs offline into the same events the live listener produces.

``TORCH_TRACE=dir python script.py`` makes torch write every structured trace record as
one line ``<glog prefix>] <json envelope>``, followed, when the record has a payload, by
the payload's lines, each behind one tab (``TorchLogsFormatter(trace=True)`` in
``torch/_logging/_internal.py``). The envelope's ``has_payload`` is the md5 of the
payload's UTF-8 text, so the payload is the tab-less lines joined with ``"\\n"`` (no
trailing newline). ``read_trace`` turns each record into ``make_event(envelope, payload,
line)``, exactly what the live listener builds from the same record.

Damage is counted in ``ReadStats``, never fatal unless ``strict``: an unparsable line
is skipped, a payload that fails its checksum (or was cut off) leaves its event with
``payload=None``, so a truncated or edited log loses only the damaged record's payload.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dynotrace.events import CONTEXT_KEYS, TraceEvent, event_kind, make_event, wants_payload
from dynotrace.errors import InputError

#: Every event kind torch 2.13 emits through ``trace_structured`` / ``dtrace_structured``
#: (found by scanning torch's sources for those calls). Kinds built at run time, like
#: ``aot_saved_tensors_hooks_pack <name>``, are not listed and count as unknown.
KNOWN_KINDS: frozenset[str] = frozenset(
    {
        "aot_backward_graph",
        "aot_backward_graph_pre_assert_saved_tensors_hooks",
        "aot_backward_graph_pre_saved_tensors_hooks",
        "aot_forward_graph",
        "aot_forward_graph_pre_assert_saved_tensors_hooks",
        "aot_forward_graph_pre_saved_tensors_hooks",
        "aot_inference_graph",
        "aot_joint_graph",
        "artifact",
        "bwd_compilation_metrics",
        "bwd_compilation_metrics_runtime",
        "chromium_event",
        "compilation_metrics",
        "compilation_metrics_runtime",
        "compiled_autograd_graph",
        "create_symbol",
        "create_unbacked_symbol",
        "describe_source",
        "describe_storage",
        "describe_tensor",
        "dump_file",
        "dynamo_cpp_guards_str",
        "dynamo_guards",
        "dynamo_output_graph",
        "dynamo_start",
        "export",
        "exported_program",
        "expression_created",
        "graph_dump",
        "guard_added",
        "guard_added_fast",
        "guard_on_data_dependent_error",
        "inductor_output_code",
        "inductor_post_grad_graph",
        "link",
        "mismatched_fake_kernel",
        "missing_fake_kernel",
        "optimize_ddp_split_child",
        "optimize_ddp_split_graph",
        "propagate_real_tensors",
        "propagate_real_tensors_provenance",
        "str",
        "symbolic_shape_specialization",
    }
)

#: How many problem descriptions ``ReadStats.problems`` keeps; the counters count all.
MAX_PROBLEMS = 20

_CHUNK = 1 << 22
# A record starts at every line that is neither a payload line (tab) nor blank.
_RECORD_START = re.compile(rb"\n(?=[^\t\n])")
_GLOG_PREFIX = re.compile(rb"(?:\[rank\d+\]:)?[VIWEC]\d{4} \d\d:\d\d:\d\d\.\d{6} \d+ .*:\d+")
_GZIP_MAGIC = b"\x1f\x8b"
# Longer than any event kind's name: how far past an envelope's opening quote its first key
# must end for the record to be skipped unparsed.
_LONGEST_KIND = 64
# The first byte of a blank line: what ``bytes.strip`` strips (a tab starts a payload line).
_BLANK = frozenset(b" \r\n\x0b\x0c")

# The envelopes are most of a log's bytes (a compile's ``compilation_metrics`` envelope is
# ~40 KB: it holds Inductor's whole config as a JSON string), and parsing them was the
# reader's largest cost: for the envelopes of the 57 MB benchmark log the standard library's
# ``json`` takes 0.25 s of CPU, msgspec 0.12 s, orjson 0.09 s. msgspec is used when it is
# installed (``pip install dynotrace[fast]``), the standard library otherwise. Not orjson:
# it reads an integer beyond 64 bits as a float (2**64 becomes 1.8446744073709552e+19),
# silently, where json and msgspec keep it exact; and orjson 3.8 crashes the interpreter on
# an envelope nested a million levels deep.
#
# json stays the judge: a text msgspec refuses (``NaN`` and infinities, a float beyond the
# double range, a lone surrogate, bytes that are not UTF-8) is handed to ``json.loads``, so
# a log reads the same with or without msgspec. The one difference: both give up on nesting
# at Python's recursion limit, json 3 levels earlier (its own Python frames count against
# the limit), so an envelope nested ~995 levels deep is read by msgspec and refused by json.
# torch writes envelopes a few levels deep.

#: Logs whose first chunk is at least this long are parsed by msgspec, when it is
#: installed; shorter ones by json alone, for which importing msgspec (~13 ms) costs more
#: than it saves.
FAST_JSON_FROM = _CHUNK

_UNSET: Any = object()
_fast: Any = _UNSET


def fast_loads() -> Callable[[bytes], Any] | None:
    """msgspec's JSON decoder, imported on first use; ``None`` when msgspec is not installed."""
    global _fast
    if _fast is _UNSET:
        try:
            import msgspec
        except ImportError:
            _fast = None
        else:
            _fast = msgspec.json.Decoder().decode
    return _fast


def loads_envelope(text: bytes, fast: Callable[[bytes], Any] | None = None) -> Any:
    """``json.loads(text)``, by ``fast`` when it can; raises what ``json.loads`` raises."""
    if fast is not None:
        try:
            return fast(text)
        except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
            pass
    return json.loads(text)


@dataclass
class ReadStats:
    """What reading a trace found besides its events. Damage is counted, not raised."""

    events: int = 0
    #: Lines that are not a record: no glog prefix, unparsable JSON, no event kind, or
    #: payload lines with no envelope that announces them.
    malformed_lines: int = 0
    #: Payloads that fail their md5 or are cut off; their events are kept without payload.
    bad_payloads: int = 0
    #: Events whose kind is not in ``known_kinds``, by kind (the events are still returned).
    unknown_kinds: dict[str, int] = field(default_factory=dict)
    #: The first ``MAX_PROBLEMS`` problems, as ``"file:line: what"``.
    problems: list[str] = field(default_factory=list)

    def merge(self, other: ReadStats) -> None:
        self.events += other.events
        self.malformed_lines += other.malformed_lines
        self.bad_payloads += other.bad_payloads
        for kind, count in other.unknown_kinds.items():
            self.unknown_kinds[kind] = self.unknown_kinds.get(kind, 0) + count
        room = MAX_PROBLEMS - len(self.problems)
        self.problems.extend(other.problems[: max(room, 0)])


def list_trace_files(path: str | os.PathLike[str]) -> list[Path]:
    """The log files ``read_trace(path)`` reads, in the order it reads them.

    A file is itself. A directory gives its ``*.log`` and ``*.log.gz`` files sorted by
    name (one per process torch wrote from: ranks, subprocesses). Raises ``InputError``
    when the path does not exist or the directory holds no log.
    """
    p = Path(path)
    if p.is_dir():
        try:
            logs = sorted(
                f for f in p.iterdir() if f.name.endswith((".log", ".log.gz")) and f.is_file()
            )
        except OSError as exc:
            raise InputError(f"Cannot list TORCH_TRACE directory '{p}': {exc.strerror}") from exc
        if not logs:
            raise InputError(f"No TORCH_TRACE log in directory '{p}'")
        return logs
    if not p.exists():
        raise InputError(f"No such TORCH_TRACE log or directory: '{p}'")
    if not p.is_file():
        raise InputError(f"'{p}' is neither a TORCH_TRACE log nor a directory of them")
    return [p]


def read_trace(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    known_kinds: frozenset[str] = KNOWN_KINDS,
    verify_all_payloads: bool = True,
    keep_kinds: frozenset[str] | None = None,
    keep_payloads: frozenset[str] = frozenset(),
) -> tuple[list[TraceEvent], ReadStats]:
    """Read a TORCH_TRACE log file or directory into events, in file order.

    Each record becomes ``make_event(envelope, payload, line)`` with ``line`` its 1-based
    envelope line in its file; ``str`` records are kept as events, not resolved. From a
    directory, the files of ``list_trace_files`` are read one after the other and their
    events concatenated: each file keeps its order, and ids repeat across files because
    each process numbers its own frames. Gzip-compressed logs are read transparently.

    Payloads the fold keeps are always checked against their md5. With
    ``verify_all_payloads`` (the default) the payloads that are dropped are checked too,
    so damage anywhere in the log is counted; turning it off reads faster. Turned off with
    ``keep_kinds`` given and not ``strict``, a record of a known kind that is not kept is
    not parsed at all: its envelope's first key (where torch writes the kind) names it, the
    record is counted (``ReadStats.events``) and skipped, damage in it unseen (on the 57 MB
    benchmark log, 16,700 of 20,557 records, 0.15 s of 0.45).

    ``keep_kinds`` returns only the events of those kinds (the fold reads a fifth of a
    log's records: ``listener.FOLD_KINDS``); the others are still read, checked and
    counted (``ReadStats.events`` counts every record), only not returned.
    ``keep_payloads`` names event kinds (or artifact names) whose payloads are kept besides
    those the fold reads (``events.wants_payload``).

    Raises ``InputError`` for a missing or unreadable path, a directory without logs, a
    binary or empty file, or a file with no trace record at all (in a directory such a
    file is skipped and noted in ``problems`` as long as another file has records). With
    ``strict``, the first damaged line raises ``InputError`` naming file and line.
    """
    stats = ReadStats()
    events: list[TraceEvent] = []
    files = list_trace_files(path)
    for file in files:
        reader = _FileReader(file, strict, known_kinds, verify_all_payloads, keep_kinds, keep_payloads)
        try:
            file_events = reader.read()
        except InputError as exc:
            if len(files) == 1 or strict:
                raise
            if len(stats.problems) < MAX_PROBLEMS:
                stats.problems.append(f"{file}: skipped: {exc}")
            continue
        events.extend(file_events)
        stats.merge(reader.stats)
    if not events:
        raise InputError(f"No trace record in TORCH_TRACE directory '{path}'")
    return events, stats


class _FileReader:
    """Reads one log file; records are split on line starts, payloads checked in bulk."""

    def __init__(
        self,
        path: Path,
        strict: bool,
        known_kinds: frozenset[str],
        verify_all: bool,
        keep_kinds: frozenset[str] | None = None,
        keep_payloads: frozenset[str] = frozenset(),
    ) -> None:
        self.path = path
        self.keep_payloads = keep_payloads
        self.strict = strict
        self.known_kinds = known_kinds
        self.verify_all = verify_all
        self.keep_kinds = keep_kinds
        self.stats = ReadStats()
        self.events: list[TraceEvent] = []
        #: Every record read, kept or not.
        self.records = 0
        #: Why the compressed stream ended before its end, once it has.
        self._cut_short = ""
        #: The envelope parser besides json (``fast_loads``), chosen by the log's size.
        self._fast: Callable[[bytes], Any] | None = None
        #: The line of ``_counted`` in the buffer being read (``_line_at``).
        self._line = 1
        self._counted = 0
        #: The kinds (as the envelope spells them) whose records are counted and skipped
        #: unparsed: known kinds not kept, when damage need not be found in every record.
        self._unread: frozenset[bytes] = (
            frozenset(
                kind.encode()
                for kind in known_kinds - keep_kinds - CONTEXT_KEYS
                if kind.isidentifier() and len(kind) < _LONGEST_KIND
            )
            if keep_kinds is not None and not verify_all and not strict
            else frozenset()
        )

    def read(self) -> list[TraceEvent]:
        try:
            with open(self.path, "rb") as raw:
                if raw.read(2) == _GZIP_MAGIC:
                    raw.seek(0)
                    with gzip.open(raw) as unzipped:
                        self._read_stream(unzipped)
                else:
                    raw.seek(0)
                    self._read_stream(raw)
        except OSError as exc:
            # gzip.BadGzipFile is an OSError too.
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise InputError(f"Cannot read TORCH_TRACE log '{self.path}': {reason}") from exc
        if not self.records:
            if self._cut_short:
                raise InputError(f"Cannot read TORCH_TRACE log '{self.path}': {self._cut_short}")
            if self.stats.malformed_lines == 0:
                raise InputError(f"TORCH_TRACE log '{self.path}' is empty")
            raise InputError(f"'{self.path}' is not a TORCH_TRACE log: no trace record in it")
        self.stats.events = self.records
        return self.events

    def _read_stream(self, stream: io.BufferedReader | gzip.GzipFile) -> None:
        buf = self._read_chunk(stream, 1)
        if b"\x00" in buf[:65536]:
            raise InputError(f"'{self.path}' is a binary file, not a TORCH_TRACE log")
        if len(buf) >= FAST_JSON_FROM:
            self._fast = fast_loads()
        record = self._record
        pos = scan = 0
        eof = not buf
        while True:
            # Every record that ends in this buffer, in one pass of the pattern; the last
            # one's end is not known until the next record starts (or the log ends).
            for match in _RECORD_START.finditer(buf, scan):
                end = match.start()
                record(buf, pos, end, False)
                pos = end + 1
            if eof:
                break
            chunk = self._read_chunk(stream, self._line_at(buf, pos))
            if not chunk:
                eof = True
                scan = len(buf)
                continue
            # Resume the search at the last byte kept: a record may span many chunks.
            self._counted = 0  # counted up to pos, which becomes 0
            buf = buf[pos:] + chunk
            scan = max(len(buf) - len(chunk) - 1, 0)
            pos = 0
        end = len(buf)
        if pos < end:
            # The writer ends every record with a newline; a last line without one was cut.
            complete = buf.endswith(b"\n")
            self._record(buf, pos, end - 1 if complete else end, truncated=not complete)

    def _line_at(self, buf: bytes, start: int) -> int:
        """The 1-based line of the file at ``buf[start]``, counted on from the last one asked
        for (only the records that need a line number count their newlines)."""
        self._line += buf.count(b"\n", self._counted, start)
        self._counted = start
        return self._line

    def _read_chunk(self, stream: io.BufferedReader | gzip.GzipFile, line: int) -> bytes:
        if self._cut_short:
            return b""
        parts: list[bytes] = []
        size = 0
        try:
            # read1, because a gzip stream cut short raises EOFError and a plain read
            # would lose everything it had decompressed before.
            while size < _CHUNK:
                part = stream.read1(_CHUNK - size)
                if not part:
                    break
                parts.append(part)
                size += len(part)
        except EOFError:
            self._cut_short = "compressed log ends early"
            self._problem(line, self._cut_short)
        except zlib.error as exc:
            # Damaged compressed data: what was decompressed before it is still good.
            self._cut_short = f"compressed log is damaged ({exc})"
            self._problem(line, self._cut_short)
        return b"".join(parts)

    def _record(self, buf: bytes, start: int, end: int, truncated: bool) -> None:
        if start >= end:
            return
        if self._unread and not truncated and self._unread_record(buf, start, end):
            self.records += 1
            return
        line = self._line_at(buf, start)
        first = buf[start]
        if first == 0x09:
            # Payload lines before any envelope: a log that starts in the middle of a record.
            self._stray_lines(buf, start, end, line)
            return
        newline = buf.find(b"\n", start, end)
        envelope_end = end if newline < 0 else newline
        body = -1 if newline < 0 else newline + 1
        if first in _BLANK and not buf[start:envelope_end].strip():
            # Blank lines are stutter of some log collectors (tlparse skips them too).
            if body >= 0:
                self._stray_lines(buf, body, end, line + 1)
            return
        metadata = self._envelope(buf, start, envelope_end, line, truncated and body < 0)
        if metadata is None:
            if body >= 0:
                self._stray_lines(buf, body, end, line + 1, report=False)
            return
        kind = event_kind(metadata)
        event_payload: str | None = None
        expected = metadata.get("has_payload")
        if expected is not None:
            keep = kind is not None and wants_payload(kind, metadata[kind], self.keep_payloads)
            has_lines = 0 <= body < end
            if has_lines and (keep or self.verify_all):
                crlf = buf[envelope_end - 1] == 0x0D
                payload = _verified_payload(buf, body, end, expected, crlf)
                if payload is None:
                    cut = "payload cut off" if truncated else "bad payload checksum"
                    self._bad_payload(line, cut)
                elif keep:
                    try:
                        event_payload = payload.decode("utf-8")
                    except UnicodeDecodeError:
                        # Its md5 matches, yet torch writes only UTF-8: not a payload torch wrote.
                        self._bad_payload(line, "payload is not UTF-8")
            elif not has_lines:
                self._bad_payload(line, "payload cut off")
        elif body >= 0:
            self._stray_lines(buf, body, end, line + 1)
        if kind is None:
            self._problem(line, "record names no event kind", malformed=True)
            return
        self.records += 1
        if kind not in self.known_kinds:
            unknown = self.stats.unknown_kinds
            unknown[kind] = unknown.get(kind, 0) + 1
        if self.keep_kinds is not None and kind not in self.keep_kinds:
            return
        event = make_event(metadata, event_payload, line, self.keep_payloads)
        assert event is not None  # it names a kind
        self.events.append(event)

    def _unread_record(self, buf: bytes, start: int, end: int) -> bool:
        """Whether ``buf[start:end]`` is a record of a kind in ``self._unread``, by the glog
        prefix and the first key of its envelope, which torch writes first: the event's
        kind (``trace_structured``: ``record[name] = metadata_fn()``, the context after)."""
        sep = buf.find(b"] {", start, end)  # where the envelope starts, as ``_envelope`` finds it
        if sep < 0 or not buf.startswith(b'"', sep + 3):
            return False
        key = sep + 4
        close = buf.find(b'": ', key, key + _LONGEST_KIND)
        return (
            close >= 0
            and buf[key:close] in self._unread
            and _GLOG_PREFIX.fullmatch(buf, start, sep) is not None
        )

    def _envelope(self, buf: bytes, start: int, end: int, line: int, truncated: bool) -> dict[str, Any] | None:
        """The JSON envelope of the line ``buf[start:end]``, or ``None`` (counted) if it has none."""
        sep = buf.find(b"] {", start, end)
        if sep < 0 or _GLOG_PREFIX.fullmatch(buf, start, sep) is None:
            self._problem(line, "no glog prefix", malformed=True)
            return None
        try:
            metadata = loads_envelope(buf[sep + 2 : end], self._fast)
        except (ValueError, RecursionError):
            what = "record cut off" if truncated else "unparsable JSON envelope"
            self._problem(line, what, malformed=True)
            return None
        if not isinstance(metadata, dict):
            self._problem(line, "JSON envelope is not an object", malformed=True)
            return None
        return metadata

    def _bad_payload(self, line: int, what: str) -> None:
        self._problem(line, what)
        self.stats.bad_payloads += 1

    def _stray_lines(
        self, buf: bytes, start: int, end: int, line: int, *, report: bool = True
    ) -> None:
        """Count payload lines no readable envelope announced; each is a malformed line."""
        count = sum(1 for text in buf[start:end].split(b"\n") if text)
        if count and report:
            self._problem(line, f"{count} payload line(s) with no envelope announcing them")
        self.stats.malformed_lines += count

    def _problem(self, line: int, what: str, *, malformed: bool = False) -> None:
        message = f"{self.path}:{line}: {what}"
        if self.strict:
            raise InputError(message)
        if malformed:
            self.stats.malformed_lines += 1
        if len(self.stats.problems) < MAX_PROBLEMS:
            self.stats.problems.append(message)


def _verified_payload(
    buf: bytes, body: int, end: int, expected: object, crlf: bool
) -> bytes | None:
    """The payload in ``buf[body:end]`` as torch hashed it, or ``None`` if it fails its md5.

    Each payload line is a tab plus one line of the payload, so dropping the first tab
    and every tab after a newline restores the payload without a Python loop per line.
    """
    plain = buf[body] == 0x09 and buf[end - 1] != 0x0A
    payload = _join_payload(buf, body, end, crlf, skip_blank_lines=not plain)
    if _md5_hex(payload) == expected:
        return payload
    # Blank lines inside a payload are never written by torch, but some log collectors
    # add them; looking for them only after a mismatch keeps the common path fast.
    if plain and buf.find(b"\n\n", body, end) >= 0:
        payload = _join_payload(buf, body, end, crlf, skip_blank_lines=True)
        if _md5_hex(payload) == expected:
            return payload
    return None


def _join_payload(
    buf: bytes, body: int, end: int, crlf: bool, *, skip_blank_lines: bool
) -> bytes:
    if skip_blank_lines:
        lines = [text for text in buf[body:end].split(b"\n") if text]
        payload = b"\n".join(text[1:] for text in lines)
    else:
        payload = buf[body + 1 : end].replace(b"\n\t", b"\n")
    if crlf:
        # Written in text mode on Windows: every newline, the payload's too, became CRLF.
        payload = payload.replace(b"\r\n", b"\n").removesuffix(b"\r")
    return payload


def _md5_hex(payload: bytes) -> str:
    return hashlib.md5(payload, usedforsecurity=False).hexdigest()
