"""The small public API the CLI (and later the Python API and pytest plugin) call."""

from __future__ import annotations

from dynotrace.model import ReadProblems, Report


def read_trace_report(path: str, *, strict: bool = False, command: str | None = None) -> Report:
    """The report of a TORCH_TRACE file or directory, folded exactly as a live capture is."""
    import os
    from dataclasses import replace

    from dynotrace.capture.fold import fold_events
    from dynotrace.capture.session import run_info
    from dynotrace.capture.tracelog import read_trace

    events, stats = read_trace(path, strict=strict)
    problems = ReadProblems(
        malformed_lines=stats.malformed_lines,
        bad_payloads=stats.bad_payloads,
        unknown_kinds=tuple(sorted(stats.unknown_kinds.items())),
        messages=tuple(stats.problems[:20]),
    )
    # The log does not say which torch wrote it; the installed one is not the answer.
    info = replace(run_info(command or f"dynotrace explain --trace {path}", source="trace"), torch_version=None)
    report, timing = fold_events(events, info, base_dir=os.getcwd(), problems=problems)
    return replace(report, timing=timing)
