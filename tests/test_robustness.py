"""Nothing lost, nothing corrupted: targets that end or misbehave in every way a process
can, and inputs that are missing, damaged, huge or hostile.

Each target runs under the real ``dynotrace`` command in a subprocess. Whatever goes wrong,
dynotrace passes on the right exit code and either writes the report of what it captured
or leaves the file that was there as it was; bad input is one line on stderr and exit 2.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from conftest import SHARED_TRACES, plain_env, run_dynotrace, torch_counts, without_torch_warnings
from dynotrace.capture.tracelog import read_trace
from dynotrace.errors import InputError
from dynotrace.api import load as load_report, save as write_report

FIXTURE_LOG = Path(__file__).resolve().parent / "fixtures" / "traces" / "graph_break_recompile.log.gz"
CORRUPTED_LOG = SHARED_TRACES / "tlparse" / "simple_corrupted_json.log"
OLD_REPORT = "old: report that must survive\n"
GLOG = b"V1127 12:58:50.372000 10562 site-packages/torch/_dynamo/utils.py:2350] "

COMPILES_ONCE = """\
import os
import sys
import torch

@torch.compile(backend="eager")
def f(x):
    return x + 1

f(torch.ones(2))
"""

as_root = os.geteuid() == 0
needs_unprivileged = pytest.mark.skipif(
    as_root, reason="runs as root, where chmod 000 does not stop reads (CI containers do)"
)


def run_bytes(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Like ``run_dynotrace``, for output that may hold bytes that are not UTF-8."""
    proc = subprocess.run(
        [sys.executable, "-m", "dynotrace", *args], cwd=cwd, env=plain_env(), capture_output=True, timeout=300
    )
    return proc.returncode, proc.stdout.decode("utf-8", "backslashreplace"), proc.stderr.decode("utf-8", "backslashreplace")


def assert_one_line_error(code: int, stderr: str, *words: str) -> None:
    stderr = without_torch_warnings(stderr)
    assert code == 2, stderr
    assert stderr.startswith("dynotrace: error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    for word in words:
        assert word in stderr


def temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.startswith(".dynotrace-")]


def old_report(path: Path) -> Path:
    path.write_text(OLD_REPORT)
    return path


@pytest.mark.torch
def test_os_exit_keeps_its_exit_code_and_leaves_the_old_report_alone(tmp_path: Path) -> None:
    """``os._exit`` ends the process on the spot: no ``finally``, no atexit, no signal
    dynotrace could catch. Nothing can be written then, so nothing is: no half-written
    report, no temporary file, and the report from an earlier run stays as it was."""
    (tmp_path / "dies.py").write_text(COMPILES_ONCE + "print('compiled', flush=True)\nos._exit(7)\n")
    report = old_report(tmp_path / "r.yaml")
    run = run_dynotrace("explain", "dies.py", "-o", "r.yaml", cwd=tmp_path)
    assert run.returncode == 7, run.stderr
    assert "compiled" in run.stdout
    assert report.read_text() == OLD_REPORT
    assert temp_files(tmp_path) == []


THREADS = """\
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import torch

@torch.compile(backend="eager")
def add_one(x):
    return x + 1

@torch.compile(backend="eager")
def breaks(x):
    print("graph break")
    return x * 2

@torch.compile(backend="eager")
def total(x):
    return x.sum()

@torch.compile(backend="eager")
def late(x):
    return x - 1

@torch.compile(backend="eager")
def pooled(x):
    return x * x

def work(fn):
    for n in (3, 3, 4):
        fn(torch.ones(n))

def later(fn):
    time.sleep(0.5)
    work(fn)

threads = [threading.Thread(target=work, args=(fn,)) for fn in (add_one, breaks, total)]
for t in threads:
    t.start()
for t in threads:
    t.join()
# A pool never shut down: its idle worker must not keep the run from ending.
pool = ThreadPoolExecutor(max_workers=1)
pool.submit(work, pooled).result()
# Not joined: python waits for it before it exits, so what it compiles is part of the run.
threading.Thread(target=later, args=(late,)).start()
"""

PLAIN_RUN = """\
import runpy
import threading

runpy.run_path(SCRIPT, run_name="__main__")
threading._shutdown()  # what python does once the script ends: finish the threads
"""


@pytest.mark.torch
def test_compiles_in_other_threads_are_captured_as_torch_counts_them(tmp_path: Path) -> None:
    (tmp_path / "threads.py").write_text(THREADS)
    # torch_counts reads torch's counters right after the script's last line, before python
    # would let the threads left running finish; the plain run lets them finish first.
    (tmp_path / "plain_run.py").write_text(PLAIN_RUN.replace("SCRIPT", repr(str(tmp_path / "threads.py"))))
    torch_side = torch_counts(tmp_path / "plain_run.py", tmp_path=tmp_path)
    run = run_dynotrace("explain", "threads.py", "-o", "r.json", "-q", cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    summary = report["summary"]
    # Every compile happened in a thread the target started, none in the main thread.
    assert summary["compiles"] == torch_side["compiles"] >= 10
    assert summary["functions"] == torch_side["functions"] == 5
    assert summary["graphs"] == torch_side["unique_graphs"]
    assert summary["graph_breaks"] == torch_side["graph_breaks"] >= 1
    assert summary["guards"] == torch_side["guards"]
    assert summary["recompiles"] == torch_side["recompiles"]
    assert sorted(f["name"] for f in report["functions"]) == ["add_one", "breaks", "late", "pooled", "total"]


FORKS = """\
import os
import sys
import torch

@torch.compile(backend="eager")
def parent_fn(x):
    return x + 1

@torch.compile(backend="eager")
def child_fn(x):
    return x * 3

parent_fn(torch.ones(2))
pid = os.fork()
if pid == 0:
    child_fn(torch.ones(4))
    print("child done", flush=True)
    sys.exit(5)
_, status = os.waitpid(pid, 0)
print("child exit", os.waitstatus_to_exitcode(status), flush=True)
print("report written by the child:", os.path.exists("r.yaml"), flush=True)
"""


@pytest.mark.torch
def test_forked_child_neither_writes_the_report_nor_prints_one(tmp_path: Path) -> None:
    """A child made by ``os.fork`` runs the rest of the target too and comes back through
    dynotrace; it must end there with its own exit code, leaving the report (file and
    terminal) to the parent, which writes it once."""
    (tmp_path / "forks.py").write_text(FORKS)
    run = run_dynotrace("explain", "forks.py", "-o", "r.yaml", "--no-color", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("child done") == 1
    assert "child exit 5" in run.stdout  # the child kept the target's exit code
    assert "report written by the child: False" in run.stdout
    # The child compiled child_fn; a report from it would name that function.
    assert "child_fn" not in run.stdout
    report = yaml.safe_load((tmp_path / "r.yaml").read_text())
    assert [f["name"] for f in report["functions"]] == ["parent_fn"]
    assert report["exit_code"] == 0
    assert temp_files(tmp_path) == []


MOVES = COMPILES_ONCE + """\
os.makedirs("elsewhere", exist_ok=True)
os.chdir("elsewhere")
os.remove(__file__)
f(torch.ones(3))
print("now in", os.path.basename(os.getcwd()))
"""


@pytest.mark.torch
def test_target_that_changes_directory_and_deletes_itself(tmp_path: Path) -> None:
    (tmp_path / "moves.py").write_text(MOVES)
    run = run_dynotrace("explain", "moves.py", "-o", "reports/r.yaml", "--no-color", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "now in elsewhere" in run.stdout
    assert not (tmp_path / "moves.py").exists()
    # -o was relative to the directory dynotrace started in, not the one the target left it in.
    assert not (tmp_path / "elsewhere" / "reports").exists()
    report = yaml.safe_load((tmp_path / "reports" / "r.yaml").read_text())
    assert report["summary"]["compiles"] == 2  # the compile after the move is there too
    assert {f["file"] for f in report["functions"]} == {"moves.py"}
    assert "moves.py" in run.stdout  # the terminal report
    assert temp_files(tmp_path) == []


SWAPS_STREAMS = COMPILES_ONCE + """\
import io
sys.stdout = io.StringIO()
sys.stderr = io.StringIO()
print("swallowed by the target's own stdout")
"""


@pytest.mark.torch
@pytest.mark.parametrize("where", ["terminal", "-o -", "error line"])
def test_target_that_replaces_stdout_and_stderr(tmp_path: Path, where: str) -> None:
    """dynotrace's own output goes to the streams it started with, whatever the target
    left in ``sys.stdout`` and ``sys.stderr``."""
    (tmp_path / "swaps.py").write_text(SWAPS_STREAMS)
    if where == "terminal":
        run = run_dynotrace("explain", "swaps.py", "--no-color", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "swaps.py" in run.stdout and "compile" in run.stdout
    elif where == "-o -":
        run = run_dynotrace("explain", "swaps.py", "-o", "-", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert yaml.safe_load(run.stdout)["summary"]["compiles"] == 1
    else:
        (tmp_path / "a_directory").mkdir()
        run = run_dynotrace("explain", "swaps.py", "-o", "a_directory", "-q", cwd=tmp_path)
        assert_one_line_error(run.returncode, run.stderr, "a_directory", "directory")
    assert "swallowed" not in run.stdout


def test_script_path_that_is_not_utf8_is_one_line_and_overwrites_nothing(tmp_path: Path) -> None:
    """torch.compile fails on code in a file whose name is not UTF-8 (its C++ traceback
    code cannot take the name), so dynotrace refuses such a script before running it."""
    script = tmp_path / os.fsdecode(b"scr\xffipt.py")
    script.write_text(COMPILES_ONCE)
    report = old_report(tmp_path / os.fsdecode(b"r\xfe.yaml"))
    code, _, stderr = run_bytes("explain", script.name, "-o", report.name, cwd=tmp_path)
    assert_one_line_error(code, stderr, "scr\\xffipt.py", "not valid UTF-8")
    assert report.read_text() == OLD_REPORT

    code, _, stderr = run_bytes("explain", os.fsdecode(b"missing\xff.py"), "-o", report.name, cwd=tmp_path)
    assert_one_line_error(code, stderr, "No such file")
    assert report.read_text() == OLD_REPORT
    assert temp_files(tmp_path) == []


def test_trace_and_output_paths_that_are_not_utf8(tmp_path: Path) -> None:
    """A log or report path with undecodable bytes is a valid file name: it is read and
    written as it is, and shown with ``\\xff`` escapes in the report's command."""
    log = tmp_path / os.fsdecode(b"tr\xffce.log.gz")
    log.write_bytes(FIXTURE_LOG.read_bytes())
    out = tmp_path / os.fsdecode(b"rep\xffort.yaml")
    code, _, stderr = run_bytes("explain", "--trace", log.name, "-o", out.name, "-q", cwd=tmp_path)
    assert code == 0, stderr
    assert os.fsencode(out.name) in os.listdir(os.fsencode(tmp_path))
    report = load_report(str(out))
    assert report.run.command == "dynotrace explain --trace 'tr\\xffce.log.gz'"
    assert report.summary.compiles == 4


def test_report_command_is_utf8_whatever_the_arguments() -> None:
    from dynotrace.cli.common import command_line

    command = command_line("explain", ["train.py", os.fsdecode(b"--name=\xff\xfe"), "plain"])
    command.encode("utf-8")
    assert command == "dynotrace explain train.py '--name=\\xff\\xfe' plain"


@needs_unprivileged
def test_unreadable_script_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "locked.py"
    script.write_text("print('hi')\n")
    script.chmod(0)
    report = old_report(tmp_path / "r.yaml")
    run = run_dynotrace("explain", "locked.py", "-o", "r.yaml", cwd=tmp_path)
    assert_one_line_error(run.returncode, run.stderr, "locked.py", "Permission denied")
    assert report.read_text() == OLD_REPORT


def _limit_memory() -> None:
    # Should reading /dev/zero come back, it ends in a MemoryError, not in the OOM killer.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_device_as_script_is_one_line_not_an_endless_read(tmp_path: Path) -> None:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dynotrace", "explain", "/dev/zero", "-o", "r.yaml"],
        cwd=tmp_path, env=plain_env(), capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory,
    )
    assert_one_line_error(proc.returncode, proc.stderr, "/dev/zero", "device")
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "r.yaml").exists()


def _lay_out_trace_input(tmp_path: Path, kind: str) -> str:
    if kind == "missing":
        return "nowhere.log"
    if kind == "directory without logs":
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "notes.txt").write_text("no logs here")
        return "d"
    if kind == "device":
        return "/dev/zero"
    path = tmp_path / "trace.log"
    path.write_bytes(
        {
            "empty": b"",
            "binary junk": bytes(range(256)) * 64,
            "not a log": b"import torch\nprint('hello')\n",
            "bad gzip": b"\x1f\x8b\x08\x00" + b"\x00garbage" * 100,
            "unreadable": gzip.decompress(FIXTURE_LOG.read_bytes()),
        }[kind]
    )
    if kind == "unreadable":
        path.chmod(0)
    return path.name


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("missing", "No such TORCH_TRACE log"),
        ("directory without logs", "No TORCH_TRACE log in directory"),
        ("device", "neither a TORCH_TRACE log nor a directory"),
        ("empty", "is empty"),
        ("binary junk", "binary file"),
        ("not a log", "no trace record"),
        ("bad gzip", "Cannot read TORCH_TRACE log"),
        pytest.param("unreadable", "Permission denied", marks=needs_unprivileged),
    ],
)
def test_trace_inputs_that_are_no_log_are_one_line_and_overwrite_nothing(tmp_path: Path, kind: str, words: str) -> None:
    trace = _lay_out_trace_input(tmp_path, kind)
    report = old_report(tmp_path / "r.yaml")
    run = run_dynotrace("explain", "--trace", trace, "-o", "r.yaml", cwd=tmp_path, timeout=60)
    assert_one_line_error(run.returncode, run.stderr, words)
    assert report.read_text() == OLD_REPORT
    assert temp_files(tmp_path) == []


@pytest.fixture
def corrupted_log() -> Path:
    if not CORRUPTED_LOG.is_file():
        pytest.skip(f"the shared TORCH_TRACE logs are not beside this clone ({CORRUPTED_LOG} is absent)")
    return CORRUPTED_LOG


def test_damage_in_a_payload_the_report_does_not_read_is_passed_over_and_strict_stops_at_it(tmp_path: Path, corrupted_log: Path) -> None:
    # The damaged payload (line 13) is one the report does not read: a report reads past
    # it unchecked, and --strict, which checks every payload, stops at it.
    run = run_dynotrace("explain", "--trace", str(corrupted_log), "-o", str(tmp_path / "r.json"), "--no-color")
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["problems"]["bad_payloads"] == 0
    assert report["summary"]["compiles"] > 0

    report_before = (tmp_path / "r.json").read_text()
    run = run_dynotrace("explain", "--trace", str(corrupted_log), "--strict", "-o", str(tmp_path / "r.json"))
    assert_one_line_error(run.returncode, run.stderr, "simple_corrupted_json.log:13")
    assert (tmp_path / "r.json").read_text() == report_before


HUGE = 50 << 20


def _record(metadata: dict, payload: bytes) -> bytes:
    metadata = {**metadata, "has_payload": hashlib.md5(payload).hexdigest()}
    return GLOG + json.dumps(metadata).encode() + b"\n\t" + payload + b"\n"


def _log_with_huge_record(path: Path, metadata: dict, *, cut: bool = False) -> tuple[Path, int]:
    """The fixture log with a record of a 50 MB one-line payload put in its middle (or,
    with ``cut``, at its end and cut off half-way, as a log whose writer died); returns
    the path and how many records come before the huge one."""
    base = gzip.decompress(FIXTURE_LOG.read_bytes())
    middle = len(base) if cut else base.index(b"\nV", len(base) // 2) + 1
    record = _record(metadata, b"x" * HUGE)
    with open(path, "wb") as fh:
        fh.write(base[:middle])
        fh.write(record[: len(record) // 2] if cut else record)
        fh.write(base[middle:])
    before = sum(1 for line in base[:middle].split(b"\n") if line.startswith(b"V1127 "))
    return path, before


def _comparable(events: list) -> list[tuple]:
    return [(e.kind, e.data, e.frame_id, e.frame_compile_id, e.attempt, e.payload) for e in events]


@pytest.mark.parametrize(
    ("what", "metadata"),
    [
        ("a payload the fold drops", {"chromium_event": {}}),
        ("a payload the fold keeps", {"dynamo_cpp_guards_str": {}, "frame_id": 9, "frame_compile_id": 0, "attempt": 0}),
        ("a record cut off in its payload", {"chromium_event": {}}),
    ],
)
def test_huge_payload_costs_bounded_memory_and_time_and_loses_nothing(tmp_path: Path, what: str, metadata: dict) -> None:
    cut = "cut off" in what
    log, before = _log_with_huge_record(tmp_path / "huge.log", metadata, cut=cut)
    whole, _ = read_trace(FIXTURE_LOG)

    tracemalloc.start()
    try:
        start = time.perf_counter()
        events, stats = read_trace(log)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert elapsed < 10, f"{elapsed:.1f}s to read a log with a 50 MB payload"
    # The record being read, its payload joined for the md5 check, and (when kept) as text.
    assert peak < 4 * HUGE, f"peak {peak / 2**20:.0f} MB reading a 50 MB payload"
    huge = events[before]
    assert huge.kind == next(iter(metadata))
    assert _comparable(events[:before] + events[before + 1 :]) == _comparable(whole)
    if cut:
        assert stats.bad_payloads == 1 and huge.payload is None
    else:
        assert stats.bad_payloads == 0
    if "keeps" in what:
        assert huge.payload is not None and len(huge.payload) == HUGE


def test_huge_payload_through_the_command(tmp_path: Path) -> None:
    log, _ = _log_with_huge_record(tmp_path / "huge.log", {"chromium_event": {}})
    start = time.perf_counter()
    run = run_dynotrace("explain", "--trace", str(log), "-o", str(tmp_path / "r.json"), "-q")
    elapsed = time.perf_counter() - start
    assert run.returncode == 0, run.stderr
    assert elapsed < 10, f"{elapsed:.1f}s"
    huge_summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    run = run_dynotrace("explain", "--trace", str(FIXTURE_LOG), "-o", str(tmp_path / "plain.json"), "-q")
    assert huge_summary == json.loads((tmp_path / "plain.json").read_text())["summary"]


BILLION_LAUGHS = """\
schema_version: 1
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
functions: *i
"""


def test_billion_laughs_fails_fast_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    start = time.perf_counter()
    with pytest.raises(InputError, match="aliases") as info:
        load_report(str(path))
    assert time.perf_counter() - start < 1
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "name", "words"),
    [
        # libyaml 0.2.6 (PyYAML 6.0.4's wheels) refuses deep flow nesting itself, earlier.
        ("[" * 100_000 + "]" * 100_000, "flow.yaml", "levels deep|while increasing flow level"),
        ("- " * 100_000 + "x\n", "block.yaml", "levels deep"),
        ("a: " + "{a: " * 100_000, "unclosed.yaml", "levels deep"),
        ("[" * 100_000 + "]" * 100_000, "deep.json", "nests too deeply"),
    ],
    ids=["flow", "block", "unclosed", "json"],
)
def test_deeply_nested_report_is_refused_not_a_crash(tmp_path: Path, text: str, name: str, words: str) -> None:
    """libyaml's composer recurses on the C stack: a YAML file nested some ten thousand
    levels deep used to kill the process with SIGSEGV. Run in a subprocess to see a crash."""
    path = tmp_path / name
    path.write_text(text)
    code = (
        "import sys\nfrom dynotrace.api import load as load_report\nfrom dynotrace.errors import InputError\n"
        f"try:\n    load_report({str(path)!r})\nexcept InputError as exc:\n    print(exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-500:]}"
    assert re.search(words, proc.stdout) and proc.stdout.count("\n") == 1, proc.stdout


def test_yaml_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    for text in (
        f"schema_version: 1\nfunctions: !!python/object/apply:os.system ['touch {marker}']\n",
        f"!!python/object/apply:subprocess.call [['touch', '{marker}']]\n",
        "schema_version: 1\nfunctions: !custom {a: 1}\n",
    ):
        path = tmp_path / "tagged.yaml"
        path.write_text(text)
        with pytest.raises(InputError, match="not valid YAML") as info:
            load_report(str(path))
        assert "\n" not in str(info.value)
    assert not marker.exists()


def test_report_inputs_that_are_devices_or_unreadable(tmp_path: Path) -> None:
    code = (
        "from dynotrace.api import load as load_report\nfrom dynotrace.errors import InputError\n"
        "try:\n    load_report('/dev/zero')\nexcept InputError as exc:\n    print(exc)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "'/dev/zero' is a device, not a report" in proc.stdout
    assert time.perf_counter() - start < 10
    if not as_root:
        locked = tmp_path / "locked.yaml"
        locked.write_text("schema_version: 1\n")
        locked.chmod(0)
        with pytest.raises(InputError, match="Permission denied"):
            load_report(str(locked))


def test_future_and_hostile_reports_through_the_command(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    write_report(_fixture_report(), str(good))
    (tmp_path / "future.yaml").write_text("schema_version: 99\nfunctions: []\n")
    (tmp_path / "laughs.yaml").write_text(BILLION_LAUGHS)
    (tmp_path / "deep.yaml").write_text("- " * 100_000 + "x\n")
    for bad, words in (("future.yaml", "upgrade dynotrace"), ("laughs.yaml", "aliases"), ("deep.yaml", "levels deep")):
        run = run_dynotrace("diff", bad, "good.yaml", cwd=tmp_path, timeout=60)
        assert_one_line_error(run.returncode, run.stderr, bad, words)


def _fixture_report():  # type: ignore[no-untyped-def]
    from dynotrace.api import read_trace_report

    return read_trace_report(str(FIXTURE_LOG))


def test_output_path_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    run = run_dynotrace("explain", "--trace", str(FIXTURE_LOG), "-o", "out", cwd=tmp_path)
    assert_one_line_error(run.returncode, run.stderr, "'out'", "directory")


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG


def test_write_that_fails_half_way_leaves_the_old_report_whole(tmp_path: Path) -> None:
    report = old_report(tmp_path / "r.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "dynotrace", "explain", "--trace", str(FIXTURE_LOG), "-o", "r.yaml", "-q"],
        cwd=tmp_path,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_file_size,
    )
    assert_one_line_error(proc.returncode, proc.stderr, "Cannot write the report to 'r.yaml'", "too large")
    assert report.read_text() == OLD_REPORT
    assert temp_files(tmp_path) == []


def _log_with_many_guards(path: Path, count: int) -> Path:
    """The fixture log with ``count`` more guards in one compile: a report that takes a
    while to write."""
    lines = gzip.decompress(FIXTURE_LOG.read_bytes()).decode().split("\n")
    at = next(i for i, line in enumerate(lines) if '"dynamo_cpp_guards_str"' in line)
    end = next(i for i in range(at + 1, len(lines)) if not lines[i].startswith("\t"))
    payload = [line[1:] for line in lines[at + 1 : end]]
    payload[4:4] = [f"| +- LAMBDA_GUARD: L['x{k}'] == {k}  # y = x * 2  # fixture.py:7 in f" for k in range(count)]
    text = "\n".join(payload)
    envelope = re.sub(r'"has_payload": "[0-9a-f]+"', f'"has_payload": "{hashlib.md5(text.encode()).hexdigest()}"', lines[at])
    path.write_text("\n".join([*lines[:at], envelope, *("\t" + p for p in payload), *lines[end:]]))
    return path


def test_sigterm_while_the_report_is_written_leaves_no_temp_file(tmp_path: Path) -> None:
    """A CI timeout can land while the report is being written: the write stops, its
    temporary file is removed, the old report stays whole, and the exit code says SIGTERM."""
    log = _log_with_many_guards(tmp_path / "many.log", 20_000)
    report = old_report(tmp_path / "r.yaml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dynotrace", "explain", "--trace", str(log), "-o", "r.yaml", "-q"],
        cwd=tmp_path,
        env=plain_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not temp_files(tmp_path):
        assert proc.poll() is None, "the report was written before the test could interrupt it"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert report.read_text() == OLD_REPORT
    assert temp_files(tmp_path) == []


def test_report_files_get_ordinary_permissions(tmp_path: Path) -> None:
    """Written through a private temporary file, a report still ends up readable as any
    new file would be (0666 less the umask), and a replaced report keeps its mode."""
    report = _fixture_report()
    previous = os.umask(0o027)
    try:
        write_report(report, str(tmp_path / "new.yaml"))
    finally:
        os.umask(previous)
    assert (tmp_path / "new.yaml").stat().st_mode & 0o777 == 0o640
    kept = old_report(tmp_path / "kept.yaml")
    kept.chmod(0o604)
    write_report(report, str(kept))
    assert kept.stat().st_mode & 0o777 == 0o604


def test_report_with_strings_that_are_not_unicode_is_still_written(tmp_path: Path) -> None:
    """A damaged log can carry ``\\udcff`` escapes (lone surrogates) into the report's
    strings; they are written as escapes instead of failing half-way through the file."""
    data = gzip.decompress(FIXTURE_LOG.read_bytes()).replace(b'"co_name": "g"', b'"co_name": "g\\udcff"')
    log = tmp_path / "surrogates.log"
    log.write_bytes(data)
    for out in ("r.yaml", "r.json"):
        run = run_dynotrace("explain", "--trace", str(log), "-o", str(tmp_path / out), "-q")
        assert run.returncode == 0, run.stderr
        load_report(str(tmp_path / out))
