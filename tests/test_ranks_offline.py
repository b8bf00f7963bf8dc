"""``dynotrace explain --trace DIR`` on directories with the logs of several ranks: each rank
read on its own, never merged into one process's timeline.

On tlparse's multi-rank test logs (``../shared/traces/tlparse/multi_rank_*``, see their
README) each rank's counts equal what that rank's own log records, counted here
independently, and the divergence verdicts are those ``tlparse --all-ranks-html`` gives
for the same directories (its landing page warns of, for ``multi_rank_runtime``:
diverging compile ids, cache hit/miss patterns in groups 0-4 and 5-6, collective
sequences in groups 0-4 and 5-6, runtime analysis unavailable, tensor metadata; for
``multi_rank_schedule``: collective sequences in groups 0, 2 and 1; for
``multi_rank_messy_input``: nothing). ``tests/fixtures/traces/ddp_uneven_batch`` and
``rank_zero_log`` are real 2-rank torchrun jobs of the samples of those names.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import pytest

import dynotrace
from conftest import ROOT, load_json, run_dynotrace
from dynotrace.errors import InputError
from dynotrace.jobs import offline, parallel
from dynotrace.jobs.offline import classify

FIXTURES = Path(__file__).parent / "fixtures" / "traces"
_ENVELOPE = re.compile(r"^(?:\[rank\d+\]:)?[VIWEC]\d{4} [^\]]*\] (\{.*\})\s*$")


def envelopes(path: Path) -> list[dict]:  # type: ignore[type-arg]
    """Every parsable JSON envelope of a (plain or gzipped) log, read without dynotrace."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    found = []
    for line in raw.decode("utf-8", "replace").splitlines():
        m = _ENVELOPE.match(line)
        if m:
            try:
                found.append(json.loads(m[1]))
            except ValueError:
                continue
    return found


def own_counts(log: Path) -> dict[str, int]:
    """What a rank's log records, counted from its envelopes."""
    events = envelopes(log)
    metrics = [e for e in events if "compilation_metrics" in e]
    return {
        "compiles": len(metrics),
        "recompiles": sum(1 for e in metrics if e.get("frame_compile_id", 0) > 0 and "recompile limit" not in str(e["compilation_metrics"].get("fail_reason") or "").lower()),
        "graphs": sum(1 for e in events if "dynamo_output_graph" in e),
        "guards": sum(e["compilation_metrics"].get("guard_count") or 0 for e in metrics),
        "graph_breaks": sum(1 for e in events if e.get("artifact", {}).get("name") == "dynamo_graph_break_reason"),
        "failed_compiles": sum(1 for e in metrics if e["compilation_metrics"].get("fail_type")),
    }


def explain_job(path: Path, tmp_path: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "job.json"
    run = run_dynotrace("explain", "--trace", str(path), "-o", str(out), "-q", *extra)
    assert run.returncode == 0, run.stderr
    return load_json(out)


def groups_of(data: dict, kind: str) -> list[list[int]]:  # type: ignore[type-arg]
    (d,) = [d for d in data["divergence"] if d["kind"] == kind]
    return [g["ranks"] for g in d["groups"]]


@pytest.mark.parametrize("name", ["multi_rank_runtime", "multi_rank_schedule", "multi_rank_messy_input"])
def test_each_rank_counts_its_own_events(name: str, shared_traces: Path, tmp_path: Path) -> None:
    directory = shared_traces / "tlparse" / name
    data = explain_job(directory, tmp_path)
    logs = sorted(directory.glob("dedicated_log_torch_trace_rank_*.log"))
    assert sorted(int(r) for r in data["ranks"]) == sorted(offline.rank_in_name(p.name) for p in logs)
    for log in logs:
        rank = str(offline.rank_in_name(log.name))
        summary = data["ranks"][rank]["summary"]
        assert {k: summary[k] for k in own_counts(log)} == own_counts(log), log.name
        # The same as reading that rank's log alone.
        alone = dynotrace.read_trace_report(str(log)).summary
        assert summary == {k: getattr(alone, k) for k in summary}
        assert data["ranks"][rank]["distributed"]["logs"] == [log.name]
    counts = data["summary"]["compiles"]
    per_rank = {int(r): d["summary"]["compiles"] for r, d in data["ranks"].items()}
    assert counts["min"] == min(per_rank.values()) and counts["max"] == max(per_rank.values())
    assert counts["max_ranks"] == sorted(r for r, v in per_rank.items() if v == counts["max"])


def test_multi_rank_runtime_gives_tlparse_verdicts(shared_traces: Path, tmp_path: Path) -> None:
    data = explain_job(shared_traces / "tlparse" / "multi_rank_runtime", tmp_path)
    # tlparse: "Diverging Compilation IDs": ranks 5 and 6 compiled 0/0 and 0/1 only.
    assert data["groups"] == [[0, 1, 2, 3, 4], [5, 6]]
    recompiles = next(d for d in data["divergence"] if d["kind"] == "recompiles")
    assert recompiles["summary"] == (
        "ranks 5, 6 did not recompile `inner` where ranks 0-4 did (0/2, 0/3): a different object (identity): `fn`"
    )
    # tlparse: cache hit/miss pattern groups "0, 1, 2, 3, 4" and "5, 6"; collective
    # sequence groups the same.
    assert groups_of(data, "cache") == [[0, 1, 2, 3, 4], [5, 6]]
    assert groups_of(data, "collectives") == [[0, 1, 2, 3, 4], [5, 6]]
    collectives = next(d for d in data["divergence"] if d["kind"] == "collectives")
    assert "graph 0/2 (6 collectives) runs on ranks 0-4, not on ranks 5, 6" in collectives["summary"]
    # tlparse finds no comparable runtimes ("different numbers of compiled graphs") and
    # reads the tensor metadata of ranks 0-4 from payloads that fail their md5 (the test
    # logs were edited); dynotrace does not compare damaged payloads, and says so.
    assert not [d for d in data["divergence"] if d["kind"] in ("runtime", "output_meta")]
    assert any("ranks 0-4 fail their checksums" in note for note in data["notes"])
    # Ranks 5 and 6 are rank 1's log under other names, as their records say.
    assert any("rank_5.log is named rank 5 but its records say rank 1" in note for note in data["notes"])


def test_multi_rank_schedule_gives_tlparse_verdict(shared_traces: Path, tmp_path: Path) -> None:
    data = explain_job(shared_traces / "tlparse" / "multi_rank_schedule", tmp_path)
    assert data["groups"] == [[0, 1, 2]]
    assert [d["kind"] for d in data["divergence"]] == ["collectives"]
    # tlparse: collective sequence groups "0, 2" and "1". Rank 1's schedule of 0/0 is the
    # one that differs, and its payload fails its md5: dynotrace says it cannot compare it.
    assert groups_of(data, "collectives") == [[0, 2], [1]]
    assert "the schedule of rank 1 fails its checksum" in data["divergence"][0]["summary"]


def test_messy_input_reads_the_two_ranks_and_says_what_it_left(shared_traces: Path, tmp_path: Path) -> None:
    data = explain_job(shared_traces / "tlparse" / "multi_rank_messy_input", tmp_path)
    assert list(data["ranks"]) == ["0", "1"] and data["divergence"] == [] and data["groups"] == [[0, 1]]
    assert data["notes"] == [
        "not read: another.log (no rank in its name or its records), some_other_file.txt "
        "(not a TORCH_TRACE log: only *.log and *.log.gz are read)"
    ]


def test_a_directory_with_one_rank_reads_as_before(shared_traces: Path) -> None:
    directory = shared_traces / "tlparse" / "collectives_parity"
    assert classify(directory) is None
    report = dynotrace.read_trace_report(str(directory))
    assert report.summary == dynotrace.read_trace_report(str(next(directory.glob("*.log")))).summary
    job = dynotrace.read_trace_job(str(directory / "dedicated_log_torch_trace_rank_0.log"))
    assert list(job.ranks) == [0] and job.ranks[0].summary == report.summary


def test_terminal_report_of_a_job_snapshot(shared_traces: Path) -> None:
    run = run_dynotrace("explain", "--trace", "../shared/traces/tlparse/multi_rank_runtime", "--width", "100", "--no-color", "--no-timing")
    assert run.returncode == 0, run.stderr
    golden = Path(__file__).parent / "golden" / "multi_rank_runtime.txt"
    if os.environ.get("DYNOTRACE_UPDATE_GOLDEN"):
        golden.write_text(run.stdout)
    assert run.stdout == golden.read_text()
    # Printed once for the job: the job's headline, then one report per group of ranks.
    assert run.stdout.count("7 ranks (0-6) read from their logs") == 1
    assert run.stdout.index("Divergence") < run.stdout.index("═ ranks 0-4")


def test_a_real_torchrun_job_where_one_rank_recompiled(tmp_path: Path) -> None:
    data = explain_job(FIXTURES / "ddp_uneven_batch", tmp_path)
    assert data["groups"] == [[0], [1]]
    (d,) = data["divergence"]
    assert d["summary"] == "rank 1 recompiled `Net.forward` (0/1): `x.size()[0]` was 8, now 6; rank 0 did not"
    assert d["location"]["file"].endswith("ddp_uneven_batch.py")
    for log in (FIXTURES / "ddp_uneven_batch").iterdir():
        rank = str(offline.rank_in_name(log.name))
        assert {k: data["ranks"][rank]["summary"][k] for k in own_counts(log)} == own_counts(log)


def test_a_real_torchrun_job_where_one_rank_broke_the_graph(tmp_path: Path) -> None:
    data = explain_job(FIXTURES / "rank_zero_log", tmp_path)
    (d,) = data["divergence"]
    assert d["kind"] == "graph_breaks"
    assert d["summary"] == "rank 0 broke the graph in `step` (GB0059 Failed to trace builtin operator); rank 1 did not"
    assert d["location"]["code"].startswith('print("step done")')
    assert data["summary"]["graph_breaks"] == {"min": 0, "max": 1, "min_ranks": [1], "max_ranks": [0]}


def _copy(src: Path, dest: Path, mtime: float | None = None) -> None:
    shutil.copyfile(src, dest)
    if mtime is not None:
        os.utime(dest, (mtime, mtime))


def test_what_a_directory_holds_besides_one_log_per_rank(tmp_path: Path) -> None:
    logs = sorted((FIXTURES / "ddp_uneven_batch").iterdir())
    d = tmp_path / "trace"
    d.mkdir()
    _copy(logs[0], d / "dedicated_log_torch_trace_rank_0_old.log.gz", mtime=1_000_000)
    _copy(logs[0], d / "dedicated_log_torch_trace_rank_0_new.log.gz", mtime=2_000_000)
    # No rank in the name: the rank comes from the records.
    _copy(logs[1], d / "worker-b.log.gz")
    _copy(FIXTURES / "graph_break_recompile.log.gz", d / "dedicated_log_torch_trace_x.log.gz")
    (d / "notes.txt").write_text("not a log")
    (d / "dedicated_log_torch_trace_rank_2.log").write_bytes(b"")

    layout = classify(d)
    assert layout is not None
    assert [(log.rank, log.path.name) for log in layout.logs] == [
        (0, "dedicated_log_torch_trace_rank_0_new.log.gz"),
        (1, "worker-b.log.gz"),
        (2, "dedicated_log_torch_trace_rank_2.log"),
    ]
    assert layout.logs[0].others == (d / "dedicated_log_torch_trace_rank_0_old.log.gz",)
    assert any(n.startswith("rank 0 has 2 logs: read dedicated_log_torch_trace_rank_0_new.log.gz, the newest") for n in layout.notes)
    assert any("dedicated_log_torch_trace_x.log.gz (no rank in its name or its records)" in n for n in layout.notes)
    assert any("notes.txt (not a TORCH_TRACE log" in n for n in layout.notes)

    job = dynotrace.read_trace_job(str(d))
    assert list(job.ranks) == [0, 1]
    (missing,) = job.missing
    assert missing.rank == 2 and missing.reason.startswith("its log could not be read: TORCH_TRACE log") and "is empty" in missing.reason
    with pytest.raises(InputError, match=r"rank_2\.log' is empty"):
        dynotrace.read_trace_job(str(d), strict=True)
    with pytest.raises(InputError, match=r"holds the logs of 3 ranks of a distributed job: read it with dynotrace.read_trace_job"):
        dynotrace.read_trace_report(str(d))


def test_reading_ranks_side_by_side_gives_the_same_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "trace"
    d.mkdir()
    for rank, log in enumerate(sorted((FIXTURES / "ddp_uneven_batch").iterdir()) * 2):
        _copy(log, d / f"dedicated_log_torch_trace_rank_{rank}.log.gz")
    one_by_one = dynotrace.read_trace_job(str(d))
    monkeypatch.setattr(offline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)  # offline imports the pool when it reads ranks
    side_by_side = dynotrace.read_trace_job(str(d))
    assert side_by_side == one_by_one
    assert side_by_side.groups == ((0, 2), (1, 3))


def test_explain_job_file_is_written_in_parts_as_whole(tmp_path: Path) -> None:
    d = FIXTURES / "ddp_uneven_batch"
    for fmt in ("yaml", "json"):
        out = tmp_path / f"job.{fmt}"
        assert run_dynotrace("explain", "--trace", str(d), "-o", str(out), "-q").returncode == 0
        job = dynotrace.load_job(out)
        again = tmp_path / f"again.{fmt}"
        dynotrace.render(job, fmt, file=again)
        assert again.read_text().split("timing:")[0] == out.read_text().split("timing:")[0]


def test_the_rank_option_shows_one_rank(tmp_path: Path) -> None:
    run = run_dynotrace("explain", "--trace", str(FIXTURES / "ddp_uneven_batch"), "--rank", "1", "--width", "100", "--no-color")
    assert run.returncode == 0, run.stderr
    assert "═ rank 1 ═" in run.stdout and "═ rank 0 ═" not in run.stdout
    absent = run_dynotrace("explain", "--trace", str(FIXTURES / "ddp_uneven_batch"), "--rank", "7", "--width", "100")
    assert "No report of rank 7 in this job (ranks 0, 1 reported)." in absent.stdout


def test_check_of_a_log_directory_fails_on_divergence(tmp_path: Path) -> None:
    d = str(FIXTURES / "ddp_uneven_batch")
    run = run_dynotrace("check", "--trace", d, "--width", "100", "--no-color")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "x the ranks diverge (recompiles): rank 1 recompiled `Net.forward` (0/1)" in run.stdout
    assert run_dynotrace("check", "--trace", d, "--fail-on", "graph-breaks,recompiles", "--max-graph-breaks", "0").returncode == 0
    budget = run_dynotrace("check", "--trace", d, "--max-recompiles", "0", "--fail-on", "none", "--width", "100", "--no-color")
    assert budget.returncode == 1
    assert "recompiles: 1 on rank 1, over the budget of 0 per rank" in budget.stdout
    # A baseline that is the same job: no new regression but the divergence itself.
    base = tmp_path / "base.yaml"
    assert run_dynotrace("check", "--trace", d, "--baseline", str(base), "--update-baseline", "--fail-on", "recompiles").returncode == 0
    assert isinstance(dynotrace.load_job(base), dynotrace.JobReport)
    again = run_dynotrace("check", "--trace", d, "--baseline", str(base), "--width", "100", "--no-color")
    assert again.returncode == 1 and "ranks 0, 1: no difference" in again.stdout
    assert run_dynotrace("check", "--trace", d, "--baseline", str(base), "--fail-on", "recompiles").returncode == 0


def test_diff_of_two_jobs_compares_rank_by_rank(tmp_path: Path) -> None:
    uneven, zero_log = tmp_path / "uneven.yaml", tmp_path / "zero.yaml"
    for src, out in ((FIXTURES / "ddp_uneven_batch", uneven), (FIXTURES / "rank_zero_log", zero_log)):
        assert run_dynotrace("explain", "--trace", str(src), "-o", str(out), "-q").returncode == 0
    same = run_dynotrace("diff", str(uneven), str(uneven), "--fail-on", "recompiles", "--width", "100", "--no-color")
    assert same.returncode == 0 and "ranks 0, 1: no difference" in same.stdout
    changed = run_dynotrace("diff", str(uneven), str(zero_log), "--width", "100", "--no-color")
    assert changed.returncode == 1
    assert "+ new divergence (graph_breaks) rank 0 broke the graph in `step`" in changed.stdout
    assert "- divergence gone (recompiles) rank 1 recompiled `Net.forward`" in changed.stdout
    as_json = tmp_path / "d.json"
    assert run_dynotrace("diff", str(uneven), str(zero_log), "-o", str(as_json)).returncode == 1
    data = load_json(as_json)
    assert data["kind"] == "job" and list(data["ranks"]) == ["0", "1"]
    assert [d["kind"] for d in data["divergence"]["added"]] == ["graph_breaks"]
    assert data["regressions"][0]["message"].startswith("ranks 0, 1: new graph break") or any(
        r["message"].startswith("rank 0: new graph break") for r in data["regressions"]
    )


def test_read_trace_report_keeps_reading_one_rank_s_log(shared_traces: Path) -> None:
    log = shared_traces / "tlparse" / "recompiles_kernel_rank_1.log"
    assert dynotrace.read_trace_report(str(log)).summary.recompiles > 0
    assert ROOT.is_dir()


# Memory flat in the number of ranks (issue 23): a job read for its file and terminal keeps
# whole only the reports its output needs, and the workers are concurrent.futures'.


def _four_ranks(tmp_path: Path) -> Path:
    """Ranks 0 and 2, and 1 and 3, each the same log: two ways of compiling."""
    d = tmp_path / "trace"
    d.mkdir()
    for rank, log in enumerate(sorted((FIXTURES / "ddp_uneven_batch").iterdir()) * 2):
        _copy(log, d / f"dedicated_log_torch_trace_rank_{rank}.log.gz")
    return d


def _side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)  # offline imports the pool when it reads ranks


def _before_timing(path: Path) -> str:
    return path.read_text().split("\ntiming:")[0].split('\n  "timing"')[0]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("parallel", [False, True])
def test_a_job_kept_in_outline_writes_the_file_of_the_whole_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, parallel: bool
) -> None:
    from dynotrace import api
    from dynotrace.model import RankOutline

    d = _four_ranks(tmp_path)
    if parallel:
        _side_by_side(monkeypatch)
    whole = dynotrace.read_trace_job(str(d))
    expected = tmp_path / f"whole.{fmt}"
    api.save(whole, expected)
    out = tmp_path / f"lean.{fmt}"
    run = api.run(trace=str(d), output=str(out), keep_ranks=(), command=f"dynotrace explain --trace {d}")
    assert run.job is not None
    assert [type(r) is RankOutline for r in run.job.ranks.values()] == [False, False, True, True]
    assert [r.like for r in run.job.ranks.values() if isinstance(r, RankOutline)] == [0, 1]
    assert run.job.groups == whole.groups and run.job.divergence == whole.divergence
    assert run.job.summary == whole.summary
    assert run.sections is not None and set(run.sections.files) == {0, 1, 2, 3}
    spool = run.sections.directory
    assert spool is not None
    run.save(str(out))
    assert not os.path.exists(spool)  # the ranks' parts are gone once the file is written
    assert _before_timing(out) == _before_timing(expected)
    # --rank N keeps N's report whole, and the terminal report is that of the whole job.
    shown = api.run(trace=str(d), keep_ranks=(3,), command=f"dynotrace explain --trace {d}")
    assert shown.job is not None and type(shown.job.ranks[3]) is not RankOutline
    for rank in (None, 3):
        text = [tmp_path / f"t{n}.txt" for n in (1, 2)]
        api.render(whole, "terminal", text[0], width=100, rank=rank, timing=False)
        api.render(shown.job, "terminal", text[1], width=100, rank=rank, timing=False)
        assert text[0].read_text() == text[1].read_text()


def _crash_on_rank_1(task: offline._Task) -> dict:  # type: ignore[type-arg]
    if task.log.rank == 1:
        os._exit(3)  # a worker that dies: killed, out of memory, a crash in C
    return offline_read_in_worker(task)


offline_read_in_worker = offline._read_in_worker


def test_a_worker_that_crashes_leaves_its_ranks_to_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _four_ranks(tmp_path)
    one_by_one = dynotrace.read_trace_job(str(d))
    _side_by_side(monkeypatch)
    monkeypatch.setattr(offline, "_read_in_worker", _crash_on_rank_1)
    assert dynotrace.read_trace_job(str(d)) == one_by_one


_INTERRUPTED = """
import os, sys, time
from dynotrace.jobs import offline, parallel
offline.PARALLEL_MIN_BYTES = 0
parallel.cpu_count = lambda: 2
real = offline._read_one
def slow(task):
    # One write, no buffer: a worker forked while this process is inside print() would
    # inherit the half it had buffered and write it again.
    os.write(1, f"reading {task.log.rank} {os.getpid()}\\n".encode())
    time.sleep(0.3)
    return real(task)
offline._read_one = slow
from dynotrace.cli.main import main
sys.argv = ["dynotrace", "explain", "--trace", sys.argv[1], "-o", sys.argv[2], "-q"]
main()
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_while_ranks_are_read_leaves_nothing_behind(tmp_path: Path, sig: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    d = tmp_path / "trace"
    d.mkdir()
    logs = sorted((FIXTURES / "ddp_uneven_batch").iterdir())
    for rank in range(40):
        _copy(logs[rank % 2], d / f"dedicated_log_torch_trace_rank_{rank}.log.gz")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    out = tmp_path / "job.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, str(d), str(out)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    pids: set[int] = set()
    while len(pids) < 2:  # this process and a worker are reading
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        pids.add(int(line.split()[2]))
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    # Ctrl-C while a log is read: click's "Aborted!" (exit 1); SIGTERM: 143.
    assert proc.returncode == (1 if sig == "SIGINT" else 143), err
    assert "Traceback" not in err and "Exception in thread" not in err, err
    time.sleep(0.2)
    for pid in pids:  # the worker is gone, not orphaned and still reading
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert not out.exists()
    assert list(scratch.iterdir()) == []  # no spool, no ranks' parts left
