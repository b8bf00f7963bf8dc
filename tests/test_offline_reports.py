"""``dynotrace explain --trace`` on real logs written by other people's runs (older torch
versions): the numbers equal what the log itself records, counted here independently by
scanning its JSON envelopes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import load_json, run_dynotrace

_ENVELOPE = re.compile(r"^[VIWEC]\d{4} [^\]]*\] (\{.*\})\s*$")


def envelopes(path: Path) -> list[dict]:
    """Every parsable JSON envelope of a TORCH_TRACE log, read without dynotrace."""
    found = []
    for line in path.read_text(errors="replace").splitlines():
        m = _ENVELOPE.match(line)
        if m:
            try:
                found.append(json.loads(m[1]))
            except ValueError:
                continue
    return found


LOGS = ["comp_metrics", "comp_failure", "simple", "cache_hit_miss", "artifacts", "recompiles_kernel_rank_1", "simple_corrupted_json"]


@pytest.mark.parametrize("name", LOGS)
def test_offline_numbers_equal_what_the_log_records(name: str, shared_traces: Path, tmp_path: Path) -> None:
    log = shared_traces / "tlparse" / f"{name}.log"
    metrics = [e for e in envelopes(log) if "compilation_metrics" in e]
    graphs = [e for e in envelopes(log) if "dynamo_output_graph" in e]
    out = tmp_path / "r.json"
    run = run_dynotrace("explain", "--trace", str(log), "-o", str(out), "-q")
    assert run.returncode == 0, run.stderr
    summary = load_json(out)["summary"]
    assert summary["compiles"] == len(metrics)
    assert summary["recompiles"] == sum(1 for e in metrics if e.get("frame_compile_id", 0) > 0)
    assert summary["graphs"] == len(graphs)
    assert summary["guards"] == sum(e["compilation_metrics"].get("guard_count") or 0 for e in metrics)
    assert summary["failed_compiles"] == sum(1 for e in metrics if e["compilation_metrics"].get("fail_type"))


def test_old_logs_without_break_artifacts_still_show_their_graph_breaks(shared_traces: Path, tmp_path: Path) -> None:
    log = shared_traces / "tlparse" / "comp_metrics.log"
    restarts = [r for e in envelopes(log) if "compilation_metrics" in e for r in e["compilation_metrics"]["restart_reasons"] or []]
    out = tmp_path / "r.json"
    assert run_dynotrace("explain", "--trace", str(log), "-o", str(out), "-q").returncode == 0
    report = load_json(out)
    assert report["summary"]["graph_breaks"] == len(restarts) > 0
    # A foreign machine's paths are kept as written, not made relative to this checkout.
    assert report["functions"][0]["file"].startswith("/data/users/")


def test_recompile_reasons_of_a_real_log_are_explained(shared_traces: Path, tmp_path: Path) -> None:
    log = shared_traces / "tlparse" / "recompiles_kernel_rank_1.log"
    out = tmp_path / "r.json"
    assert run_dynotrace("explain", "--trace", str(log), "-o", str(out), "-q").returncode == 0
    failures = [c["guard_failures"][0] for c in load_json(out)["functions"][0]["compiles"] if c["guard_failures"]]
    assert failures and {f["category"] for f in failures} == {"tensor_shape"}
    assert all(f["source"] == "x.size()[0]" and f["expected"] and f["actual"] for f in failures)


def test_strict_turns_damage_into_exit_2(shared_traces: Path) -> None:
    log = shared_traces / "tlparse" / "simple_corrupted_json.log"
    run = run_dynotrace("explain", "--trace", str(log), "--strict", "-q")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1
