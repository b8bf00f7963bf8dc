"""The field corpus: real models (transformers, torchvision, timm, DDP) in the loops people
run, each script in ``field/`` (see field/README.md for what each shows), and the loops of
``loops/`` (loops/README.md): training and inference loops of the kinds the advice must hold
on (optimizer and scheduler state, dict and dataclass configs, MoE routing, encoder-decoder
generation, diffusion sampling, data-dependent post-processing, shared decorators).

Each script runs once under plain python with a recorder of torch's own bookkeeping
(tests/helpers/torch_counts.py) and once under ``dynotrace explain``; then, as
separate tests on the same two runs:

* every summary number equals torch's own count (as in test_truth.py; per rank for the
  torchrun job);
* no recompile is explained as ``other`` (a guard failure dynotrace could not classify);
* every function is named by what the user knows (``GPT2LMHeadModel.forward``), never by
  the bare name of a decorator's wrapper frame (``wrapper``, ``inner`` ...);
* every function names where the user's script called it (a compile's ``call_site`` in
  the script);
* the terminal report equals ``tests/golden/field/<name>.txt`` (from its headline on: the
  script's own prints are left out); ``DYNOTRACE_UPDATE_GOLDEN=1`` writes it;
* for the loops: the categories each recompile must be explained with, words the report
  must say (a fix whose premise holds there) and words it must not (a story whose premise
  is false there: ``EXPECTED``), no name Dynamo made up and no object id in the report.

Only a few scripts run by default (CI's budget); ``DYNOTRACE_FIELD=all`` runs the rest.
Scripts whose packages are missing skip: transformers comes with ``pip install -e
'.[field]'``; torchvision and timm do not install next to every torch, so the vision
scripts run in a venv of their own (field/README.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import HELPERS, ROOT, Run, load_json, once_per_session, plain_env, run_dynotrace

pytestmark = [pytest.mark.torch, pytest.mark.field]

FIELD = ROOT / "field"
LOOPS = ROOT / "loops"
GOLDEN = Path(__file__).parent / "golden" / "field"
#: Generous: a cold compile of a real model on two shared cores takes minutes.
TIMEOUT = 900

#: Every field script and the package it needs (skipped when it does not import).
NEEDS = {
    "gpt2_generate_train": "transformers",
    "llama_generate": "transformers",
    "bert_train_eval": "transformers",
    "t5_seq2seq": "transformers",
    "qwen2_train_last_batch": "transformers",
    "vit_classify": "transformers",
    "tv_resnet_train": "torchvision",
    "tv_detection": "torchvision",
    "timm_model": "timm",
    "ddp_compile_wrapped": "torch",
}
#: The loops of loops/ and the package each needs beyond torch.
LOOP_NEEDS = {
    "adamw_lr_schedule": "torch",
    "adamw_lr_schedule_tensor_lr": "torch",
    "sampler_dict_config": "torch",
    "dataclass_config_distill": "torch",
    "moe_train": "torch",
    "llama_moe_blocks": "torch",
    "profiled_blocks": "torch",
    "detector_postprocess": "torch",
    "xl_memory_train": "torch",
    "t5_generate": "transformers",
    "ddpm_sample": "diffusers",
}
NEEDS.update(LOOP_NEEDS)
#: What runs without DYNOTRACE_FIELD=all (CI runs these).
DEFAULT = {
    "gpt2_generate_train", "bert_train_eval", "ddp_compile_wrapped", "adamw_lr_schedule", "sampler_dict_config",
}

#: Per loop: the categories its recompiles are explained with (all of them), and what its
#: terminal report must say and must not (a fix story whose premise is false there).
EXPECTED: dict[str, tuple[set[str], tuple[str, ...], tuple[str, ...]]] = {
    "adamw_lr_schedule": (
        {"optimizer_setting"},
        ("lr=torch.tensor(1e-3)", "torch's optimizer breaks here on purpose", "Optimizer.profile_hook_step"),
        ("register_buffer", "module attribute"),
    ),
    "adamw_lr_schedule_tensor_lr": (set(), (), ("Fix first",)),
    "sampler_dict_config": (
        {"tensor_shape", "passed_value", "container"},
        ("cfg gained the key 'top_p'",),
        ("register_buffer", "keys of 'top_p'", "module attribute"),
    ),
    "dataclass_config_distill": ({"module_attribute", "passed_value"}, ("cfg.temperature is a value of cfg",), ("specialize_float",)),
    "moe_train": ({"tensor_shape"}, (), ("drop_last", "epoch")),
    "llama_moe_blocks": (
        {"tensor_shape", "global_state"},
        ("TransformerBlock.forward", "RMSNorm.forward", "mark_unbacked"),
        ("mark_dynamic(x, 0)", "epoch"),
    ),
    "profiled_blocks": ({"shared_code"}, ("raise torch._dynamo.config.recompile_limit to at least",), ("only delays",)),
    "detector_postprocess": (set(), (), ("before your call at loops/detector_postprocess.py:82",)),
    "xl_memory_train": (set(), (), ("generate()",)),
    "t5_generate": (set(), ("a new input length",), ("KV cache grew from 8 to 13",)),
    "ddpm_sample": (set(), (), ("specialize_float", "all of it ran eagerly", "without a warning")),
}
#: Run under torchrun with 2 processes (gloo, CPU).
TORCHRUN = {"ddp_compile_wrapped"}
NAMES = sorted(NEEDS)


def _script(name: str) -> str:
    return f"loops/{name}.py" if name in LOOP_NEEDS else f"field/{name}.py"

#: Names of the frames library decorators wrap a function in: a function shown by one of
#: these tells the user nothing about which of their functions it is.
BARE_WRAPPER_NAMES = {"wrapper", "wrapped_func", "inner", "_fn", "decorate_context"}


@dataclass
class FieldRun:
    """One script's plain run (torch's counts) and its dynotrace run, with the report of
    each process: ``(rank, report dict, torch's counts)``, rank ``None`` for one process."""

    run: Run
    exit_code: int | None
    reports: list[tuple[int | None, dict[str, Any], dict[str, Any]]]
    #: The plain run's TORCH_TRACE directory (one process only), read offline below.
    trace: Path | None = None


def _gate(name: str) -> None:
    if name not in DEFAULT and os.environ.get("DYNOTRACE_FIELD") != "all":
        pytest.skip("run with DYNOTRACE_FIELD=all (README: Field corpus)")
    package = NEEDS[name]
    extra = "field-vision" if package in ("torchvision", "timm") else "field"
    try:
        pytest.importorskip(package, reason=f"{_script(name)} needs {package} (the [{extra}] extra; field/README.md)")
    except Exception as exc:  # noqa: BLE001 - a wheel built for another torch fails on import (RuntimeError)
        pytest.skip(f"{_script(name)} needs {package}, which is installed but does not import next to this torch: {exc}")


def _subprocess(args: list[str], env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(args, cwd=ROOT, env=env or plain_env(), capture_output=True, text=True, timeout=TIMEOUT)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _torchrun(*args: str) -> Run:
    """A 2-process job on this machine, as tests/test_ranks_live.py runs them."""
    return _subprocess([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *args])


def _run_single(name: str, tmp: Path) -> FieldRun:
    script = _script(name)
    counts = tmp / "torch_counts.json"
    trace = tmp / "trace"
    _subprocess([sys.executable, str(HELPERS / "torch_counts.py"), str(counts), script], env={**plain_env(), "TORCH_TRACE": str(trace)})
    torch_side = json.loads(counts.read_text())
    report_path = tmp / "report.json"
    run = run_dynotrace("explain", script, "-o", str(report_path), "--width", "100", "--no-color", "--no-timing", timeout=TIMEOUT)
    assert report_path.exists(), f"no report written:\n{run.stdout}\n{run.stderr}"
    report = load_json(report_path)
    return FieldRun(run, report["exit_code"], [(None, report, torch_side)], trace)


def _run_torchrun(name: str, tmp: Path) -> FieldRun:
    script = f"field/{name}.py"
    counts = _torchrun("--no-python", sys.executable, str(HELPERS / "torch_counts.py"), str(tmp / "counts_{rank}.json"), script)
    assert counts.returncode == 0, counts.stderr
    report_path = tmp / "job.json"
    run = _torchrun("-m", "dynotrace", "explain", script, "-o", str(report_path), "--width", "100", "--no-color", "--no-timing")
    assert report_path.exists(), f"no report written:\n{run.stdout}\n{run.stderr}"
    job = load_json(report_path)
    assert job["world_size"] == 2 and sorted(job["ranks"]) == ["0", "1"] and job["missing"] == []
    reports: list[tuple[int | None, dict[str, Any], dict[str, Any]]] = [(int(rank), job["ranks"][rank], json.loads((tmp / f"counts_{rank}.json").read_text())) for rank in sorted(job["ranks"])]
    return FieldRun(run, job["exit_code"], reports)


@pytest.fixture
def field_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FieldRun:
    """The two runs of the test's script, made once in the session (whichever xdist worker
    asks first) and shared by its checks."""
    name = request.node.callspec.params["name"]
    _gate(name)

    def make(tmp: Path) -> None:
        try:
            made = (_run_torchrun if name in TORCHRUN else _run_single)(name, tmp)
        except (AssertionError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise AssertionError(f"the runs of {_script(name)} failed: {exc}") from exc
        saved = {"run": vars(made.run), "exit_code": made.exit_code, "reports": made.reports, "trace": made.trace and str(made.trace)}
        (tmp / "field_run.json").write_text(json.dumps(saved))

    tmp = once_per_session(tmp_path_factory, f"field.{name}", make)
    saved = load_json(tmp / "field_run.json")
    reports = [(rank, report, torch_side) for rank, report, torch_side in saved["reports"]]
    return FieldRun(Run(**saved["run"]), saved["exit_code"], reports, saved["trace"] and Path(saved["trace"]))


def _where(rank: int | None) -> str:
    return "" if rank is None else f"rank {rank}: "


def test_every_field_script_is_listed() -> None:
    """A script added to field/ or loops/ without an entry here would never run."""
    assert sorted(p.stem for p in [*FIELD.glob("*.py"), *LOOPS.glob("*.py")]) == NAMES
    assert set(EXPECTED) == set(LOOP_NEEDS)


@pytest.mark.parametrize("name", NAMES)
def test_summary_equals_torch_counts(name: str, field_run: FieldRun) -> None:
    assert field_run.run.returncode == 0, field_run.run.stderr[-3000:]
    assert field_run.exit_code == 0
    for rank, report, torch_side in field_run.reports:
        summary = report["summary"]
        ours = {
            "exit_code": report["exit_code"],
            "compiles": summary["compiles"],
            "graphs": summary["graphs"],
            "graph_breaks": summary["graph_breaks"],
            "guards": summary["guards"],
            "shape_guards": summary["shape_guards"],
            "functions": summary["functions"],
            # torch logs every recompile attempt, including the one the limit refuses.
            "recompiles + limit hits (torch's recompiles log)": summary["recompiles"] + summary["recompile_limit_hits"],
            "recompiles + limit hits (torch's compile ids)": summary["recompiles"] + summary["recompile_limit_hits"],
            "recompile_limit_hits (torch's warnings)": summary["recompile_limit_hits"],
            "recompile_limit_hits (torch's failures)": summary["recompile_limit_hits"],
            "failed_compiles": summary["failed_compiles"],
        }
        theirs = {
            "exit_code": torch_side["exit_code"],
            "compiles": torch_side["compiles"],
            "graphs": torch_side["unique_graphs"],
            "graph_breaks": torch_side["graph_breaks"],
            "guards": torch_side["guards"],
            "shape_guards": torch_side["shape_env_guards"],
            "functions": torch_side["functions"],
            "recompiles + limit hits (torch's recompiles log)": torch_side["recompiles"],
            "recompiles + limit hits (torch's compile ids)": torch_side["recompile_attempts"],
            "recompile_limit_hits (torch's warnings)": torch_side["recompile_limit_warnings"],
            "recompile_limit_hits (torch's failures)": torch_side["limit_failures"],
            "failed_compiles": torch_side["failed"],
        }
        differ = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
        assert not differ, f"{_where(rank)}dynotrace vs torch (ours, torch's): {differ}"


def _recompiles(report: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (f, c)
        for f in report["functions"]
        for c in f["compiles"]
        if c["frame_compile_id"] > 0 and c["status"] != "recompile_limit"
    ]


@pytest.mark.parametrize("name", NAMES)
def test_no_recompile_is_explained_as_other(name: str, field_run: FieldRun) -> None:
    unexplained = [
        f"{_where(rank)}{f['qualified_name']} {c['compile_id']}: {g['reason']}"
        for rank, report, _ in field_run.reports
        for f, c in _recompiles(report)
        for g in c["guard_failures"]
        if g["category"] == "other"
    ]
    assert not unexplained, "recompiles whose cause is `other`:\n" + "\n".join(unexplained)


@pytest.mark.parametrize("name", NAMES)
def test_functions_are_not_named_by_their_wrapper(name: str, field_run: FieldRun) -> None:
    bare = [
        f"{_where(rank)}{f['qualified_name'] or '(no name)'} (frame {f['name']} at {f['file']}:{f['first_line']})"
        for rank, report, _ in field_run.reports
        for f in report["functions"]
        if (not f["qualified_name"] or f["qualified_name"].rsplit(".", 1)[-1] in BARE_WRAPPER_NAMES)
        # One wrapper that runs several classes' methods is that wrapper, and says so.
        and not any(g["category"] == "shared_code" for c in f["compiles"] for g in c["guard_failures"])
        # torch's own wrappers (the optimizer's profiling hook) are named as torch names them.
        and not f["file"].startswith("<site-packages>/torch/")
    ]
    assert not bare, "functions named by a wrapper frame, not by the user's function:\n" + "\n".join(bare)


@pytest.mark.parametrize("name", NAMES)
def test_every_function_has_a_call_site_in_the_script(name: str, field_run: FieldRun) -> None:
    script = _script(name)
    missing = [
        f"{_where(rank)}{f['qualified_name']} ({f['file']}:{f['first_line']}): call sites "
        f"{sorted({str((c['call_site'] or {}).get('file')) for c in f['compiles']})}"
        for rank, report, _ in field_run.reports
        for f in report["functions"]
        if not any((c["call_site"] or {}).get("file") == script for c in f["compiles"])
    ]
    assert not missing, f"functions with no call site in {script}:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", NAMES)
def test_terminal_report_equals_golden(name: str, field_run: FieldRun) -> None:
    stdout = field_run.run.stdout
    headline = f"dynotrace {_script(name)}"
    assert headline in stdout, stdout[-3000:]
    text = stdout[stdout.index(headline) :]
    assert "\x1b[" not in text
    golden = GOLDEN / f"{name}.txt"
    # A golden is one torch release's report (its headline names it): the transformers
    # scripts and the DDP job are recorded under the torch of the set-up command, the
    # vision scripts under the torch of the vision venv (field/README.md). Under another
    # release the other checks still run; this one skips rather than compare two releases.
    recorded = _golden_torch(golden)
    running = _golden_torch_of(text)
    if recorded and running and recorded != running:
        pytest.skip(f"{golden.relative_to(ROOT)} was recorded with torch {recorded}; this is torch {running}")
    if os.environ.get("DYNOTRACE_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden {golden.relative_to(ROOT)}: write it with DYNOTRACE_UPDATE_GOLDEN=1"
    assert text == golden.read_text()


def _golden_torch_of(text: str) -> str | None:
    first = text.split("\n", 1)[0]
    return first.rsplit("torch ", 1)[1].strip() if "  torch " in first else None


def _golden_torch(golden: Path) -> str | None:
    return _golden_torch_of(golden.read_text()) if golden.exists() else None


#: Names Dynamo makes up, and object ids: never in a report (issue 20).
_INTERNAL = ("___stack", "torch_dynamo_resume_in_")
_OBJECT_ID = re.compile(r"(?<![\w.])\d{12,}(?![\w.])|0x[0-9a-f]{8,}")


@pytest.mark.parametrize("name", sorted(LOOP_NEEDS))
def test_causes_and_fixes_hold_for_the_loop(name: str, field_run: FieldRun) -> None:
    """Each recompile of the loop gets the category its guard's structure gives; each fix
    story the report tells is one whose premise holds in this loop."""
    categories, said, not_said = EXPECTED[name]
    _, report, _ = field_run.reports[0]
    found = {g["category"] for f in report["functions"] for c in f["compiles"] for g in c["guard_failures"] if c["frame_compile_id"] > 0}
    if categories:
        assert found == categories
    stdout = field_run.run.stdout
    for words in said:
        assert words in stdout, f"the report does not say {words!r}"
    for words in not_said:
        assert words not in stdout, f"the report says {words!r}, whose premise is false in {name}"


@pytest.mark.parametrize("name", sorted(LOOP_NEEDS))
def test_no_name_dynamo_made_up_nor_an_object_id(name: str, field_run: FieldRun) -> None:
    text = field_run.run.stdout + json.dumps(field_run.reports[0][1])
    for internal in _INTERNAL:
        assert internal not in text
    assert not _OBJECT_ID.findall(text)


def _call_site(compile_: dict[str, Any]) -> tuple[str, int] | None:
    site = compile_["call_site"]
    return None if site is None else (site["file"], site["line"])


@pytest.mark.parametrize("name", sorted(set(NAMES) - TORCHRUN))
def test_offline_reading_agrees_with_the_live_run(name: str, field_run: FieldRun, tmp_path: Path) -> None:
    """The plain run's TORCH_TRACE log, read offline: the same counts as torch's, and a
    caller only where the log shows one: each compile's "called from" is the live run's,
    or unknown (Dynamo's stack in the log may stop before the user's line), never another."""
    assert field_run.trace is not None
    _, live, torch_side = field_run.reports[0]
    out = tmp_path / "offline.json"
    run = run_dynotrace("explain", "--trace", str(field_run.trace), "-o", str(out), "-q", timeout=TIMEOUT)
    assert run.returncode == 0, run.stderr[-3000:]
    offline = load_json(out)
    summary = offline["summary"]
    assert (summary["compiles"], summary["graphs"], summary["graph_breaks"], summary["recompiles"] + summary["recompile_limit_hits"]) == (
        torch_side["compiles"], torch_side["unique_graphs"], torch_side["graph_breaks"], torch_side["recompiles"]
    )
    live_sites = {c["compile_id"]: _call_site(c) for f in live["functions"] for c in f["compiles"]}
    guessed = [
        f"{c['compile_id']}: offline {_call_site(c)}, live {live_sites.get(c['compile_id'])}"
        for f in offline["functions"]
        for c in f["compiles"]
        if _call_site(c) is not None and _call_site(c) != live_sites.get(c["compile_id"])
    ]
    assert not guessed, "offline call sites the live run does not show:\n" + "\n".join(guessed)


#: Loops whose reports once differed between two runs of the same code (object ids in
#: optimizer guards, dict orders): run once more, ``diff --fail-on all`` finds nothing.
TWICE = ("adamw_lr_schedule", "sampler_dict_config")


@pytest.mark.parametrize("name", TWICE)
def test_two_runs_of_the_same_loop_do_not_differ(name: str, field_run: FieldRun, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps(field_run.reports[0][1]))
    second = tmp_path / "second.json"
    run = run_dynotrace("explain", _script(name), "-q", "-o", str(second), timeout=TIMEOUT)
    assert run.returncode == 0, run.stderr[-3000:]
    diff = run_dynotrace("diff", str(first), str(second), "--fail-on", "all")
    assert diff.returncode == 0, diff.stdout + diff.stderr
