"""The multi-rank report file (schema 2) and the launcher's environment.

A job's file holds each rank's single-rank document under ``ranks``, so anything that reads
one rank's report reads ``ranks['1']``; it loads back equal to the job written; written in
parts (each rank serialised by the process that read it) it is the same text as written
whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import dynotrace
from dynotrace.errors import InputError, UsageError
from dynotrace.model import Location, Report
from dynotrace.api import load_any, load_job
from dynotrace.api import save as write_job
from dynotrace.files.documents import Sections as RankSections, section_text
from dynotrace.jobs.combine import build_job
from dynotrace.jobs.launcher import rank_env
from dynotrace.model import CompileFacts, MissingRank, RankDetail
from dynotrace.model.schema import job_to_dict, rank_to_dict
from dynotrace.api import save as write_report
from dynotrace.model.schema import SCHEMA_VERSION, report_from_dict
from test_ranks_divergence import PRINT_BREAK, RUN, compile_, report, size_change


def sample_job():  # type: ignore[no-untyped-def]
    same = report(compile_(0))
    odd = report(compile_(0), compile_(1, failure=size_change(8, 6)))
    broke = report(compile_(0, breaks=(PRINT_BREAK,)))
    facts = {
        0: RankDetail(0, local_rank=0, node=0, compiles=(CompileFacts("0/0", collectives=("a", "b"), cache=("fx_graph_cache_hit",)),)),
        1: RankDetail(1, local_rank=1, node=0, compiles=(CompileFacts("0/0", collectives=("a",), estimated_runtime_ms=1.5, output_meta="abc", output_ops=3),)),
        3: RankDetail(3, local_rank=1, node=1, logs=("x.log",)),
    }
    return build_job(
        {0: same, 1: odd, 3: broke},
        facts,
        run=RUN,
        world_size=4,
        missing=(MissingRank(2, "no capture arrived within 120 s of rank 0's end"),),
        notes=("a note",),
        launcher="torchrun",
        timing={"gather_s": 0.5},
    )


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_job_file_loads_back_equal(tmp_path: Path, suffix: str) -> None:
    job = sample_job()
    path = tmp_path / f"job{suffix}"
    write_job(job, str(path))
    again = load_job(str(path))
    assert again == job
    assert again.schema_version == SCHEMA_VERSION
    assert again.summary == job.summary
    assert [d.summary for d in again.divergence] == [d.summary for d in job.divergence]
    assert dynotrace.load_job(path) == job
    assert load_any(str(path)) == job


def test_the_document_holds_each_rank_as_a_single_rank_report(tmp_path: Path) -> None:
    job = sample_job()
    path = tmp_path / "job.yaml"
    write_job(job, str(path))
    data = yaml.safe_load(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert list(data["ranks"]) == ["0", "1", "3"]
    assert data["summary"]["ranks"] == 3 and data["summary"]["missing_ranks"] == [2]
    assert data["summary"]["recompiles"] == {"min": 0, "max": 1, "min_ranks": [0, 3], "max_ranks": [1]}
    assert data["missing"] == [{"rank": 2, "reason": "no capture arrived within 120 s of rank 0's end"}]
    assert data["groups"] == [[0], [1], [3]]
    kinds = [d["kind"] for d in data["divergence"]]
    assert "recompiles" in kinds and "graph_breaks" in kinds
    one = data["ranks"]["1"]
    assert report_from_dict(one) == job.ranks[1]
    assert one["distributed"]["compiles"][0]["estimated_runtime_ms"] == 1.5
    assert list(one)[-2:] == ["distributed", "timing"]
    # A single-rank tool reads rank 1's report out of the file as it is.
    single = tmp_path / "rank1.json"
    single.write_text(json.dumps(one))
    assert dynotrace.load(single) == job.ranks[1]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_file_written_in_parts_is_the_file_written_whole(tmp_path: Path, fmt: str) -> None:
    job = sample_job()
    whole, parts = tmp_path / f"whole.{fmt}", tmp_path / f"parts.{fmt}"
    write_job(job, str(whole))
    sections = {r: section_text("ranks", str(r), rank_to_dict(rep, job.detail(r)), fmt) for r, rep in job.ranks.items()}
    del sections[3]  # a rank without its part is serialised by the writer
    write_job(job, str(parts), sections=RankSections(fmt, sections))
    assert parts.read_text() == whole.read_text()
    if fmt == "json":
        assert json.loads(whole.read_text()) == json.loads(json.dumps(job_to_dict(job)))


def test_one_process_report_and_a_job_report_are_told_apart(tmp_path: Path) -> None:
    single = tmp_path / "single.yaml"
    write_report(report(compile_(0)), str(single))
    job = tmp_path / "job.yaml"
    write_job(sample_job(), str(job))
    assert not load_any(str(single)).distributed
    with pytest.raises(InputError, match=r"report of a distributed job \(3 ranks\).*read it with dynotrace.load_job"):
        dynotrace.load(job)
    with pytest.raises(InputError, match=r"report of one process, not of a distributed job: read it with dynotrace.load"):
        load_job(str(single))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["ranks"].update({"x": d["ranks"]["0"]}), r"ranks: 'x' is not a rank number"),
        (lambda d: d.update({"divergence": {"a": 1}}), r"divergence: expected a list"),
        (lambda d: d["ranks"]["0"].update({"functions": [{"name": 3}]}), r"rank 0.*functions\[0\]"),
        (lambda d: d["missing"].append({"rank": "two"}), r"missing\[1\]"),
        (lambda d: d.update({"schema_version": SCHEMA_VERSION + 1}), r"upgrade dynotrace"),
    ],
    ids=["rank-key", "divergence", "rank-report", "missing", "newer"],
)
def test_a_damaged_job_file_is_one_line(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(job_to_dict(sample_job())))
    edit(data)
    path = tmp_path / "job.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as caught:
        load_job(str(path))
    assert "\n" not in str(caught.value)


def test_the_divergence_keeps_its_location(tmp_path: Path) -> None:
    job = sample_job()
    path = tmp_path / "job.json"
    write_job(job, str(path))
    recompiles = next(d for d in load_job(str(path)).divergence if d.kind == "recompiles")
    assert recompiles.location == Location("train.py", 12, "forward", "return self.fc(x)")


def test_render_writes_a_job_as_the_cli_does(tmp_path: Path) -> None:
    job = sample_job()
    dynotrace.render(job, "yaml", file=tmp_path / "job.yaml")
    assert load_job(str(tmp_path / "job.yaml")) == job
    out = tmp_path / "job.txt"
    dynotrace.render(job, "terminal", file=out, width=100, timing=False)
    text = out.read_text()
    assert text.startswith("dynotrace train.py  torch 2.13.0\ntorchrun job, 3 of 4 ranks · rank 2 missing")
    assert "rank 1 recompiled `Net.forward` (0/1): `x.size()[0]` was 8, now 6" in text
    dynotrace.render(job, "terminal", file=out, width=100, rank=3)
    assert "═ rank 3 ═" in out.read_text() and "═ rank 0 ═" not in out.read_text()
    with pytest.raises(TypeError, match="only a distributed job's report"):
        dynotrace.render(job.ranks[0], "terminal", file=out, rank=0)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"RANK": "0", "WORLD_SIZE": "1"}, None),
        ({"RANK": "1"}, None),
        ({"LOCAL_RANK": "1", "WORLD_SIZE": "2"}, None),
    ],
)
def test_not_a_rank_of_several(env: dict[str, str], expected: None) -> None:
    assert rank_env(env) is expected


def test_torchrun_environment() -> None:
    env = {
        "RANK": "3",
        "WORLD_SIZE": "4",
        "LOCAL_RANK": "1",
        "LOCAL_WORLD_SIZE": "2",
        "GROUP_RANK": "1",
        "GROUP_WORLD_SIZE": "2",
        "MASTER_ADDR": "node0",
        "MASTER_PORT": "29500",
        "TORCHELASTIC_RUN_ID": "abc",
        "TORCHELASTIC_RESTART_COUNT": "2",
        "TORCHELASTIC_USE_AGENT_STORE": "True",
    }
    r = rank_env(env)
    assert r is not None
    assert (r.rank, r.world_size, r.local_rank, r.node, r.nodes, r.master_port) == (3, 4, 1, 1, 2, 29500)
    assert r.agent_store and r.launcher == "torchrun" and r.job_key == "abc.2"
    plain = rank_env({"RANK": "1", "WORLD_SIZE": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1234"})
    assert plain is not None and not plain.agent_store and plain.launcher == "environment"
    assert plain.job_key == "h-1234"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RANK": "x", "WORLD_SIZE": "2"}, r"RANK='x' in the environment is not a whole number"),
        ({"RANK": "2", "WORLD_SIZE": "2"}, r"RANK=2 and WORLD_SIZE=2 in the environment"),
        ({"RANK": "0", "WORLD_SIZE": "0"}, r"a rank must be 0 to WORLD_SIZE-1"),
    ],
)
def test_a_nonsense_environment_is_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        rank_env(env)
