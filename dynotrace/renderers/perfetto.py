"""The compile timeline as Chromium trace events, for ui.perfetto.dev or chrome://tracing.

One process per rank (one for a single run), one track (thread) per compiled function;
each compile is a slice from its start for as long as it compiled, named by its id and
what it was (``0/1 recompile: tensor shape changed``), with its phases (dynamo, aot,
inductor) as nested slices and its cause, guard, cache lookups and compile time in its
arguments; each graph break is an instant event on the compile it split. Timestamps are
microseconds from the first compile's start; a report without compile times (a report
file written before schema 3) lays its compiles out one millisecond apart, in order.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from dynotrace.model import Compile, JobReport, Report
from dynotrace.renderers import words
from dynotrace.renderers.base import Renderer

#: Microseconds between compiles when the report has no times.
UNTIMED_STEP_US = 1000


def trace_events(job: JobReport) -> dict[str, Any]:
    """The trace document: ``traceEvents`` in timestamp order, and what it was made from."""
    events: list[dict[str, Any]] = []
    for rank, report in job.ranks.items():
        pid = rank
        name = f"rank {rank}" if job.distributed else "dynotrace"
        events.append({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "ts": 0, "args": {"name": f"{name}: {report.run.command}"}})
        events.extend(_report_events(report, pid))
    meta = [e for e in events if e["ph"] == "M"]
    timed = sorted((e for e in events if e["ph"] != "M"), key=lambda e: (e["ts"], -e.get("dur", 0)))
    return {
        "traceEvents": meta + timed,
        "displayTimeUnit": "ms",
        "otherData": {"command": job.run.command, "torch": job.run.torch_version or "", "written_by": "dynotrace"},
    }


def _report_events(report: Report, pid: int) -> list[dict[str, Any]]:
    compiles = report.compiles
    timed = all(c.time is not None and c.time.start_s is not None and c.time.total_s is not None for c in compiles)
    events: list[dict[str, Any]] = []
    index = 0
    for tid, f in enumerate(report.functions, start=1):
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "ts": 0, "args": {"name": f"{f.display_name}  {f.file}:{f.first_line}"}})
        events.append({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid, "ts": 0, "args": {"sort_index": tid}})
        for c in f.compiles:
            if timed:
                assert c.time is not None
                ts = round((c.time.start_s or 0.0) * 1e6)
                dur = max(round((c.time.total_s or 0.0) * 1e6), 1)
            else:
                ts, dur = index * UNTIMED_STEP_US, UNTIMED_STEP_US - 100
            events.extend(_compile_events(c, pid, tid, ts, dur))
            index += 1
    return events


def _compile_events(c: Compile, pid: int, tid: int, ts: int, dur: int) -> list[dict[str, Any]]:
    label, sort = words.compile_status(c)
    args: dict[str, Any] = {"compile_id": c.compile_id, "status": label, "graphs": c.graphs, "ops": c.graph_op_count, "guards": c.guard_count}
    name = f"{c.compile_id} {label}"
    if c.guard_failures:
        failure = c.guard_failures[0]
        name += f": {words.failure_label(failure)}"
        args["cause"] = words.failure_label(failure)
        args["what changed"] = " ".join(x for x in (failure.source or failure.reason, words.failure_change(failure) or "") if x)
        args["guard of"] = failure.failed_compile_id
        if failure.location is not None:
            args["guard made at"] = words.where(failure.location)
        if failure.suggestion:
            args["what to do"] = failure.suggestion
    if c.call_site is not None:
        args["called from"] = words.where(c.call_site)
    t = c.time
    if t is not None:
        spent = words.compile_time_line(c)
        if spent:
            args["compile time"] = spent
        if t.backward_s:
            args["backward compile (s)"] = t.backward_s
    events: list[dict[str, Any]] = [
        {"name": name, "cat": sort, "ph": "X", "ts": ts, "dur": dur, "pid": pid, "tid": tid, "args": args}
    ]
    if t is not None and t.total_s:
        # The phases nest in the compile: each part of the frame compile, in order.
        at, end = ts, ts + dur
        for phase, seconds in (("dynamo", t.dynamo_s), ("aot", t.aot_s), ("inductor", t.inductor_s)):
            if not seconds:
                continue
            length = min(round(seconds * 1e6), end - at)
            if length <= 0:
                continue
            events.append({"name": phase, "cat": "phase", "ph": "X", "ts": at, "dur": length, "pid": pid, "tid": tid, "args": {"seconds": seconds}})
            at += length
    for gb in c.graph_breaks:
        gb_args: dict[str, Any] = {"compile_id": c.compile_id, "type": gb.gb_type}
        if gb.gb_id:
            gb_args["id"] = gb.gb_id
        if gb.location is not None:
            gb_args["at"] = words.where(gb.location)
            if gb.location.code:
                gb_args["code"] = gb.location.code
        if gb.explanation:
            gb_args["explanation"] = words.short(gb.explanation, 400)
        events.append({"name": f"graph break: {gb.gb_type}", "cat": "graph_break", "ph": "i", "s": "t", "ts": ts, "pid": pid, "tid": tid, "args": gb_args})
    return events


class PerfettoRenderer(Renderer):
    name = "perfetto"

    def report(self, job: JobReport, stream: TextIO) -> None:
        json.dump(trace_events(job), stream, ensure_ascii=False, separators=(",", ":"))
        stream.write("\n")
