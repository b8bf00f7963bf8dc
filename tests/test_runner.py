"""TargetRunner runs a target exactly as ``python script.py`` / ``python -m mod`` would.

The main evidence is comparison: the same program runs under plain python and under the
runner (each in a subprocess), and what it saw, printed and exited with must be equal.
"""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from dynotrace.capture.runner import TargetRunner
from dynotrace.errors import NoTargetError

REPO = Path(__file__).resolve().parent.parent
PROBE = (Path(__file__).parent / "probes" / "probe.py").read_text()

# What the `dynotrace` CLI will do, reduced to the runner: `-m` as the first argument
# means the next one is a module name, as it does for python.
RUNNER = (
    "import sys; from dynotrace.capture.runner import TargetRunner; "
    "as_module = sys.argv[1] == '-m'; "
    "r = TargetRunner(sys.argv[2:] if as_module else sys.argv[1:], as_module=as_module); "
    "r.prepare(); sys.exit(r.run())"
)


def run_python(
    args: list[str], cwd: Path, pythonpath: Sequence[Path] = (), safe_path: bool = False
) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, *args], cwd, pythonpath, safe_path)


def run_runner(
    args: list[str], cwd: Path, pythonpath: Sequence[Path] = (), safe_path: bool = False
) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-c", RUNNER, *args], cwd, pythonpath, safe_path)


def _run(
    cmd: list[str], cwd: Path, pythonpath: Sequence[Path], safe_path: bool
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in [REPO, *pythonpath])
    if safe_path:
        env["PYTHONSAFEPATH"] = "1"
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def lay_out(root: Path, layout: str) -> list[str]:
    """Put the probe under ``root`` as ``layout``; return the arguments that run it."""

    def write(rel: str, text: str = PROBE) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    if layout == "script":
        write("probe.py")
        return ["probe.py", "a", "--b"]
    if layout == "script by an unnormalised path":
        write("sub/probe.py")
        return ["./sub/../sub/probe.py", "a"]
    if layout == "symlinked script":
        write("real/probe.py")
        (root / "link.py").symlink_to(root / "real" / "probe.py")
        return ["link.py"]
    if layout == "compiled script":
        py_compile.compile(str(write("src/probe.py")), cfile=str(root / "probe.pyc"))
        return ["probe.pyc", "a"]
    if layout == "directory":
        write("app/__main__.py")
        return ["app", "x"]
    if layout == "zip":
        with zipfile.ZipFile(root / "app.zip", "w") as zf:
            zf.writestr("__main__.py", PROBE)
        return ["app.zip", "x"]
    if layout == "module":
        write("probe_mod.py")
        return ["-m", "probe_mod", "x"]
    if layout == "package with __main__":
        write("probe_pkg/__init__.py", "")
        write("probe_pkg/__main__.py")
        return ["-m", "probe_pkg", "x"]
    if layout == "module in a package":
        write("probe_pkg/__init__.py", "")
        write("probe_pkg/sub.py")
        return ["-m", "probe_pkg.sub", "-x"]
    raise AssertionError(layout)


LAYOUTS = [
    "script",
    "script by an unnormalised path",
    "symlinked script",
    "compiled script",
    "directory",
    "zip",
    "module",
    "package with __main__",
    "module in a package",
]


@pytest.mark.parametrize("safe_path", [False, True], ids=["", "safe_path"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_target_sees_what_python_shows_it(tmp_path: Path, layout: str, safe_path: bool) -> None:
    args = lay_out(tmp_path, layout)
    # Under safe_path python -m no longer looks in the cwd; PYTHONPATH lets it find the probe.
    pythonpath = [tmp_path] if safe_path else []

    python = run_python(args, tmp_path, pythonpath, safe_path)
    runner = run_runner(args, tmp_path, pythonpath, safe_path)

    assert python.returncode == 0, python.stderr
    assert runner.returncode == 0, runner.stderr
    seen_by_python = json.loads(python.stdout)
    assert json.loads(runner.stdout) == seen_by_python
    assert seen_by_python["name"] == "__main__"
    assert seen_by_python["pickled"] == 7


ENDINGS = {
    "falls off the end": ("print('done')\n", 0),
    "if __name__ == '__main__' block": ("if __name__ == '__main__':\n    print('main')\n", 0),
    "sys.exit()": ("import sys\nsys.exit()\n", 0),
    "sys.exit(0)": ("import sys\nsys.exit(0)\n", 0),
    "sys.exit(3)": ("import sys\nsys.exit(3)\n", 3),
    "sys.exit(message)": ("import sys\nprint('out')\nsys.exit('bad input')\n", 1),
    "exception": ("def f():\n    return 1 / 0\n\nf()\n", 1),
    "chained exception": (
        "try:\n    {}['k']\nexcept KeyError as e:\n    raise ValueError('no k') from e\n",
        1,
    ),
    "BaseException subclass": ("class Stop(BaseException):\n    pass\n\nraise Stop('x')\n", 1),
    "own excepthook": (
        "import sys\n"
        "sys.excepthook = lambda t, v, tb: print('hooked', t.__name__, file=sys.stderr)\n"
        "raise ValueError\n",
        1,
    ),
    "failing excepthook": (
        "import sys\n"
        "def hook(t, v, tb):\n    raise RuntimeError('hook broke')\n"
        "sys.excepthook = hook\n"
        "raise ValueError('original')\n",
        1,
    ),
    "deletes its own file": (
        "import os\nos.remove(__file__)\nprint('still running')\nraise RuntimeError('late')\n",
        1,
    ),
    "module annotations are not postponed": ("x: int = 1\nprint(__annotations__)\n", 0),
    # Deeper than the frame-stack room the runner gives the target (``_STACK_ROOM``).
    "recursion past the stack room": (
        "import sys\nsys.setrecursionlimit(60000)\n"
        "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
        "print(depth(40000))\n",
        0,
    ),
}


@pytest.mark.parametrize(("source", "exit_code"), ENDINGS.values(), ids=ENDINGS.keys())
def test_target_ends_as_under_python(tmp_path: Path, source: str, exit_code: int) -> None:
    script = tmp_path / "target.py"
    script.write_text(source)
    python = run_python(["target.py"], tmp_path)
    script.write_text(source)  # "deletes its own file" took it away
    runner = run_runner(["target.py"], tmp_path)

    assert python.returncode == exit_code, python.stderr
    assert (runner.returncode, runner.stdout, runner.stderr) == (
        python.returncode,
        python.stdout,
        python.stderr,
    )


def test_traceback_shows_the_targets_frames_only(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text("def f():\n    raise ValueError('boom')\n\nf()\n")

    runner = run_runner(["boom.py"], tmp_path)

    assert runner.returncode == 1
    assert runner.stderr.startswith("Traceback (most recent call last):\n")
    assert f'File "{tmp_path / "boom.py"}", line 4, in <module>' in runner.stderr
    assert f'File "{tmp_path / "boom.py"}", line 2, in f' in runner.stderr
    assert "dynotrace" not in runner.stderr
    assert runner.stderr.endswith("ValueError: boom\n")


def test_exit_message_goes_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "quit.py").write_text("import sys\nsys.exit('bad input')\n")

    runner = run_runner(["quit.py"], tmp_path)

    assert (runner.returncode, runner.stdout, runner.stderr) == (1, "", "bad input\n")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Work in ``tmp_path``; forget afterwards the modules this test imported from there."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def test_interpreter_state_is_restored(in_tmp: Path) -> None:
    (in_tmp / "elsewhere").mkdir()
    (in_tmp / "messy.py").write_text(
        "import os, sys\n"
        "os.chdir('elsewhere')\n"
        "sys.argv.append('more')\n"
        "sys.path.insert(0, 'added')\n"
        "sys.path = ['rebound']\n"
        "raise SystemExit(5)\n"
    )
    argv, path, path_entries = sys.argv, sys.path, list(sys.path)
    main = sys.modules["__main__"]

    runner = TargetRunner(["messy.py", "arg"])
    runner.prepare()
    assert runner.run() == 5

    assert os.getcwd() == str(in_tmp)
    assert sys.argv is argv
    assert sys.path is path and sys.path == path_entries
    assert sys.modules["__main__"] is main


def test_keyboard_interrupt_propagates_after_restoring(in_tmp: Path) -> None:
    (in_tmp / "sub").mkdir()
    (in_tmp / "ctrl_c.py").write_text("import os\nos.chdir('sub')\nraise KeyboardInterrupt\n")
    main = sys.modules["__main__"]

    runner = TargetRunner(["ctrl_c.py"])
    runner.prepare()
    with pytest.raises(KeyboardInterrupt):
        runner.run()

    assert os.getcwd() == str(in_tmp)
    assert sys.modules["__main__"] is main


def test_prepare_finds_the_target_without_running_it(in_tmp: Path) -> None:
    (in_tmp / "train.py").write_text("open('ran', 'w').close()\n")

    runner = TargetRunner(["train.py", "--epochs", "1"])
    assert runner.display_name == "train.py"
    assert runner.target_path is None
    runner.prepare()
    assert runner.target_path == str(in_tmp / "train.py")
    assert not (in_tmp / "ran").exists()

    assert runner.run() == 0
    assert (in_tmp / "ran").exists()


def test_no_arguments_is_no_target() -> None:
    with pytest.raises(NoTargetError, match="No script or module to run"):
        TargetRunner([])


def test_module_names_the_module_and_its_file(in_tmp: Path) -> None:
    (in_tmp / "mod_pkg").mkdir()
    (in_tmp / "mod_pkg" / "__init__.py").write_text("")
    (in_tmp / "mod_pkg" / "train.py").write_text("")

    runner = TargetRunner(["mod_pkg.train"], as_module=True)
    runner.prepare()

    assert runner.display_name == "-m mod_pkg.train"
    assert runner.target_path == str(in_tmp / "mod_pkg" / "train.py")


BAD_TARGETS: dict[str, tuple[dict[str, str | bytes], list[str], str]] = {
    "missing file": ({}, ["nope.py"], "No such file: 'nope.py'"),
    "directory without __main__.py": (
        {"app/helper.py": ""},
        ["app"],
        "Can't find '__main__' module in 'app'",
    ),
    "binary file": (
        {"model.pt": bytes(range(256))},
        ["model.pt"],
        "Can't run 'model.pt' as Python",
    ),
    "non-UTF-8 text": ({"latin.py": b"name = '\xe9'\n"}, ["latin.py"], "SyntaxError"),
    "syntax error": (
        {"bad.py": "x = 1\ndef f(:\n    pass\n"},
        ["bad.py"],
        "Can't run 'bad.py' as Python: SyntaxError: invalid syntax (bad.py, line 2)",
    ),
    "pyc for another python": ({"old.pyc": b"\x00\x00\r\n" + bytes(12)}, ["old.pyc"], "magic"),
    "missing module": ({}, ["-m", "no_such_mod"], "No module named 'no_such_mod'"),
    "missing parent package": ({}, ["-m", "no_such_pkg.mod"], "No module named 'no_such_pkg'"),
    "package without __main__": (
        {"lib_pkg/__init__.py": ""},
        ["-m", "lib_pkg"],
        "No module named 'lib_pkg.__main__'; 'lib_pkg' is a package and cannot be directly"
        " executed",
    ),
    "parent package fails to import": (
        {"boom_pkg/__init__.py": "1 / 0\n"},
        ["-m", "boom_pkg.mod"],
        "Error while finding module specification for 'boom_pkg.mod' "
        "(ZeroDivisionError: division by zero)",
    ),
    "parent package lacks a dependency": (
        {"needy_pkg/__init__.py": "import no_such_dependency\n", "needy_pkg/mod.py": ""},
        ["-m", "needy_pkg.mod"],
        "Error while finding module specification for 'needy_pkg.mod' "
        "(ModuleNotFoundError: No module named 'no_such_dependency')",
    ),
    "module with a syntax error": ({"broken_mod.py": "def (\n"}, ["-m", "broken_mod"], "line 1"),
    "file given to -m": (
        {"train.py": "open('ran', 'w').close()\n"},
        ["-m", "train.py"],
        "No module named 'train.py': to run the file, leave out -m",
    ),
}


@pytest.mark.parametrize(("files", "args", "message"), BAD_TARGETS.values(), ids=BAD_TARGETS.keys())
def test_nothing_to_run_is_one_clear_line(
    in_tmp: Path, files: dict[str, str | bytes], args: list[str], message: str
) -> None:
    for rel, content in files.items():
        path = in_tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    as_module = args[0] == "-m"

    runner = TargetRunner(args[1:] if as_module else args, as_module=as_module)
    with pytest.raises(NoTargetError) as caught:
        runner.prepare()

    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2
    assert not (in_tmp / "ran").exists()
