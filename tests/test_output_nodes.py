"""Reports written to paths that are not regular files leave those nodes as they were.

Every writer of dynotrace (``explain -o``, ``check -o``/``--sarif``/``--update-baseline``,
``diff --output``, ``--dynotrace-report``, ``dynotrace.render(file=...)``,
``$GITHUB_STEP_SUMMARY``) is pointed at nodes this module makes in a temporary directory: a
FIFO, a character device (a copy of a pseudo-terminal's node, made with ``mknod`` where the
tests run as root), a symlink to each, and a symlink to a regular file. Afterwards each node
is what it was (``lstat`` mode, device number, inode, link target) and the bytes arrived.
No test writes to a device of the machine itself: ``/dev/stdout`` is used only after
``output_target`` has said it will be written through this process's descriptor.
"""

from __future__ import annotations

import io
import os
import select
import stat
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import dynotrace
from conftest import ROOT, plain_env
from dynotrace.errors import InputError
from dynotrace.files.output import open_output, output_target, writes_to_stdout

TRACE = ROOT / "tests" / "fixtures" / "traces" / "graph_break_recompile.log.gz"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

#: A pytest file whose one test compiles once.
TEST_FILE = """\
import torch

def test_compiles():
    torch.compile(lambda x: x * 2, backend="eager")(torch.ones(2))
"""


class Reader:
    """Collects what is written into one node, on a thread of its own (a FIFO's writer
    blocks until a reader opens it; a pty's writer blocks once its buffer is full)."""

    def __init__(self, open_end: object) -> None:
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=open_end, daemon=True)  # type: ignore[arg-type]
        self.thread.start()

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


@dataclass
class Node:
    """A node to write to, how to read what arrived, and its identity before the write."""

    path: Path
    kind: str
    link_to: Path | None = None
    _reader: Reader | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _before: tuple[int, ...] = ()
    _pty_master: int | None = None

    def __post_init__(self) -> None:
        self._before = self.identity()

    def identity(self) -> tuple[int, ...]:
        """What must not change: the node's (and a link's target's) mode, device and inode."""
        ids: list[int] = []
        # A regular file behind a link is replaced by a new one (a rename): only the link stays.
        nodes = [self.path] if self.kind == "file" else [self.path, self.link_to]
        for p in [n for n in nodes if n is not None]:
            st = os.lstat(p)
            ids += [st.st_mode, st.st_rdev, st.st_ino]
        return tuple(ids)

    def listen(self) -> None:
        """Start reading what the next writer sends."""
        if self.kind == "fifo":
            fifo = self.link_to or self.path

            def read_fifo() -> None:
                with open(fifo, "rb") as fh:  # blocks until the writer opens its end
                    while chunk := fh.read(65536):
                        assert self._reader is not None
                        self._reader.chunks.append(chunk)

            self._reader = Reader(read_fifo)
        elif self.kind == "pty":
            master = self._pty_master
            assert master is not None

            def read_pty() -> None:
                while not self._stop.is_set():
                    ready, _, _ = select.select([master], [], [], 0.05)
                    if ready:
                        assert self._reader is not None
                        self._reader.chunks.append(os.read(master, 65536))

            self._reader = Reader(read_pty)

    def received(self) -> str:
        """Everything written since ``listen()``, once the writer has finished."""
        if self.kind == "file":
            return (self.link_to or self.path).read_text(encoding="utf-8")
        if self.kind == "chardev":
            return ""
        assert self._reader is not None
        if self.kind == "pty":
            # A pty has no end of file: wait until nothing more arrives, then stop reading.
            seen = -1
            while len(self._reader.chunks) != seen:
                seen = len(self._reader.chunks)
                time.sleep(0.3)
            self.stop()
        self._reader.thread.join(timeout=30)
        assert not self._reader.thread.is_alive(), f"nothing finished writing to {self.path}"
        return self._reader.data.decode("utf-8")

    def stop(self) -> None:
        self._stop.set()
        if self._reader is not None:
            self._reader.thread.join(timeout=5)

    def unchanged(self) -> bool:
        if self.link_to is not None and os.readlink(self.path) != str(self.link_to):
            return False
        return self.identity() == self._before


def make_node(directory: Path, kind: str, name: str, opened: list[tuple[int, Node | None]]) -> Node:
    """``fifo``, ``chardev`` (root only), ``pty``, a ``_link`` to any of them, or
    ``file_link`` (a symlink to a regular file)."""
    directory.mkdir(parents=True, exist_ok=True)
    base = kind.removesuffix("_link")
    real = directory / f"{name}.{base}"
    master = None
    if base == "fifo":
        os.mkfifo(real)
    elif base == "chardev":
        # A copy of the null device's node: written bytes vanish, so this kind checks the
        # node only; the pty kind checks that bytes written into a device arrive.
        os.mknod(real, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    elif base == "pty":
        # A pseudo-terminal of this test's own (the kernel opens a pty's slave only through
        # its devpts node, so the node is reached through a link from the temporary directory).
        master, slave = os.openpty()
        tty.setraw(slave)  # bytes pass as written: no "\n" -> "\r\n"
        opened.append((slave, None))
        real = Path(os.ttyname(slave))
    else:
        real.write_text("old content\n")
    if kind.endswith("_link") or base == "pty":
        link = directory / f"{name}.link"
        link.symlink_to(real)
        node = Node(link, base, link_to=real)
    else:
        node = Node(real, base)
    if master is not None:
        node._pty_master = master
        opened.append((master, node))
    return node


KINDS = [
    "fifo",
    "fifo_link",
    pytest.param("chardev", marks=pytest.mark.skipif(not IS_ROOT, reason="mknod needs root")),
    pytest.param("chardev_link", marks=pytest.mark.skipif(not IS_ROOT, reason="mknod needs root")),
    "pty",
    "file_link",
]


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[object]:
    opened: list[tuple[int, Node | None]] = []

    def make(kind: str, name: str = "out") -> Node:
        return make_node(tmp_path / "nodes", kind, name, opened)

    yield make
    for fd, node in opened:
        if node is not None:
            node.stop()
        os.close(fd)


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", *args], cwd=cwd, env=env or plain_env(), capture_output=True, text=True, timeout=300, **kwargs
    )


def assert_written(node: Node, marker: str) -> str:
    text = node.received()
    if node.kind != "chardev":  # a copy of the null device keeps nothing
        assert marker in text, f"{node.path}: {text[:200]!r}"
    assert node.unchanged(), f"{node.path} was replaced"
    assert not list(node.path.parent.glob(".dynotrace-*")), "a temporary file was left behind"
    return text


def test_what_each_path_is_written_as(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    (tmp_path / "dangling").symlink_to(tmp_path / "new.yaml")
    (tmp_path / "to_stdout").symlink_to("/dev/stdout")
    assert output_target("-").kind == "stdout"
    assert output_target("/dev/stdout").kind == "descriptor" and output_target("/dev/stdout").fd == 1
    assert output_target(f"/proc/{os.getpid()}/fd/2").fd == 2
    assert output_target("/dev/fd/1").fd == 1
    assert output_target(str(tmp_path / "to_stdout")).fd == 1
    assert output_target("/dev/null").kind == "stream"
    assert output_target(str(tmp_path / "fifo")).kind == "stream"
    assert output_target(str(tmp_path / "link")) == output_target(str(tmp_path / "file"))
    assert output_target(str(tmp_path / "link")).path == str(tmp_path / "file")
    assert output_target(str(tmp_path / "dangling")).path == str(tmp_path / "new.yaml")
    assert output_target(str(tmp_path / "dir" / "new.yaml")).kind == "file"
    assert writes_to_stdout("/dev/stdout") and writes_to_stdout("-") and not writes_to_stdout("/dev/null")
    with pytest.raises(InputError, match="it is a directory"):
        output_target(str(tmp_path))
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(InputError, match="symbolic links"):
        output_target(str(tmp_path / "loop"))


@pytest.mark.parametrize("kind", KINDS)
def test_explain_and_diff_write_into_the_node(kind: str, nodes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    node = nodes(kind, "explain")
    node.listen()
    done = run(["dynotrace", "explain", "--trace", str(TRACE), "-q", "-o", str(node.path)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert_written(node, "schema_version:")

    done = run(["dynotrace", "explain", "--trace", str(TRACE), "-q", "-o", "a.yaml"], tmp_path)
    assert done.returncode == 0, done.stderr
    node = nodes(kind, "diff")
    node.listen()
    done = run(["dynotrace", "diff", "a.yaml", "a.yaml", "--output", str(node.path), "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert_written(node, '"regressed": false')


@pytest.mark.parametrize("kind", KINDS)
def test_check_writes_report_sarif_baseline_and_step_summary_into_nodes(kind: str, nodes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # check writes what it found the same way whether it ran a script or read its log, so
    # it reads the fixture log here (a live run writes into nodes below: the pytest plugin).
    out, sarif, baseline, summary = (nodes(kind, name) for name in ("out", "sarif", "baseline", "summary"))
    for node in (out, sarif, baseline, summary):
        node.listen()
    env = plain_env()
    env.update({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary.path)})
    done = run(
        [
            "dynotrace", "check", "--trace", str(TRACE), "--max-graph-breaks", "1000", "-q",
            "-o", str(out.path), "--sarif", str(sarif.path), "--baseline", str(baseline.path), "--update-baseline",
        ],
        tmp_path,
        env,
    )
    assert done.returncode == 0, done.stderr
    assert_written(out, "schema_version:")
    assert_written(sarif, '"version": "2.1.0"')
    assert_written(baseline, "schema_version:")
    text = assert_written(summary, "### dynotrace check")
    if kind == "file_link":
        assert text.startswith("old content\n")  # appended to, never replaced


@pytest.mark.torch
@pytest.mark.parametrize("kind", KINDS)
def test_pytest_session_report_into_a_node(kind: str, nodes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "test_one.py").write_text(TEST_FILE)
    node = nodes(kind, "session")
    node.listen()
    done = run(["pytest", "-q", "-p", "no:cacheprovider", f"--dynotrace-report={node.path}", "test_one.py"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_written(node, "tests:")


@pytest.mark.parametrize("kind", KINDS)
def test_render_writes_into_the_node(kind: str, nodes) -> None:  # type: ignore[no-untyped-def]
    report = dynotrace.read_trace_report(str(TRACE))
    for fmt, marker in (("yaml", "schema_version:"), ("json", '"schema_version"'), ("terminal", "graph break")):
        node = nodes(kind, fmt)
        node.listen()
        dynotrace.render(report, fmt, file=node.path)
        assert_written(node, marker)


def test_a_symlink_to_a_file_replaces_the_file_atomically(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    inode = real.stat().st_ino
    with open_output(str(link)) as stream:
        stream.write("new\n")
        # Until the block ends, readers still see the old file, whole.
        assert real.read_text() == "old\n"
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text() == "new\n" and real.stat().st_ino != inode  # renamed over, not rewritten
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    with pytest.raises(RuntimeError), open_output(str(link)) as stream:
        stream.write("half")
        raise RuntimeError("the write failed")
    assert real.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "real.yaml"]


def test_a_socket_is_refused_in_one_line(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(InputError, match="it is a socket"):
            output_target(str(path))
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def _stdout_paths() -> list[str]:
    return ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]


@pytest.mark.parametrize("path", _stdout_paths())
def test_own_stdout_gets_the_report_and_no_terminal_report(path: str, tmp_path: Path) -> None:
    # Safety first: only go on if dynotrace will write through the descriptor, so a broken
    # writer cannot rename a file over the machine's /dev/stdout.
    assert output_target(path).kind == "descriptor"
    before = os.lstat(path.replace("/self/", "/thread-self/") if path.startswith("/proc") else path)
    done = run(["dynotrace", "explain", "--trace", str(TRACE), "-o", path], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("schema_version:")
    assert "Fix first" not in done.stdout  # the report is the output, as with -o -
    if not path.startswith("/proc"):
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_stdout_appended_to_a_file_keeps_what_was_there(tmp_path: Path) -> None:
    assert output_target("/dev/stdout").kind == "descriptor"
    log = tmp_path / "job.log"
    log.write_text("earlier output\n")
    with open(log, "a") as out:  # the shell's `>> job.log`
        done = subprocess.run(
            [sys.executable, "-m", "dynotrace", "explain", "--trace", str(TRACE), "-o", "/dev/stdout"],
            cwd=tmp_path, env=plain_env(), stdout=out, stderr=subprocess.PIPE, text=True, timeout=300,
        )
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert text.startswith("earlier output\nschema_version:")


def test_render_to_a_stream_object_is_untouched() -> None:
    report = dynotrace.read_trace_report(str(TRACE))
    buffer = io.StringIO()
    dynotrace.render(report, "yaml", file=buffer)
    assert buffer.getvalue().startswith("schema_version:")
