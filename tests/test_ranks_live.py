"""``dynotrace explain`` and ``check`` under a launcher: real 2-process CPU jobs (gloo).

Each rank captures its own process; rank 0 prints one report for the job and writes one
``-o`` file with every rank's report; each rank's numbers equal what torch itself counted
in that rank (``tests/helpers/torch_counts.py``, run in each rank of the same job under
plain python), and equal what the offline read of the same run's ``TORCH_TRACE`` logs
gives. A rank that fails, hangs or never starts never makes dynotrace hang; the report
names it. Each torchrun job takes 10-15 s on two cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import dynotrace
from conftest import HELPERS, ROOT, Run, plain_env

pytestmark = pytest.mark.torch

UNEVEN = "sample_programs/distributed/ddp_uneven_batch.py"
SAME = "sample_programs/distributed/ddp_train.py"
FAILS = "tests/programs/ranks/rank_fails.py"


def torchrun(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> Run:
    """A 2-process job on this machine; ``--standalone`` picks a free port."""
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *args],
        cwd=ROOT,
        env=env or plain_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


TRUTH = {
    "compiles": "compiles",
    "graphs": "unique_graphs",
    "graph_breaks": "graph_breaks",
    "guards": "guards",
    "shape_guards": "shape_env_guards",
    "functions": "functions",
    "failed_compiles": "failed",
}


def _without_call_sites(functions: Any) -> list[Any]:
    return [replace(f, compiles=tuple(replace(c, call_site=None) for c in f.compiles)) for f in functions]


def test_one_report_for_the_job_with_each_rank_s_own_counts(tmp_path: Path) -> None:
    counts = torchrun("--no-python", sys.executable, str(HELPERS / "torch_counts.py"), str(tmp_path / "counts_{rank}.json"), UNEVEN)
    assert counts.returncode == 0, counts.stderr
    env = {**plain_env(), "TORCH_TRACE": str(tmp_path / "trace")}
    runs = []
    for n in (1, 2):  # twice in a row: nothing of the first run may reach the second
        out = tmp_path / f"job{n}.yaml"
        run = torchrun("-m", "dynotrace", "explain", UNEVEN, "-o", str(out), "--width", "100", "--no-color", "--no-timing", env=env)
        assert run.returncode == 0, run.stderr
        runs.append((run, dynotrace.load_job(out)))
    run, job = runs[0]
    # Printed once for the job, not once per rank.
    assert run.stdout.count("dynotrace sample_programs/distributed/ddp_uneven_batch.py") == 3  # headline + 2 rank reports
    assert run.stdout.count("torchrun job, 2 ranks") == 1
    assert run.stdout.index("Divergence") < run.stdout.index("═ rank 0 ═") < run.stdout.index("═ rank 1 ═")
    assert job.launcher == "torchrun" and job.world_size == 2 and job.missing == ()
    assert list(job.ranks) == [0, 1] and job.groups == ((0,), (1,))
    (d,) = job.divergence
    assert d.summary == "rank 1 recompiled `Net.forward` (0/1): `x.size()[0]` was 8, now 6; rank 0 did not"
    for rank, report in job.ranks.items():
        torch_side = json.loads((tmp_path / f"counts_{rank}.json").read_text())
        summary = report.summary
        for ours, theirs in TRUTH.items():
            assert getattr(summary, ours) == torch_side[theirs], (rank, ours)
        assert summary.recompiles + summary.recompile_limit_hits == torch_side["recompiles"]
        assert report.run.exit_code == torch_side["exit_code"] == 0
        assert job.detail(rank).local_rank == rank and job.detail(rank).node == 0
    # Run twice: the second job's report equals the first's (timing aside), with both ranks.
    assert runs[1][1] == job
    # The same run's TORCH_TRACE logs, read offline, give each rank the same report.
    offline = dynotrace.read_trace_job(str(tmp_path / "trace"))
    assert len(list((tmp_path / "trace").iterdir())) == 4  # two runs x two ranks: the newest read
    for rank in (0, 1):
        # A log may not show where the user's code called a compiled function (releases.
        # stack_lacks_caller): offline then says unknown, never another line.
        for live_c, log_c in zip(job.ranks[rank].compiles, offline.ranks[rank].compiles, strict=True):
            assert log_c.call_site in (None, live_c.call_site)
        assert _without_call_sites(offline.ranks[rank].functions) == _without_call_sites(job.ranks[rank].functions)
        assert offline.ranks[rank].summary == job.ranks[rank].summary
    assert [x.summary for x in offline.divergence] == [x.summary for x in job.divergence]
    # Nothing but the reports and the logs is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counts_0.json", "counts_1.json", "job1.yaml", "job2.yaml", "trace"]


def test_a_failing_rank_is_in_the_report_and_the_job_still_stops(tmp_path: Path) -> None:
    out = tmp_path / "job.yaml"
    started = time.monotonic()
    run = torchrun("-m", "dynotrace", "explain", FAILS, "-o", str(out), "--width", "100", "--no-color")
    took = time.monotonic() - started
    assert run.returncode != 0
    # Rank 1 exits at once with its own code, so torchrun stops rank 0 (asleep for 20 s).
    assert took < 60, took
    job = dynotrace.load_job(out)
    assert job.ranks[1].run.exit_code == 3
    assert job.ranks[0].run.exit_code == 143 and job.ranks[0].run.interrupted
    assert job.run.exit_code == 3 and job.missing == ()
    assert "rank 1 exited with code 3" in run.stdout


def _launch(rank: int, world: int, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """A rank started by hand, as a launcher other than torchrun would: RANK and WORLD_SIZE
    only, no torchrun store (so the ranks meet through files beside the -o file)."""
    return subprocess.Popen(
        [sys.executable, "-m", "dynotrace", *args],
        cwd=ROOT,
        env={**env, "RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_hung_and_a_never_started_rank_are_named_and_nothing_waits_for_ever(tmp_path: Path) -> None:
    out = tmp_path / "job.yaml"
    args = ["explain", FAILS, "hang", "-o", str(out), "--rank-timeout", "3", "--width", "100", "--no-color"]
    env = {**plain_env(), "HANG_S": "12", "RANK0_SLEEP_S": "0"}
    # World of 3: rank 1 hangs for 12 s, rank 2 is never started.
    hung = _launch(1, 3, args, env)
    rank0 = _launch(0, 3, args, env)
    try:
        stdout0, stderr0 = rank0.communicate(timeout=60)
        assert rank0.returncode == 0, stderr0
        assert hung.poll() is None  # rank 0 did not wait for it
        job = dynotrace.load_job(out)
        assert list(job.ranks) == [0] and job.world_size == 3 and job.launcher == "environment"
        missing = {m.rank: m.reason for m in job.missing}
        assert missing[1] == (
            "no capture arrived within 3 s of rank 0's end; it started, so it crashed, was killed, or is still running (hung?)"
        )
        assert missing[2].endswith("it never started dynotrace (it was not launched, or died before)")
        assert "ranks 1, 2 missing" in stdout0
        _, stderr1 = hung.communicate(timeout=60)
    finally:
        for proc in (hung, rank0):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    # Rank 1's findings are not lost: rank 0's report left it out, so it wrote its own.
    assert hung.returncode == 3
    assert "dynotrace: rank 1: rank 0's report of the job left it out (it holds rank 0); its own report is in" in stderr1
    own = dynotrace.load(tmp_path / "job.rank1.yaml")
    assert own.summary.compiles == 1 and own.run.exit_code == 3
    assert (tmp_path / ".dynotrace-ranks").is_dir()  # where the ranks met
    leftovers = sorted(p.name for p in (tmp_path / ".dynotrace-ranks").rglob("*") if p.is_file())
    assert all(not name.startswith(".tmp-") for name in leftovers)


def test_check_under_torchrun_fails_on_divergence_and_passes_alike_ranks(tmp_path: Path) -> None:
    diverging = torchrun("-m", "dynotrace", "check", UNEVEN, "--width", "100", "--no-color")
    assert diverging.returncode != 0
    assert diverging.stdout.count("dynotrace check ─") == 1
    assert "x the ranks diverge (recompiles): rank 1 recompiled `Net.forward` (0/1)" in diverging.stdout
    alike = torchrun("-m", "dynotrace", "check", SAME, "--max-recompiles", "0", "-o", str(tmp_path / "job.json"), "--width", "100", "--no-color")
    assert alike.returncode == 0, alike.stdout + alike.stderr
    assert "No regression." in alike.stdout
    job = dynotrace.load_job(tmp_path / "job.json")
    assert job.groups == ((0, 1),) and job.divergence == ()
    assert os.listdir(tmp_path) == ["job.json"]
