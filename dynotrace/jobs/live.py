"""A capture under torchrun (or any launcher that sets ``RANK``/``WORLD_SIZE``): each rank
captures its own process, rank 0 gathers the captures into the job's report.

Every rank runs the target exactly as a single run does (``capture_target``), then posts
its capture (its report and what Inductor logged per compile) to the exchange
(``dynotrace.jobs.exchange``). Then:

* Rank 0 waits until every rank's capture is there, or ``timeout`` seconds have passed
  since its own target ended, or it is told to stop (SIGTERM: torchrun stops the other
  workers when one fails). It builds the job's report from what arrived; a rank that did
  not arrive is a *missing* rank, with what is known: it never started dynotrace, or it
  started and sent nothing (it crashed, was killed, or is still running: hung). Rank 0
  then writes ``-o`` and prints the terminal report, once for the job, and says so on the
  exchange (``finish``).
* Every other rank prints nothing and writes nothing of its own, and waits (at most
  ``timeout`` seconds, cut short by SIGTERM) for rank 0 to say its capture is in the job's
  report. If rank 0 does not say so (it died, hung, or left this rank out), the rank
  writes its own report beside ``-o`` as ``NAME.rankN.EXT`` (or prints it, without
  ``-o``), so no rank's findings are lost.

No wait is unbounded: a dead or hung rank delays the report by ``timeout`` at most.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib
from dataclasses import dataclass, replace
from typing import Any

from dynotrace.analysis.build import build_report
from dynotrace.analysis.facts import compile_facts
from dynotrace.capture.live import EXIT_SIGTERM, capture_target
from dynotrace.capture.runner import TargetRunner
from dynotrace.jobs.combine import build_job
from dynotrace.jobs.exchange import POLL_S, Exchange, open_exchange
from dynotrace.jobs.launcher import RankEnv
from dynotrace.model import JobReport, MissingRank, RankDetail, Report, format_ranks
from dynotrace.model.schema import detail_from_dict, rank_to_dict, report_from_dict

#: How long rank 0 waits for the other ranks' captures after its own target ended, and
#: each other rank for rank 0's word, by default (``--rank-timeout``).
DEFAULT_TIMEOUT_S = 120.0
#: The wait once the job is failing (this rank's target failed or was stopped): the
#: others are then being stopped too, or are blocked waiting for this rank; torchrun
#: gives a stopped worker 30 s before it kills it.
FAILING_WAIT_S = 10.0


def encode_capture(report: Report, detail: RankDetail) -> bytes:
    """A rank's capture as posted: its document (``rank_to_dict``) and each op's output
    metadata (which the document keeps only as a digest), JSON, compressed."""
    ops_text = {c.compile_id: list(c.output_ops_text) for c in detail.compiles if c.output_ops_text}
    text = json.dumps({"report": rank_to_dict(report, detail), "ops_text": ops_text}, ensure_ascii=False)
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def decode_capture(rank: int, data: bytes) -> tuple[Report, RankDetail]:
    plain = json.loads(zlib.decompress(data).decode("utf-8", "surrogatepass"))
    document = plain["report"]
    report = report_from_dict(document, origin=f"rank {rank}'s capture")
    detail = detail_from_dict(rank, document.get("distributed"), f"rank {rank}'s capture")
    ops = plain.get("ops_text") or {}
    compiles = tuple(
        replace(c, output_ops_text=tuple(ops[c.compile_id])) if c.compile_id in ops else c for c in detail.compiles
    )
    return report, replace(detail, compiles=compiles)


@dataclass
class RankRun:
    """One rank's part in a live job, once its target has run."""

    env: RankEnv
    #: This rank's own report.
    report: Report
    detail: RankDetail
    exchange: Exchange | None
    #: On rank 0: the job's report.
    job: JobReport | None = None
    #: Why the exchange could not be used, when it could not (one line for stderr).
    problem: str | None = None
    #: SIGTERM arrived while this rank waited.
    terminated: bool = False
    #: How long rank 0 waits for the others' captures, and each other rank for rank 0.
    timeout: float = DEFAULT_TIMEOUT_S
    _finished: bool = False

    @property
    def exit_code(self) -> int:
        code = self.report.run.exit_code or 0
        return EXIT_SIGTERM if self.terminated and code == 0 else code

    def finish(self, *, written: bool, output: str | None) -> None:
        """Rank 0: tell the other ranks the job's report is out (or could not be written).
        Only the first call says anything."""
        if self.exchange is None or self.job is None or self._finished:
            return
        self._finished = True
        try:
            self.exchange.confirm({"ranks": sorted(self.job.ranks), "written": written, "output": output})
            if written:
                self.exchange.close()
        except Exception:  # noqa: S110 - the others then keep their own reports: nothing lost
            pass

    def wait_for_rank0(self, timeout: float) -> dict[str, Any] | None:
        """Any other rank: what rank 0 said about the job's report, or ``None`` when it
        said nothing within ``timeout`` seconds (or SIGTERM came first)."""
        if self.exchange is None:
            return None
        deadline = time.monotonic() + timeout
        try:
            while True:
                said = _quietly(self.exchange.confirmation)
                if said is not None or time.monotonic() >= deadline:
                    return said
                time.sleep(POLL_S)
        except SystemExit as exc:
            if exc.code != EXIT_SIGTERM:
                raise
            self.terminated = True
            return None


def _quietly(call: Any) -> Any:
    try:
        return call()
    except Exception:
        return None


def run_rank(
    args: list[str],
    *,
    env: RankEnv,
    as_module: bool = False,
    backend: str | None = None,
    command: str | None = None,
    output: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> RankRun:
    """Run the target on this rank under a capture, post the capture, and on rank 0
    gather the job's report. Raises ``NoTargetError`` before anything runs when the target
    cannot be run (every rank does: each is told the same one line)."""
    TargetRunner(args, as_module=as_module).prepare()  # fail before connecting anywhere
    exchange: Exchange | None = None
    problem = None
    try:
        exchange = open_exchange(env, output)
        exchange.mark_started()
    except Exception as exc:
        exchange = None
        problem = f"rank {env.rank} cannot reach the other ranks ({_reason(exc)})"
    result = capture_target(args, as_module=as_module, backend=backend, command=command)
    report = build_report(result.events, result.run, seed_strings=result.seed_strings, wall_s=result.wall_s)
    detail = RankDetail(env.rank, local_rank=env.local_rank, node=env.node, compiles=compile_facts(result.events))
    run = RankRun(env, report, detail, exchange, problem=problem, timeout=timeout)
    if exchange is not None:
        try:
            exchange.post(encode_capture(report, detail))
        except Exception as exc:
            run.problem = f"rank {env.rank} could not send its capture ({_reason(exc)})"
            run.exchange = None
    if env.rank == 0:
        run.job = _gather(run, timeout if result.exit_code == 0 else min(timeout, FAILING_WAIT_S))
    return run


def other_rank_wait(run: RankRun, timeout: float) -> float | None:
    """How long a rank other than 0 waits for rank 0's word: ``timeout`` after its target
    succeeded; briefly after it was stopped (SIGTERM: rank 0 may be the rank that died);
    not at all (``None``) after it failed on its own, so the launcher sees the failure
    and stops the job at once, as it would without dynotrace (rank 0 then gathers this
    rank's capture, which waits in the exchange)."""
    code = run.report.run.exit_code or 0
    if code == 0:
        return timeout
    if code == EXIT_SIGTERM or run.report.run.interrupted:
        return min(timeout, FAILING_WAIT_S)
    return None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:159] + "…"


def _gather(run: RankRun, timeout: float) -> JobReport:
    """Rank 0: wait for the other ranks' captures (bounded) and build the job's report."""
    env = run.env
    everyone = set(range(env.world_size))
    reports: dict[int, Report] = {0: run.report}
    details: dict[int, RankDetail] = {0: run.detail}
    started: set[int] = set()
    bad: dict[int, str] = {}
    waited = time.monotonic()
    exchange = run.exchange
    if exchange is not None:
        deadline = waited + timeout
        try:
            while True:
                arrived = _quietly(exchange.posted) or set()
                for rank in sorted(arrived - set(reports) - set(bad)):
                    data = _quietly(lambda r=rank: exchange.fetch(r))
                    if data is None:
                        continue
                    try:
                        reports[rank], details[rank] = decode_capture(rank, data)
                    except Exception as exc:
                        bad[rank] = f"its capture could not be read ({_reason(exc)})"
                if set(reports) | set(bad) >= everyone or time.monotonic() >= deadline:
                    break
                time.sleep(POLL_S)
        except SystemExit as exc:
            if exc.code != EXIT_SIGTERM:
                raise
            run.terminated = True
        started = _quietly(exchange.started) or set()
    waited = time.monotonic() - waited
    missing = []
    for rank in sorted(everyone - set(reports)):
        missing.append(MissingRank(rank, bad.get(rank) or _why_missing(rank, run, started, timeout)))
    notes: list[str] = []
    if run.problem:
        notes.append(run.problem)
    job_run = replace(
        run.report.run,
        exit_code=job_exit_code({r: rep.run.exit_code for r, rep in reports.items()}),
        interrupted=any(rep.run.interrupted for rep in reports.values()) or run.terminated,
    )
    return build_job(
        reports,
        details,
        run=job_run,
        world_size=env.world_size,
        missing=tuple(missing),
        notes=tuple(notes),
        launcher=env.launcher,
        timing={"gather_s": round(waited, 6)},
    )


def job_exit_code(codes: dict[int, int | None]) -> int:
    """The job's exit code: that of the lowest rank that failed on its own, not by being
    stopped (torchrun sends SIGTERM to every other worker when one fails); else 143 when a
    rank was stopped; else 0."""
    failed = [code for _, code in sorted(codes.items()) if code not in (None, 0)]
    own = [code for code in failed if code != EXIT_SIGTERM]
    return (own or failed or [0])[0]


def _why_missing(rank: int, run: RankRun, started: set[int], timeout: float) -> str:
    if run.exchange is None:
        return "rank 0 could not reach the other ranks" + (f": {run.problem}" if run.problem else "")
    if run.terminated:
        how = "rank 0 was told to stop (SIGTERM: torchrun stops every worker when one fails) before its capture arrived"
    else:
        how = f"no capture arrived within {timeout:g} s of rank 0's end"
    if rank not in started:
        return f"{how}; it never started dynotrace (it was not launched, or died before)"
    return f"{how}; it started, so it crashed, was killed, or is still running (hung?)"


def rank_output_path(output: str, rank: int) -> str:
    """``report.yaml`` -> ``report.rank1.yaml``: where a rank writes its own report when
    rank 0 did not gather it."""
    head, ext = os.path.splitext(output)
    return f"{head}.rank{rank}{ext}"


def fallback_message(run: RankRun, said: dict[str, Any] | None, where: str) -> str:
    """One line on stderr: why this rank wrote (or printed) its own report."""
    if run.exchange is None:
        why = run.problem or "it could not reach rank 0"
    elif run.terminated:
        why = "it was told to stop (SIGTERM) before rank 0 gathered its capture"
    elif said is None:
        why = "rank 0 did not say it gathered it in time (rank 0 died, hung, or is still running)"
    elif not said.get("written"):
        why = "rank 0 could not write the job's report"
    else:
        why = f"rank 0's report of the job left it out (it holds {format_ranks(said.get('ranks') or [])})"
    return f"dynotrace: rank {run.env.rank}: {why}; its own report is {where}"


def print_problem(run: RankRun) -> None:
    if run.problem:
        print(f"dynotrace: warning: {run.problem}", file=sys.stderr, flush=True)
