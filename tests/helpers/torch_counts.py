"""Run a program under plain python and print what *torch itself* counted, as JSON.

Usage: python torch_counts.py OUT.json SCRIPT [ARGS...]
       python torch_counts.py --serve

Under torchrun, ``{rank}`` in OUT.json is this process's ``RANK``: each rank records its
own counts (``torchrun ... --no-python python torch_counts.py counts_{rank}.json X.py``).

``--serve`` runs one program per line of stdin (a JSON list: OUT.json, SCRIPT, ARGS...),
each in a child forked from this process once it has imported torch, and answers each
with a line: the child's exit code. A child is the process the first form would be at
the moment it starts the script (torch imported, the recorder set up, nothing compiled),
without paying for python's start and torch's import again: the tests run many programs.

The numbers come from torch's own bookkeeping, never from dynotrace:
``torch._dynamo.utils.get_compilation_metrics()``, ``counters``, and the records of
torch's ``graph_breaks`` and ``recompiles`` log artifacts and its recompile-limit warning.
"""

from __future__ import annotations

import json
import logging
import os
import re
import runpy
import sys

SERVE = sys.argv[1:] == ["--serve"]
if not SERVE:
    out_path, script, *script_args = sys.argv[1:]
    out_path = out_path.replace("{rank}", os.environ.get("RANK", "0"))

import torch  # noqa: E402
import torch._dynamo.utils as dynamo_utils  # noqa: E402

records = {"graph_breaks": 0, "recompiles": 0, "recompile_limit_warnings": 0}


class _Count(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.name.endswith("__graph_breaks"):
            records["graph_breaks"] += 1
        elif record.name.endswith("__recompiles"):
            records["recompiles"] += 1
        elif record.levelno >= logging.WARNING and str(record.msg).startswith("torch._dynamo hit config."):
            records["recompile_limit_warnings"] += 1


torch._logging.set_logs(graph_breaks=True, recompiles=True)
dynamo_logger = logging.getLogger("torch._dynamo")
for handler in list(dynamo_logger.handlers):
    dynamo_logger.removeHandler(handler)
dynamo_logger.addHandler(_Count(logging.DEBUG))

_RESUME = re.compile(r"^torch_dynamo_resume_in_(.+)_at_\d+$")


def _user_name(name: str) -> str:
    while (m := _RESUME.match(name)) is not None:
        name = m[1]
    return name


# What a compile refused at the recompile limit records as its failure, by release:
# RecompileLimitExceeded("recompile_limit reached") (2.6-2.10, "cache_size_limit" in 2.6),
# Unsupported("Dynamo recompile limit exceeded ...") (2.11+), FailOnRecompileLimitHit when
# fail_on_recompile_limit_hit or fullgraph=True is set.
_LIMIT_TYPES = {"RecompileLimitExceeded", "CacheLimitExceeded", "FailOnRecompileLimitHit", "FailOnCacheLimitHit"}


def _limit_hit(m: object) -> bool:
    fail_type = str(getattr(m, "fail_type", None) or "").rsplit(".", 1)[-1]
    reason = str(getattr(m, "fail_reason", None) or "").lower()
    return fail_type in _LIMIT_TYPES or "recompile limit exceeded" in reason


def _backward(m: object) -> bool:
    """A record of a graph's backward, compiled later by AOTAutograd (lazily, as
    ``aot_eager`` does on the first backward call): ``is_forward=False`` and no frame. It is
    not a frame compile; torch logs it as ``bwd_compilation_metrics``."""
    return getattr(m, "is_forward", None) is False and not getattr(m, "co_name", None) and not getattr(m, "fail_type", None)


def _recompile_attempt(m: object) -> bool:
    cache_size = getattr(m, "cache_size", None)
    if cache_size is not None:
        return bool(cache_size > 0)
    return str(getattr(m, "compile_id", "")).split("/")[1].split("_")[0] != "0"


def _functions(metrics: list[object]) -> int:
    """The user functions torch compiled: its distinct code objects (file, name, first
    line), a resume function (a code object of its own, starting where it resumes) counted
    with the function it resumes, the one of that name in that file that starts last
    before it."""
    codes = {(m.co_filename, m.co_name, m.co_firstlineno) for m in metrics if m.co_name}  # type: ignore[attr-defined]
    functions = {(f, n, line) for f, n, line in codes if not _RESUME.match(n)}
    for f, n, line in codes:
        if _RESUME.match(n):
            name = _user_name(n)
            starts = [start for ff, nn, start in functions if (ff, nn) == (f, name) and start <= line]
            if not starts:
                functions.add((f, name, line))
    return len(functions)


def _dump(exit_code: int) -> None:
    metrics = [m for m in dynamo_utils.get_compilation_metrics() if not _backward(m)]
    counters = dynamo_utils.counters
    limit = [m for m in metrics if _limit_hit(m)]
    result = {
        "compiles": len(metrics),
        "frames_total": counters["frames"]["total"],
        "unique_graphs": counters["stats"]["unique_graphs"],
        "guards": sum(m.guard_count or 0 for m in metrics),
        "shape_env_guards": sum(m.shape_env_guard_count or 0 for m in metrics),
        # The attempt the recompile limit refuses names no function (its co_name is empty):
        # it is an attempt of a function already counted.
        "functions": _functions(metrics),
        # torch's own rule (cache_size.is_recompilation): a compile is a recompile when the
        # frame had a cache entry for the same ID_MATCH-ed objects (its metrics' cache_size).
        "recompile_attempts": sum(1 for m in metrics if _recompile_attempt(m)),
        "limit_failures": len(limit),
        "failed": sum(1 for m in metrics if m.fail_type and m not in limit),
        "exit_code": exit_code,
        "torch": torch.__version__,
        **records,
    }
    with open(out_path, "w") as fh:
        json.dump(result, fh)


def _run() -> int:
    """Run the script as python would, then write torch's counts; the script's exit code."""
    sys.argv = [script, *script_args]
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        code = 1
    finally:
        _dump(code)
    return code


def _serve() -> None:
    global out_path, script, script_args
    replies = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        out_path, script, *script_args = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            # The child: stdin empty, the script's output in a log beside OUT.json.
            replies.close()
            sys.stdin = open(os.devnull)
            os.dup2(sys.stdin.fileno(), 0)
            log = os.open(out_path + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            code = _run()
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            os._exit(code & 0xFF)
        _, status = os.waitpid(pid, 0)
        replies.write(f"{os.waitstatus_to_exitcode(status)}\n")
        replies.flush()


if SERVE:
    _serve()
else:
    sys.exit(_run())
