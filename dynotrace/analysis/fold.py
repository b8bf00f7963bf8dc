"""The fold: one stream of ``TraceEvent`` in, one ``Report`` out.

Both the live listener and the TORCH_TRACE reader feed this same function, which is what
makes a live capture and the offline read of that run's log give equal reports.
"""

from __future__ import annotations

import builtins
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from dynotrace.events import ARTIFACT_KINDS, CACHE_ARTIFACTS, TraceEvent
from dynotrace.analysis.explain import explain_report
from dynotrace.analysis.graph_breaks import parse_graph_break
from dynotrace.analysis.names import user_function_name, user_names_in
from dynotrace.analysis.reasons import parse_reason
from dynotrace.analysis.tree import GuardTreeParser, guarded_source, guarded_types, line_types
from dynotrace.model import CacheLookup, Compile, CompileStatus, CompileTime, Function, Functions, GraphBreak, Guard
from dynotrace.model import GuardFailure, Location, ReadProblems
from dynotrace.model import Report, RunInfo, ShapeGuard, ShapeSymbol, Specialization, evolve, is_library_file
from dynotrace.releases import canonical_events, identify, reason_list, stack_lacks_caller

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_OBJ_ID = re.compile(r"(___check_(?:obj|type)_id\(.*?, )\d{6,}(\))")
# Globals Dynamo installs under an object's id (``G['_139798916826512_c0']``, the suffix the
# compile that installed it): different in every run and compile, never a change.
_ID_GLOBAL = re.compile(r"\b_\d{9,}_c\d+\b")
# ``\d_c\d``, which every match of ``_ID_GLOBAL`` holds, found by its literal ``_c``.
_ID_HINT = re.compile(r"_c(?<=\d_c)\d")
# An object id inside the name of a global Dynamo made (``__optimizer_<id>_<id>_c4``).
_DYNAMO_GLOBAL_ID = re.compile(r"(?<=_)\d{9,}(?=_)")
_STACK = re.compile(r"\b___stack(\d+)\b")
# What a line of a guard tree holds that ``PathStyle.guard_tree`` must read the whole tree for.
_NAMES_GLOBAL, _HOLDS_GLOBAL_ID, _NAMES_STACK, _TYPE_RUNS_ON = 1, 2, 4, 8
# Where ``_DYNAMO_GLOBAL_ID`` matches: found from its literal ``_`` (the lookbehind is tried
# at every character: 27,000 instructions a line of the benchmark log's guard trees).
_GLOBAL_ID_FOUND = re.compile(r"_\d{9,}_")
# An installed package's absolute path inside torch's own texts (a graph break's explanation).
# A match starts where a run of path characters starts (the lookbehind): the pattern alone
# would give the same matches, but tries every position of a run, each time scanning to its
# end, which is quadratic in the run's length.
_PACKAGE_PATH = re.compile(r"(?<![^\s'\"`(])(?:[A-Za-z]:)?[^\s'\"`(]*[\\/](?:site|dist)-packages[\\/]")
# Unbacked symbols (u0, u1, ...) have no value at trace time: a fact over one is a
# runtime assertion in the graph, never a guard.
_UNBACKED = re.compile(r"\bu\d+\b")
# Installed packages and the standard library, on any machine a log was written on.
_PACKAGES = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")
_STDLIB = re.compile(r"[\\/]lib[\\/]python\d+(?:\.\d+)?t?[\\/](?!site-packages|dist-packages)")


@lru_cache(maxsize=1)
def _tool_dirs() -> tuple[str, ...]:
    """Directories of the packages that run a target: dynotrace and click."""
    import importlib.util

    dirs = [os.path.dirname(os.path.abspath(__file__)).rsplit(os.sep, 1)[0]]
    spec = importlib.util.find_spec("click")
    if spec is not None and spec.origin:
        dirs.append(os.path.dirname(spec.origin))
    return tuple(dirs)


@dataclass
class PathStyle:
    """How file names appear in the report: relative to ``base`` when inside it, with
    site-packages folded, so reports carry no absolute path of the machine they ran on."""

    base: str | None
    known_files: set[str] = field(default_factory=set)
    #: Show files outside ``base`` relative to it (``../x.py``): right for a run on this
    #: machine, wrong for a log from another one, whose paths mean nothing here.
    relative_outside: bool = True
    #: ``releases.canonical_events``' ``reason_lists``: the reasons of a canonical
    #: ``recompile_reasons`` payload, by the payload (``recompile_reasons`` reads the JSON
    #: of a payload not there).
    reason_lists: Mapping[str, list[str]] = field(default_factory=dict, repr=False)
    _resolved: dict[str, str] = field(default_factory=dict, repr=False)
    _displayed: dict[tuple[str, str | None, bool], str] = field(default_factory=dict, repr=False)
    _tool_prefixes: dict[tuple[str | None, bool], tuple[str, ...]] = field(default_factory=dict, repr=False)
    _trees: GuardTreeParser | None = field(default=None, repr=False)
    _failures: dict[tuple[str, str], GuardFailure] = field(default_factory=dict, repr=False)
    _reasons: dict[str, GuardFailure] = field(default_factory=dict, repr=False)
    _tree_lines: dict[str, tuple[list[str], tuple[tuple[str, str], ...], int]] = field(default_factory=dict, repr=False)

    def display(self, path: str) -> str:
        # Remembered: the compiles of a function name the same few files again in every
        # stack and metrics (2,346 calls, 5 files, in the benchmark log's fold).
        key = (path, self.base, self.relative_outside)
        shown = self._displayed.get(key)
        if shown is None:
            shown = self._displayed[key] = self._display(path)
        return shown

    def _display(self, path: str) -> str:
        if not path:
            return path
        if self.base and os.path.isabs(path):
            base = self.base.rstrip(os.sep) + os.sep
            if path.startswith(base):
                return path[len(base) :]
        for marker in _PACKAGES:
            if marker in path:
                return "<site-packages>/" + path.split(marker, 1)[1]
        stdlib = _STDLIB.search(path)
        if stdlib:
            return "<stdlib>/" + path[stdlib.end() :]
        if self.relative_outside and self.base and os.path.isabs(path) and os.path.isabs(self.base):
            rel = os.path.relpath(path, self.base)
            if rel.count("..") <= 1:
                return rel
        return path

    def resolve(self, partial: str) -> str:
        """Full display name of a file Dynamo may have shortened at its front."""
        # Remembered: every guard line names a file (a fifth of a large log's fold went
        # here), and the known files are all in place before the first call.
        shown = self._resolved.get(partial)
        if shown is None:
            if partial in self.known_files:
                shown = self.display(partial)
            else:
                matches = sorted(f for f in self.known_files if f.endswith(partial))
                shown = self.display(matches[0] if matches else partial)
            self._resolved[partial] = shown
        return shown

    def guard_tree(self, payload: str, resume_line: int | None) -> tuple[tuple[Guard, ...], dict[str, str]]:
        """The guards of a ``dynamo_cpp_guards_str`` payload, as
        ``parse_guard_tree(resumed_values(self.text(payload), resume_line), self.resolve)``
        gives them, and the payload's ``guarded_types``.

        Made line by line, each line's text remembered across trees: the trees of a large
        log are megabytes of a few thousand distinct lines (22,008 lines, 2,746 distinct, in
        the benchmark log's 726 trees), and taking paths and ids out of each whole tree,
        splitting it and finding its types took more CPU than parsing its lines. Every
        rewrite of ``text`` and ``resumed_values`` stays within a line (none matches a
        newline), which makes the two the same, but for three that depend on the whole
        text; a tree where one of them would change something is read whole:
        ``_DYNAMO_GLOBAL_ID``'s, made when any line names ``G['__``; ``_STACK``'s, made in a
        resume function; and a type of ``guarded_types`` that may run on into the next line."""
        if self._trees is None:
            self._trees = GuardTreeParser(self.resolve)
        if self.base and "\n" in self.base:
            return self._trees.parse(resumed_values(self.text(payload), resume_line)), guarded_types(payload)
        known = self._tree_lines
        lines: list[str] = []
        types: dict[str, str] = {}
        flags = 0
        for raw in payload.split("\n"):
            line = known.get(raw)
            if line is None:
                line = known[raw] = self._tree_line(raw)
            shown, found, line_flags = line
            lines += shown
            flags |= line_flags
            for source, type_ in found:
                types.setdefault(source, type_)
        if (flags & _NAMES_GLOBAL and flags & _HOLDS_GLOBAL_ID) or (flags & _NAMES_STACK and resume_line is not None):
            guards = self._trees.parse(resumed_values(self.text(payload), resume_line))
        else:
            guards = self._trees.parse_lines(lines)
        return guards, guarded_types(payload) if flags & _TYPE_RUNS_ON else types

    def _tree_line(self, raw: str) -> tuple[list[str], tuple[tuple[str, str], ...], int]:
        """One line of a guard tree (split at ``"\n"``) for ``guard_tree``: the lines of
        its text as ``guard_tree`` shows it when nothing of the whole tree applies, its
        ``(source, type)`` pairs, and which of the whole tree's rewrites it is open to."""
        shown = self._text_but_global_ids(raw)
        flags = _NAMES_GLOBAL if "G['__" in shown else 0
        if _GLOBAL_ID_FOUND.search(shown) is not None:
            flags |= _HOLDS_GLOBAL_ID
        shown = user_names_in(shown)
        if "___stack" in shown:
            flags |= _NAMES_STACK
        found, runs_on = line_types(raw)
        if runs_on:
            flags |= _TYPE_RUNS_ON
        return shown.splitlines(), found, flags

    def recompile_reasons(self, text: str) -> tuple[GuardFailure, ...]:
        """``parse_recompile_reasons(text, self.resolve)``, remembering the failures of
        earlier recompiles.

        Each reason is remembered whole, its cache entry with it: the n-th recompile of a
        function lists the failures of the n entries before it, which the recompiles after
        it often list again word for word (8,283 reasons in the benchmark log, 4,653
        distinct)."""
        reasons = self._reasons
        failures = []
        listed = self.reason_lists.get(text)
        for reason in reason_list(text) if listed is None else listed:
            failure = reasons.get(reason)
            if failure is None:
                if not reason.strip():
                    continue
                failure = reasons[reason] = parse_reason(reason, self.resolve, self._failures)
            failures.append(failure)
        return tuple(failures)

    def trim_stack(self, stack: tuple[Location, ...]) -> tuple[Location, ...]:
        """A user stack without the leading frames that only ran the target (dynotrace's
        own, click's, runpy's), so a run under dynotrace shows the stack plain python would."""
        key = (self.base, self.relative_outside)
        prefixes = self._tool_prefixes.get(key)
        if prefixes is None:
            prefixes = self._tool_prefixes[key] = tuple(self.display(d).rstrip(os.sep) + os.sep for d in _tool_dirs())
        start = 0
        for frame in stack:
            name = os.path.basename(frame.file)
            if not (frame.file.startswith(prefixes) or "runpy" in name or name == "dynotrace"):
                break
            start += 1
        return stack[start:]

    def text(self, text: str) -> str:
        """Text with this machine's paths and memory addresses taken out."""
        text = self._text_but_global_ids(text)
        if "G['__" in text:
            # Globals Dynamo names after objects' ids: G['__optimizer_1398..._1398..._c4'].
            text = _DYNAMO_GLOBAL_ID.sub("<id>", text)
        return text

    def _text_but_global_ids(self, text: str) -> str:
        """``text`` but for the ids in the names of Dynamo's globals."""
        if self.base:
            text = text.replace(self.base.rstrip(os.sep) + os.sep, "")
        # Each pattern is tried only on a text that holds its literal part: the guard trees
        # of a large log are megabytes in which none of them matches, and a pattern that
        # starts with ``\b`` cannot skip ahead to a literal by itself (``_ADDRESS`` and
        # ``_ID_GLOBAL`` took 0.15 s of CPU on the benchmark log's guard trees).
        if "0x" in text:
            text = _ADDRESS.sub("0x…", text)
        if "_c" in text and _ID_HINT.search(text) is not None:
            text = _ID_GLOBAL.sub("_<id>", text)
        if "-packages" in text:
            # Only on the lines that name one (a match never spans lines): the pattern has
            # no literal to skip ahead to and is tried at every character (a graph break's
            # text with a long stack took 0.14 ms a line).
            lines = text.split("\n")
            text = "\n".join(_PACKAGE_PATH.sub("<site-packages>/", line) if "-packages" in line else line for line in lines)
        if "___check_" in text:
            text = _OBJ_ID.sub(r"\1<id>\2", text)
        return text


def resumed_values(text: str, resume_line: int | None) -> str:
    """Dynamo's names for the values a resume function starts with (``___stack0``: what was
    on the stack at the graph break), in words: ``(value before the graph break at line
    12)``; and a resume function's own name, wherever the text names it, as the user's
    function it continues. A user never wrote ``___stack0`` or ``torch_dynamo_resume_in_f_at_12``."""
    text = user_names_in(text)
    if resume_line is None or "___stack" not in text:
        return text

    def named(m: re.Match[str]) -> str:
        n = int(m[1])
        which = "value" if n == 0 else f"value {n + 1}"
        return f"({which} before the graph break at line {resume_line})"

    return _STACK.sub(named, text)


@dataclass
class _CompileEvents:
    frame_id: int
    frame_compile_id: int
    metrics: dict[str, Any] | None = None
    last_attempt: int = 0
    events: list[TraceEvent] = field(default_factory=list)
    #: Events logged for this compile after its metrics: the compile of its backward graph
    #: (at the first backward call) and that compile's cache lookups and generated code.
    later: list[TraceEvent] = field(default_factory=list)


# Artifacts of Dynamo's own analysis: after a compile's metrics, one of these with the same
# ids starts another compile (after torch._dynamo.reset()).
_DYNAMO_ARTIFACTS = frozenset({"dynamo_graph_break_reason", "recompile_reasons", "dynamo_error"})


def _comes_later(ev: TraceEvent) -> bool:
    """An event that belongs to the compile whose metrics came before it: the backward's
    compile (``bwd_compilation_metrics``), and what AOTAutograd and Inductor log for it
    (cache lookups, graphs, generated code)."""
    if ev.kind == "artifact":
        return ev.artifact_name not in _DYNAMO_ARTIFACTS
    return ev.kind == "bwd_compilation_metrics" or (ev.kind in ARTIFACT_KINDS and ev.kind != "dynamo_output_graph")


def fold_events(
    events: Iterable[TraceEvent],
    run: RunInfo,
    *,
    base_dir: str | None,
    problems: ReadProblems | None = None,
    seed_strings: Mapping[int, str] | None = None,
    compile_events: list[tuple[dict[str, Any], list[TraceEvent], list[TraceEvent]]] | None = None,
) -> tuple[Report, dict[str, float]]:
    """Build the report for a run from its events, and its timing section.

    ``seed_strings`` adds entries to the string table that were interned before the
    events began (a live capture started after torch had already compiled something).
    ``compile_events``, when given, is filled with each compile's metrics, events, and the
    events logged after its metrics, in the order of ``report.compiles``
    (``analysis.artifacts`` reads what tlparse shows from them).
    """
    events = list(events)
    release = identify(events, running=run.torch_version if run.source == "live" else None)
    if run.source == "trace":
        run = replace(run, torch_version=release.named)
    reason_lists: dict[str, list[str]] = {}
    events = canonical_events(events, reason_lists)
    strings: dict[int, str] = dict(seed_strings or {})
    current: dict[tuple[int, int], _CompileEvents] = {}
    groups: list[_CompileEvents] = []
    order: list[_CompileEvents] = []

    for ev in events:
        if ev.kind == "str":
            if isinstance(ev.data, list) and len(ev.data) == 2 and isinstance(ev.data[1], int):
                strings[ev.data[1]] = str(ev.data[0])
            continue
        if ev.frame_id is None or ev.frame_compile_id is None:
            continue
        key = (ev.frame_id, ev.frame_compile_id)
        group = current.get(key)
        if group is not None and group.metrics is not None and _comes_later(ev):
            group.later.append(ev)
            continue
        if group is None or group.metrics is not None:
            # A finished compile takes no more events: the same ids again mean a new
            # compile after torch._dynamo.reset() (one log can hold several sessions).
            group = current[key] = _CompileEvents(ev.frame_id, ev.frame_compile_id)
            groups.append(group)
        group.last_attempt = max(group.last_attempt, ev.attempt or 0)
        if ev.kind == "compilation_metrics" and isinstance(ev.data, dict):
            group.metrics = ev.data
            order.append(group)
        else:
            group.events.append(ev)

    paths = PathStyle(base_dir, relative_outside=run.source == "live", reason_lists=reason_lists)
    has_break_artifacts = any(
        ev.artifact_name == "dynamo_graph_break_reason" for g in groups for ev in g.events
    )
    paths.known_files.update(strings.values())
    paths.known_files.update(
        str(g.metrics.get("co_filename")) for g in order if g.metrics and g.metrics.get("co_filename")
    )
    paths.known_files.discard("")

    caller_may_be_missing = stack_lacks_caller(release)
    built: list[tuple[str, str, int, bool, Compile, _CompileEvents]] = []
    # What the guard tree says each guarded source is (``L['self']`` -> its class), per
    # compile: what the explanations read a source's structure with.
    types: dict[int, dict[str, str]] = {}
    starts = [t for g in order if (t := _metric_s(g.metrics or {}, _START)) is not None]
    first_start = min(starts) if starts else None
    total_time = 0.0
    compile_times: dict[str, float] = {}
    # Dynamo's metrics for an attempt the recompile limit refused name no function; the
    # other compiles of the same frame do.
    frame_code: dict[int, dict[str, Any]] = {}
    for group in order:
        metrics = group.metrics or {}
        if metrics.get("co_name"):
            frame_code[group.frame_id] = metrics
        elif group.frame_id in frame_code:
            known = frame_code[group.frame_id]
            group.metrics = {
                **metrics,
                **{k: known.get(k) for k in ("co_name", "co_filename", "co_firstlineno")},
            }
        built_compile, guarded = _build_compile(
            group, strings, paths, has_break_artifacts, caller_may_be_missing=caller_may_be_missing
        )
        compile_ = evolve(built_compile, time=_compile_time(group, first_start))
        types[id(compile_)] = guarded
        metrics = group.metrics or {}
        file = paths.display(str(metrics.get("co_filename") or ""))
        first_line = int(metrics.get("co_firstlineno") or 0)
        built.append((file, compile_.code_name, first_line, compile_.resume_line is not None, compile_, group))
        seconds = metrics.get("entire_frame_compile_time_s")
        if isinstance(seconds, (int, float)):
            total_time += float(seconds)
            previous = compile_times.get(compile_.compile_id, 0.0)
            compile_times[compile_.compile_id] = round(previous + float(seconds), 6)

    functions = _functions_by_code_object(built)
    if compile_events is not None:
        compile_events.extend((g.metrics or {}, g.events, g.later) for entries in functions.values() for _, g in entries)

    report = Report(
        run=run,
        functions=Functions(
            Function(name=name, file=file, first_line=first_line, compiles=tuple(c for c, _ in entries))
            for (file, name, first_line), entries in functions.items()
        ),
        problems=problems or ReadProblems(),
        notes=release.notes() + _notes(order),
    )
    report = explain_report(report, types=types)
    timing = {"compile_s": round(total_time, 6)}
    timing.update({f"compile_s[{cid}]": s for cid, s in compile_times.items()})
    return report, timing


def _functions_by_code_object(
    built: list[tuple[str, str, int, bool, Compile, _CompileEvents]],
) -> dict[tuple[str, str, int], list[tuple[Compile, _CompileEvents]]]:
    """Compiles by the code object of the user function they belong to: its file, name and
    first line (two methods of one file that share a name are two functions). A resume
    function (whose first line is where it resumes) belongs to the function of that name
    in that file that starts last before its line."""
    starts: dict[tuple[str, str], list[int]] = {}
    for file, name, first_line, is_resume, _, _ in built:
        if not is_resume and first_line not in starts.setdefault((file, name), []):
            starts[(file, name)].append(first_line)
    functions: dict[tuple[str, str, int], list[tuple[Compile, _CompileEvents]]] = {}
    for file, name, first_line, is_resume, compile_, group in built:
        if is_resume:
            candidates = [line for line in starts.get((file, name), ()) if line <= (compile_.resume_line or first_line)]
            first_line = max(candidates) if candidates else first_line
            starts.setdefault((file, name), []).append(first_line)
        functions.setdefault((file, name, first_line), []).append((compile_, group))
    return functions


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


#: The metrics of a compile's time, each as microseconds or, failing that, seconds: the
#: whole frame compile, the backend's part of it, Inductor's part of that, and the start.
#: Every release 2.6-2.15 writes both forms (equal); logs of torch's development builds
#: between releases may carry only the first.
_TOTAL = ("dynamo_cumulative_compile_time_us", "entire_frame_compile_time_s")
_BACKEND = ("aot_autograd_cumulative_compile_time_us", "backend_compile_time_s")
_INDUCTOR = ("inductor_cumulative_compile_time_us", "inductor_compile_time_s")
_START = ("start_time_us", "start_time")


def _metric_s(metrics: Mapping[str, Any], names: tuple[str, str]) -> float | None:
    us = _seconds(metrics.get(names[0]))
    return us / 1e6 if us is not None else _seconds(metrics.get(names[1]))


def _compile_time(group: _CompileEvents, first_start: float | None) -> CompileTime | None:
    """Where the compile's time went, from its metrics (the whole frame, the backend,
    Inductor; each includes the next) and its backward's, and its cache lookups; ``None``
    when the log has none of them."""
    metrics = group.metrics or {}
    total = _metric_s(metrics, _TOTAL)
    backend = _metric_s(metrics, _BACKEND)
    inductor = _metric_s(metrics, _INDUCTOR)
    start = _metric_s(metrics, _START)
    backward = [
        s for ev in group.later
        if ev.kind == "bwd_compilation_metrics" and isinstance(ev.data, dict)
        and (s := _metric_s(ev.data, _INDUCTOR)) is not None
    ]
    cache = tuple(
        lookup for ev in group.events + group.later if (lookup := _cache_lookup(ev)) is not None
    )
    if total is None and backend is None and inductor is None and not backward and not cache:
        return None

    def r(value: float | None) -> float | None:
        return None if value is None else round(max(value, 0.0), 6)

    return CompileTime(
        start_s=r(start - first_start) if start is not None and first_start is not None else None,
        total_s=r(total),
        dynamo_s=r(total - backend) if total is not None and backend is not None else r(total),
        aot_s=r(backend - inductor) if backend is not None and inductor is not None else r(backend),
        inductor_s=r(inductor),
        backward_s=r(sum(backward)) if backward else None,
        cache=cache,
    )


def _cache_lookup(ev: TraceEvent) -> CacheLookup | None:
    """A cache lookup artifact (``fx_graph_cache_miss``, ...) as the report keeps it."""
    name = ev.artifact_name
    if name not in CACHE_ARTIFACTS:
        return None
    cache, _, outcome = name.rpartition("_cache_")
    data: Any = None
    if ev.payload is not None:
        try:
            data = json.loads(ev.payload)
        except ValueError:
            data = None
    data = data if isinstance(data, dict) else {}

    def text(key: str) -> str | None:
        value = data.get(key)
        return " ".join(str(value).split()) if value not in (None, "") else None

    return CacheLookup(
        cache=cache,
        outcome=text("cache_state") or outcome,
        detail=text("cache_status_detailed"),
        reason=text("cache_bypass_reason"),
        guard=text("cache_status_guard_expr"),
    )


def _notes(order: list[_CompileEvents]) -> tuple[str, ...]:
    if order:
        return ()
    return (
        "torch.compile never compiled anything in this run: no compiled function was called. "
        "Check that the script calls the function or model returned by torch.compile "
        "(not the original), and that the code path that calls it actually runs.",
    )


def _status(metrics: dict[str, Any]) -> CompileStatus:
    fail_type = metrics.get("fail_type")
    if fail_type is None:
        return "ok"
    if metrics.get("recompile_limit_hit"):
        return "recompile_limit"
    if metrics.get("has_guarded_code") is False and "Unsupported" in str(fail_type):
        return "skipped"
    return "failed"


def _source_text(value: Any) -> str:
    """A source, or the first of several (``symbolic_shape_specialization`` lists them)."""
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _frame_location(frame: Any, strings: Mapping[int, str], paths: PathStyle) -> Location | None:
    """One frame of an event's stack (``{"filename": index, "line", "name", "loc"}``)."""
    if not isinstance(frame, dict):
        return None
    index = frame.get("filename")
    file = strings.get(index, "") if isinstance(index, int) else str(index or "")
    return Location(
        paths.display(file),
        int(frame.get("line") or 0),
        str(frame.get("name") or ""),
        str(frame.get("loc") or "").strip(),
    )


def _stack_location(stack: Any, strings: Mapping[int, str], paths: PathStyle) -> Location | None:
    """The innermost frame of an event's ``user_stack``."""
    if not isinstance(stack, list) or not stack:
        return None
    return _frame_location(stack[-1], strings, paths)


def _in_torch(file: str) -> bool:
    """Frames of torch itself (the call machinery of nn.Module, Dynamo's own) are not where
    the user called anything."""
    return file.startswith("<site-packages>/torch/") or f"{os.sep}torch{os.sep}" in file


_CALLABLE_TYPES = frozenset({"function", "method", "builtin_function_or_method", "method-wrapper", "cell"})


def _wrapped_class(types: Mapping[str, str], compile_wrapper: bool) -> str | None:
    """The class of what a wrapper frame calls: ``fn`` of torch.compile's own wrapper (a
    module), else the first argument (``wrapper(self, ...)`` of a decorator)."""
    if compile_wrapper:
        named = types.get("L['fn']") or ""
        # A module's class; a function, bound method or partial names no module.
        return None if named.startswith("functools.") or named in _CALLABLE_TYPES else _user_class(named)
    return _user_class(types.get("L['args'][0]"))


def _is_compile_wrapper(code_name: str, metrics: Mapping[str, Any]) -> bool:
    """The frame is ``inner`` of torch's ``external_utils.wrap_inline``: what
    ``torch.compile(module)`` compiles around the module it wraps (``fn``)."""
    return code_name == "inner" and str(metrics.get("co_filename") or "").replace(os.sep, "/").endswith(
        "torch/_dynamo/external_utils.py"
    )


def _module_call_path(callers: list[Location]) -> bool:
    """The frames below the innermost user frame are torch's call of a compiled module:
    torch's own frames only, among them ``nn.Module``'s call and Dynamo's wrapper (a DDP
    wrapper's forward may come between), wherever torch is installed."""
    own = max((i for i, loc in enumerate(callers) if _user_code(loc.file)), default=None)
    if own is None:
        return False
    files = [loc.file.replace(os.sep, "/") for loc in callers[own + 1 :]]
    return (
        all(_in_torch(f) for f in files)
        and any(f.endswith("torch/nn/modules/module.py") for f in files)
        and any("torch/_dynamo/" in f for f in files)
    )


def _user_code(file: str) -> bool:
    """A frame of the user's own code: not torch, an installed package or the standard
    library (nor Python's own ``<string>``-like pseudo files)."""
    return bool(file) and not _in_torch(file) and not is_library_file(file) and not file.startswith("<")


_MODULE_FILE = "<site-packages>/torch/nn/modules/module.py"
_MODULE_CALLS = frozenset({"_call_impl", "_wrapped_call_impl", "__call__"})
_DYNAMO_FILES = ("<site-packages>/torch/_dynamo/",)


def _break_from_restart(reason: str) -> GraphBreak:
    first = reason.strip().strip("'\"").splitlines()[0] if reason.strip() else "graph break"
    return GraphBreak(
        gb_type=first,
        explanation=(
            "This log's torch version wrote no graph-break details; Dynamo restarted the "
            f"analysis of this frame because: {reason.strip()}"
        ),
    )


def _build_compile(
    group: _CompileEvents,
    strings: Mapping[int, str],
    paths: PathStyle,
    has_break_artifacts: bool = True,
    *,
    caller_may_be_missing: bool = False,
) -> tuple[Compile, dict[str, str]]:
    """The compile, and the types its guard tree names for the sources it guards
    (``caller_may_be_missing``: ``releases.stack_lacks_caller`` of the log's release)."""
    metrics = group.metrics or {}
    code_name = str(metrics.get("co_name") or "")
    _, resume_line = user_function_name(code_name)
    final = group.last_attempt

    graph_breaks = []
    guard_failures: tuple[Any, ...] = ()
    cpp_guards: tuple[Guard, ...] | None = None
    types: dict[str, str] = {}
    json_guards: tuple[Guard, ...] | None = None
    symbols: list[ShapeSymbol] = []
    shape_guards: list[ShapeGuard] = []
    specializations: list[Specialization] = []
    graphs = 0
    start_stack: tuple[Location, ...] = ()
    python_stack: tuple[Location, ...] = ()
    for ev in group.events:
        name = ev.artifact_name
        if ev.kind == "dynamo_start" and isinstance(ev.data, dict):
            for key, stack in (("stack", ev.data.get("stack")), ("python_stack", ev.data.get("python_stack"))):
                if isinstance(stack, list):
                    frames = paths.trim_stack(
                        tuple(loc for f in stack if (loc := _frame_location(f, strings, paths)) is not None)
                    )
                    if key == "stack":
                        start_stack = frames
                    else:
                        python_stack = frames
            continue
        if name == "dynamo_graph_break_reason" and ev.payload is not None:
            gb = parse_graph_break(resumed_values(paths.text(ev.payload), resume_line), paths.resolve)
            graph_breaks.append(evolve(gb, user_stack=paths.trim_stack(gb.user_stack)))
        elif name == "recompile_reasons" and ev.payload is not None:
            guard_failures = paths.recompile_reasons(resumed_values(paths.text(ev.payload), resume_line))
        elif ev.kind == "dynamo_output_graph":
            # An attempt that restarted (TensorifyScalarRestartAnalysis, a speculation that
            # failed) threw its graph away; only the final attempt's graphs reach the backend.
            if (ev.attempt or 0) == final:
                graphs += 1
        elif ev.kind == "dynamo_cpp_guards_str" and ev.payload is not None:
            cpp_guards, types = paths.guard_tree(ev.payload, resume_line)
        elif ev.kind == "dynamo_guards" and ev.payload is not None:
            json_guards = _json_guards(ev.payload, strings, paths)
        elif (ev.attempt or 0) != final or not isinstance(ev.data, dict):
            # Shape events of an attempt that restarted are made again by the final one.
            continue
        elif ev.kind in ("create_symbol", "create_unbacked_symbol"):
            symbols.append(
                ShapeSymbol(
                    symbol=str(ev.data.get("symbol", "")),
                    source=resumed_values(str(ev.data.get("source") or ""), resume_line),
                    value=str(ev.data.get("val", "")),
                    range=str(ev.data.get("vr", "")),
                    location=_stack_location(ev.data.get("user_stack"), strings, paths),
                    unbacked=ev.kind == "create_unbacked_symbol",
                )
            )
        elif ev.kind in ("guard_added_fast", "guard_added"):
            expr = str(ev.data.get("expr", ""))
            shape_guards.append(
                ShapeGuard(
                    expr=expr,
                    location=_stack_location(ev.data.get("user_stack"), strings, paths),
                    runtime_assert=_UNBACKED.search(expr) is not None,
                )
            )
        elif ev.kind == "symbolic_shape_specialization":
            specializations.append(
                Specialization(
                    symbol=str(ev.data.get("symbol", "")),
                    source=resumed_values(_source_text(ev.data.get("sources", ev.data.get("source", ""))), resume_line),
                    value=str(ev.data.get("value", "")),
                    reason=str(ev.data.get("reason", "")),
                    location=_stack_location(ev.data.get("user_stack"), strings, paths),
                )
            )

    fail_reason = metrics.get("fail_reason")
    restart = metrics.get("restart_reasons") or ()
    # Dynamo's ``dynamo_start`` stack is the Python stack below the compiled frame (its
    # last entry): the call site is the innermost frame of the user's own code in it. Logs
    # without it fall back to a graph break's user stack.
    # A live capture has the real Python stack under the frame (``python_stack``: the
    # listener's), which holds the lines Dynamo's own stack leaves out.
    callers = list(python_stack or start_stack[:-1])
    if resume_line is not None and callers:
        # A resume function is called from its own user function's frame: the call site is
        # where that function was called.
        own = (paths.display(str(metrics.get("co_filename") or "")), user_function_name(code_name)[0])
        if (callers[-1].file, callers[-1].function) == own:
            callers.pop()
    call_site = next((loc for loc in reversed(callers) if _user_code(loc.file)), None)
    if (
        not python_stack
        and caller_may_be_missing
        and not _is_compile_wrapper(code_name, metrics)  # torch's own frame: torch's from the user's line on
        and not _module_call_path(callers)
    ):
        # In this release the log's stack lacks the two frames right above the compiled one
        # (releases.stack_lacks_caller). Only where the user's line called a compiled module
        # (torch's own frames from there on) were those two torch's; otherwise the caller was
        # one of them, and the line found would be a caller's caller: unknown.
        call_site = None
    # Where neither stack names a caller of the user's (a log whose Dynamo stack leaves out a
    # module-level caller), the call site is unknown: a graph break's stack starts inside
    # the compiled function and names no caller.
    caller = next((loc for loc in reversed(start_stack[:-1]) if not loc.file.startswith(_DYNAMO_FILES)), None)
    module_forward = caller is not None and caller.file == _MODULE_FILE and caller.function in _MODULE_CALLS
    if not graph_breaks and not has_break_artifacts and restart:
        # Logs from torch versions that wrote no graph-break artifact still name the break
        # that restarted the analysis.
        graph_breaks = [_break_from_restart(paths.text(str(r))) for r in restart if isinstance(r, str)]
    compile_ = Compile(
        compile_id=str(metrics.get("compile_id") or f"{group.frame_id}/{group.frame_compile_id}"),
        frame_id=group.frame_id,
        frame_compile_id=group.frame_compile_id,
        # Dynamo's name of a resume function never reaches the user: its function's name,
        # with the line it resumes at (``resume_line``).
        code_name=user_function_name(code_name)[0],
        status=_status(metrics),
        resume_line=resume_line,
        fail_type=str(metrics["fail_type"]) if metrics.get("fail_type") else None,
        fail_reason=paths.text(str(fail_reason)) if fail_reason else None,
        graphs=graphs,
        graph_op_count=_int_or_none(metrics.get("graph_op_count")),
        graph_node_count=_int_or_none(metrics.get("graph_node_count")),
        guard_count=_int_or_none(metrics.get("guard_count")),
        shape_env_guard_count=_int_or_none(metrics.get("shape_env_guard_count")),
        guard_failures=guard_failures,
        graph_breaks=tuple(graph_breaks),
        guards=cpp_guards if cpp_guards is not None else (json_guards or ()),
        symbols=tuple(symbols),
        shape_guards=tuple(shape_guards),
        specializations=tuple(specializations),
        restart_reasons=tuple(sorted(paths.text(str(r)) for r in restart)) if isinstance(restart, (list, tuple)) else (),
        self_class=_user_class(types.get("L['self']")),
        wrapped_class=_wrapped_class(types, _is_compile_wrapper(code_name, metrics)),
        call_site=call_site,
        module_forward=module_forward,
        cache_size=_int_or_none(metrics.get("cache_size")),
    )
    return _in_user_names(compile_), types


def _in_user_names(compile_: Compile) -> Compile:
    """The compile with the names of Dynamo's resume functions in its locations
    (``torch_dynamo_resume_in_f_at_12``) replaced by the user's function they resume
    (``f``): a user never wrote them."""

    def fixed(loc: Location | None) -> Location | None:
        if loc is None or not loc.function.startswith(_RESUME_PREFIX):
            return loc
        return evolve(loc, function=user_function_name(loc.function)[0])

    def each(items: tuple[Any, ...]) -> tuple[Any, ...]:
        # Mostly nothing to fix (the benchmark log's 726 compiles hold 22,000 guards and
        # failures): the tuple is rebuilt only when an item's location is a resume function's.
        for item in items:
            location = item.location
            if location is not None and location.function.startswith(_RESUME_PREFIX):
                break
        else:
            return items
        return tuple(
            evolve(item, location=fixed(item.location)) if item.location is not None and item.location.function.startswith(_RESUME_PREFIX) else item
            for item in items
        )

    breaks = tuple(
        evolve(gb, location=fixed(gb.location), user_stack=tuple(fixed(loc) for loc in gb.user_stack))
        for gb in compile_.graph_breaks
    )
    return evolve(
        compile_,
        graph_breaks=breaks,
        guards=each(compile_.guards),
        guard_failures=each(compile_.guard_failures),
        symbols=each(compile_.symbols),
        shape_guards=each(compile_.shape_guards),
        specializations=each(compile_.specializations),
        call_site=fixed(compile_.call_site),
    )


_RESUME_PREFIX = "torch_dynamo_resume_in_"


def _user_class(name: str | None) -> str | None:
    """A class name as a user wrote it (``__main__.Net`` -> ``Net``); ``None`` for builtins
    and torch's own types but its modules and optimizers (``torch.Tensor`` says nothing
    about which method this is; ``torch.nn.parallel.distributed.DistributedDataParallel``
    and ``torch.optim.adamw.AdamW`` do)."""
    if not name or ("." not in name and hasattr(builtins, name)):
        return None
    if name.startswith("torch.") and not name.startswith(("torch.nn.", "torch.optim.")):
        return None
    return name.rsplit(".", 1)[-1]


def _json_guards(payload: str, strings: Mapping[int, str], paths: PathStyle) -> tuple[Guard, ...]:
    """Guards from the older ``dynamo_guards`` JSON payload (torch before the C++ guard tree)."""
    try:
        items = json.loads(payload)
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    guards = []
    for item in items:
        if not isinstance(item, dict) or not item.get("code"):
            continue
        check = paths.text(str(item["code"]))
        guards.append(
            Guard(
                kind="GUARD",
                check=check,
                source=guarded_source(check),
                location=_stack_location(item.get("user_stack"), strings, paths),
            )
        )
    return tuple(guards)
