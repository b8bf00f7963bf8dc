"""Every summary number dynotrace prints equals what torch itself counted.

For each sample program, the program runs once under plain python with a recorder of
torch's own bookkeeping (tests/helpers/torch_counts.py) and once under ``dynotrace
explain``; the numbers are compared, never typed in. The dynotrace run is the session's
shared one of that program (``conftest.shared_explain``), which other tests read too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PROGRAM_ARGS, ROOT, SAMPLES, fresh_torch_counts, load_json, shared_explain, torch_counts

pytestmark = pytest.mark.torch

SAMPLE_FILES = sorted(SAMPLES.glob("*.py"))
#: Dynamo scenarios beyond the samples (graph breaks in inlined frames, loops and with
#: blocks, recompiles on kwargs, closures, containers, global state ...), one each.
CORPUS_FILES = sorted((ROOT / "tests" / "programs" / "corpus").glob("*.py"))


@pytest.mark.parametrize("script", SAMPLE_FILES + CORPUS_FILES, ids=lambda p: p.stem)
def test_summary_equals_torch_counts(script: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    program = script.relative_to(ROOT).as_posix()
    torch_side = torch_counts(script, *PROGRAM_ARGS.get(program, []), tmp_path=tmp_path)

    ours = shared_explain(tmp_path_factory, program)
    run, report = ours.run, ours.data()
    summary = report["summary"]

    assert run.returncode == torch_side["exit_code"], run.stderr
    assert report["exit_code"] == torch_side["exit_code"]
    assert summary["compiles"] == torch_side["compiles"]
    assert summary["graphs"] == torch_side["unique_graphs"]
    assert summary["graph_breaks"] == torch_side["graph_breaks"]
    assert summary["guards"] == torch_side["guards"]
    assert summary["shape_guards"] == torch_side["shape_env_guards"]
    assert summary["functions"] == torch_side["functions"]
    # torch logs every recompile attempt, including the one the recompile limit refuses.
    assert summary["recompiles"] + summary["recompile_limit_hits"] == torch_side["recompiles"]
    assert summary["recompiles"] + summary["recompile_limit_hits"] == torch_side["recompile_attempts"]
    assert summary["recompile_limit_hits"] == torch_side["recompile_limit_warnings"]
    assert summary["recompile_limit_hits"] == torch_side["limit_failures"]
    assert summary["failed_compiles"] == torch_side["failed"]


@pytest.mark.parametrize(
    "script",
    [SAMPLES / "recompile_limit.py", SAMPLES / "inductor_small.py", SAMPLES / "target_raises.py", CORPUS_FILES[0].parent / "gb_then_recompile.py"],
    ids=lambda p: p.stem,
)
def test_a_forked_count_equals_a_new_interpreter_s(script: Path, tmp_path: Path) -> None:
    """``torch_counts()`` runs each program in a child forked from an interpreter that
    imported torch once: it counts what a new ``python torch_counts.py`` counts (recompiles
    and the limit's warnings, the inductor backend, a script that raises, graph breaks)."""
    forked = torch_counts(script, tmp_path=tmp_path)
    fresh_torch_counts(script, out=tmp_path / "fresh.json")
    assert load_json(tmp_path / "fresh.json") == forked
