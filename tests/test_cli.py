"""The ``dynotrace`` command as a user meets it: run like python, bad input, exit codes,
files written, start-up cost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from dynotrace.model.schema import SCHEMA_VERSION

from conftest import ROOT, SAMPLES, plain_env, run_dynotrace, shared_explain
from test_runner import lay_out

TORCH_TARGET = """\
import sys
import torch

@torch.compile(backend="eager")
def f(x):
    return x * 2

f(torch.ones(3))
"""


@pytest.mark.parametrize("layout", ["script", "module", "package with __main__"])
def test_explain_runs_the_target_as_python_does(tmp_path: Path, layout: str) -> None:
    args = lay_out(tmp_path, layout)
    python = subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, env=plain_env())
    under = run_dynotrace("explain", "-q", *args, cwd=tmp_path)
    assert python.returncode == 0, python.stderr
    assert under.returncode == 0, under.stderr
    seen_by_python = json.loads(python.stdout)
    seen_by_dynotrace = json.loads(under.stdout)
    for key in ("argv", "name", "file", "spec", "package"):
        assert seen_by_dynotrace[key] == seen_by_python[key], key
    assert seen_by_dynotrace["path"][0] == seen_by_python["path"][0]
    assert seen_by_dynotrace["name"] == "__main__"


def test_script_arguments_pass_through_and_options_are_found_anywhere(tmp_path: Path) -> None:
    report = tmp_path / "r.yaml"
    run = run_dynotrace("explain", "sample_programs/takes_args.py", "--epochs", "2", "-o", str(report), "-q")
    assert run.returncode == 0, run.stderr
    assert "epochs: 2" in run.stdout
    data = yaml.safe_load(report.read_text())
    assert data["command"] == "dynotrace explain sample_programs/takes_args.py --epochs 2"


def test_arguments_after_double_dash_all_go_to_the_script(tmp_path: Path) -> None:
    (tmp_path / "echo.py").write_text("import sys, json\nprint(json.dumps(sys.argv))\n")
    run = run_dynotrace("explain", "-q", "echo.py", "--", "-o", "x", "--backend", "y", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[0]) == ["echo.py", "-o", "x", "--backend", "y"]


@pytest.mark.parametrize(
    ("files", "args", "words"),
    [
        ({}, ["missing.py"], "No such file"),
        ({"pkgdir/x.py": ""}, ["pkgdir"], "__main__"),
        ({"junk.py": b"\x00\x01\xff\xfe" * 20}, ["junk.py"], "junk.py"),
        ({"bad.py": "def f(:\n"}, ["bad.py"], "SyntaxError"),
        ({}, ["-m", "no_such_module_here"], "no_such_module_here"),
    ],
    ids=["missing", "directory without __main__", "binary", "syntax error", "missing module"],
)
def test_nothing_to_run_is_one_line_and_exit_2(tmp_path: Path, files: dict, args: list[str], words: str) -> None:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    run = run_dynotrace("explain", *args, "-o", "r.yaml", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1, run.stderr
    assert words in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "r.yaml").exists()


@pytest.mark.parametrize(
    "args",
    [[], ["--trace", "x", "y.py"], ["--strict", "y.py"], ["--backend", "nope", "y.py"]],
    ids=["no script", "script and trace", "strict without trace", "unknown backend"],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    run = run_dynotrace("explain", *args, cwd=tmp_path)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("name", ["r.pdf", "report", "r.txt"])
def test_an_output_name_that_names_no_format_is_refused_before_anything_runs(tmp_path: Path, name: str) -> None:
    (tmp_path / "writes.py").write_text("open('ran', 'w').write('yes')\n")
    run = run_dynotrace("explain", "writes.py", "-o", name, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"dynotrace: error: cannot tell which report to write to '{name}' from its name: end it in .yaml, "
        ".json or .html, or give the format (--format)"
    ]
    assert not (tmp_path / "ran").exists() and not (tmp_path / name).exists()
    # With the format given, the name is the user's to choose.
    given = run_dynotrace("explain", "writes.py", "-o", name, "--format", "json", "-q", cwd=tmp_path)
    assert given.returncode == 0, given.stderr
    assert json.loads((tmp_path / name).read_text())["schema_version"] == SCHEMA_VERSION


@pytest.mark.torch
def test_target_exception_is_shown_as_python_shows_it_and_the_report_is_written(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(TORCH_TARGET + "raise ValueError('boom')\n")
    python = subprocess.run([sys.executable, "boom.py"], cwd=tmp_path, capture_output=True, text=True, env=plain_env())
    run = run_dynotrace("explain", "boom.py", "-o", "r.yaml", cwd=tmp_path)
    assert python.returncode == run.returncode == 1
    assert run.stderr == python.stderr
    report = yaml.safe_load((tmp_path / "r.yaml").read_text())
    assert report["exit_code"] == 1
    assert report["summary"]["compiles"] == 1


@pytest.mark.torch
def test_target_exit_code_is_passed_through(tmp_path: Path) -> None:
    (tmp_path / "exits.py").write_text(TORCH_TARGET + "sys.exit(3)\n")
    run = run_dynotrace("explain", "exits.py", "-o", "r.json", cwd=tmp_path)
    assert run.returncode == 3
    assert json.loads((tmp_path / "r.json").read_text())["exit_code"] == 3


@pytest.mark.torch
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_still_writes_what_it_captured(tmp_path: Path, sig: int, code: int) -> None:
    (tmp_path / "slow.py").write_text(
        TORCH_TARGET + "import time\nprint('compiled', flush=True)\ntime.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "dynotrace", "explain", "slow.py", "-o", "r.yaml", "-q"],
        cwd=tmp_path,
        env=plain_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "compiled"
    # Signal the target in its sleep, not in the instant after the compile. Once, in a
    # clean-clone CI run, a SIGINT sent right after "compiled" went unanswered and the run
    # slept its 60 s out; not reproduced in 17 tries since. A likely cause: a signal handled
    # while CPython runs a finalizer or weakref callback (torch leaves garbage behind a
    # compile) raises KeyboardInterrupt inside it, where CPython reports it as "ignored"
    # and goes on, under python as under dynotrace.
    time.sleep(1)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    report = yaml.safe_load((tmp_path / "r.yaml").read_text())
    assert report["interrupted"] is True
    assert report["summary"]["compiles"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.torch
def test_a_script_that_never_compiles_gets_a_note_not_an_empty_table(tmp_path_factory: pytest.TempPathFactory) -> None:
    ours = shared_explain(tmp_path_factory, "sample_programs/no_compile.py")  # test_truth.py's run of it
    run, report = ours.run, ours.data()
    assert run.returncode == 0, run.stderr
    assert report["summary"]["compiles"] == 0
    assert "never compiled" in report["notes"][0]
    assert "never compiled" in run.stdout


@pytest.mark.torch
def test_report_to_stdout_with_dash(tmp_path: Path) -> None:
    run = run_dynotrace("explain", "sample_programs/clean.py", "-o", "-")
    assert run.returncode == 0, run.stderr
    start = run.stdout.index("schema_version:")
    assert yaml.safe_load(run.stdout[start:])["schema_version"] == SCHEMA_VERSION


@pytest.mark.torch
def test_backend_override_is_recorded_and_used(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    run = run_dynotrace("explain", "--backend", "eager", "sample_programs/inductor_small.py", "-o", str(report), "-q")
    assert run.returncode == 0, run.stderr
    data = json.loads(report.read_text())
    assert data["backend_override"] == "eager"
    assert data["summary"]["compiles"] >= 1


def test_help_and_version_start_without_torch() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from dynotrace.cli.main import cli; "
        "r = CliRunner().invoke(cli, ['explain', '--help']); assert r.exit_code == 0, r.output; "
        "assert 'torch' not in sys.modules, 'importing the CLI imported torch'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=plain_env())


@pytest.mark.parametrize("command", [["dynotrace"], [sys.executable, "-m", "dynotrace"]], ids=["console script", "python -m"])
def test_both_entry_points_work(command: list[str]) -> None:
    for args in (["--help"], ["--version"], ["explain", "--help"]):
        proc = subprocess.run([*command, *args], capture_output=True, text=True, env=plain_env())
        assert proc.returncode == 0, proc.stderr
    assert "dynotrace" in proc.stdout and "--backend" in proc.stdout


def test_help_is_fast() -> None:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dynotrace", "--help"], check=True, capture_output=True)
    # Generous: this guards against importing torch (seconds), not against small regressions.
    assert time.perf_counter() - start < 3
