"""Run a target script or module the way ``python script.py`` / ``python -m mod`` would.

Modelled on coverage.py's ``PyRunner`` (``coverage/execfile.py``). ``TargetRunner.prepare()``
finds and compiles the target, so "there is nothing to run" (``NoTargetError``) is told apart
from an error inside the target before any of it runs. ``TargetRunner.run()`` then runs it in
this process, with the interpreter state python would have given it, and turns its ending
into the exit code python would have used.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.machinery
import importlib.util
import os
import stat
import sys
import threading
import zipfile
from importlib.machinery import ModuleSpec
from types import CodeType, ModuleType, TracebackType
from typing import Any

from dynotrace.errors import NoTargetError


class TargetRunner:
    """Runs one target in two steps: ``prepare()``, then ``run()``.

    ``args[0]`` is the script path (a file, a directory or zip file with ``__main__.py``),
    or the module name when ``as_module``; the rest is the target's own argv.
    """

    def __init__(self, args: list[str], *, as_module: bool = False) -> None:
        if not args:
            raise NoTargetError("No script or module to run")
        self._target = args[0]
        self._argv = list(args)
        self._as_module = as_module
        self._code: CodeType | None = None
        self._spec: ModuleSpec | None = None
        self._loader: Any = None
        self._file: str | None = None
        # The entry python would put first on sys.path; None when it would add none.
        self._path0: str | None = None

    @property
    def display_name(self) -> str:
        """The target as the user named it: ``"train.py"`` or ``"-m mypkg.train"``."""
        return f"-m {self._target}" if self._as_module else self._target

    @property
    def target_path(self) -> str | None:
        """Absolute path of the file that runs (``x.zip/__main__.py`` for a zip), once prepared."""
        return self._file

    def prepare(self) -> None:
        """Find and compile the target without running any of it.

        For ``-m a.b`` the parent package ``a`` is imported, as python does. Raises
        ``NoTargetError`` with a one-line message when there is nothing runnable.
        """
        if self._as_module:
            self._prepare_module(self._target)
        elif os.path.isdir(self._target) or _is_zipfile(self._target):
            self._prepare_main_in(self._target)
        else:
            self._prepare_file(self._target)
        _check_utf8_path(self.display_name, self._file)

    def run(self) -> int:
        """Run the prepared target in a fresh ``__main__`` module and return its exit code.

        ``sys.exit(code)`` gives python's exit code (``None`` is 0, an int is itself, anything
        else is printed to stderr and gives 1). Any other exception is shown through
        ``sys.excepthook`` with no dynotrace frames in its traceback, and gives 1.
        ``KeyboardInterrupt`` propagates. Like python at exit, it then waits for the threads
        the target left running (see ``_wait_for_threads``). ``sys.argv``, ``sys.path``,
        ``sys.modules["__main__"]``, the working directory and ``sys.stdin``/``stdout``/
        ``stderr`` are restored whichever way the target ends.
        """
        if self._code is None:
            raise RuntimeError("TargetRunner.prepare() must be called before run()")
        main = self._make_main_module()
        saved_argv = sys.argv
        saved_path, saved_path_entries = sys.path, list(sys.path)
        saved_main = sys.modules.get("__main__")
        saved_cwd = os.getcwd()
        saved_streams = sys.stdin, sys.stdout, sys.stderr
        threads_before = set(threading.enumerate())
        try:
            try:
                sys.argv = list(self._argv)
                self._put_path0()
                sys.modules["__main__"] = main
                _exec_with_stack_room(self._code, main.__dict__)
            except SystemExit as exc:
                code = _exit_code(exc.code)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                _show_exception(exc)
                code = 1
            else:
                code = 0
            return _wait_for_threads(code, threads_before)
        finally:
            sys.argv = saved_argv
            # The target may have rebound sys.path or edited it in place; undo both.
            sys.path = saved_path
            saved_path[:] = saved_path_entries
            if saved_main is None:
                sys.modules.pop("__main__", None)
            else:
                sys.modules["__main__"] = saved_main
            try:
                os.chdir(saved_cwd)
            except OSError:
                pass  # The target removed our directory: there is nowhere to go back to.
            _restore_std_streams(saved_streams)

    def _prepare_file(self, path: str) -> None:
        try:
            with open(path, "rb") as f:
                if _is_device(f.fileno()):
                    # /dev/zero or a terminal: reading it to the end never ends.
                    raise NoTargetError(f"Can't run {path!r}: it is a device, not a file")
                source = f.read()
        except FileNotFoundError:
            raise NoTargetError(f"No such file: {path!r}") from None
        except OSError as exc:
            raise NoTargetError(f"Can't read {path!r}: {exc.strerror or exc}") from None
        file = _python_abspath(path)
        loader: importlib.machinery.SourceFileLoader | importlib.machinery.SourcelessFileLoader
        try:
            if path.endswith(".pyc") or source[:4] == importlib.util.MAGIC_NUMBER:
                loader = importlib.machinery.SourcelessFileLoader("__main__", file)
                code = loader.get_code("__main__")
            else:
                loader = importlib.machinery.SourceFileLoader("__main__", file)
                # dont_inherit: our own `from __future__ import annotations` must not leak in.
                code = compile(source, file, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, ImportError, EOFError) as exc:
            raise NoTargetError(_not_python(path, exc)) from None
        if code is None:
            raise NoTargetError(f"No code object available for {path!r}")
        self._code, self._loader, self._file = code, loader, file
        # python resolves symlinks here, so a linked script imports from the real directory.
        self._path0 = None if _safe_path() else os.path.dirname(os.path.realpath(path))

    def _prepare_main_in(self, path: str) -> None:
        # python puts a directory or zip first on sys.path (even under -P) and imports
        # __main__ from it; PathFinder does that lookup without touching sys.path.
        entry = _python_abspath(path)
        spec = importlib.machinery.PathFinder.find_spec("__main__", [entry])
        if spec is None or spec.loader is None:
            raise NoTargetError(f"Can't find '__main__' module in {path!r}")
        self._load_spec(spec, path)
        self._path0 = entry

    def _prepare_module(self, name: str) -> None:
        if name.endswith(".py") and os.path.isfile(name):
            # python would import (and so run) the file as module "x" before failing.
            raise NoTargetError(f"No module named {name!r}: to run the file, leave out -m")
        self._path0 = None if _safe_path() else os.getcwd()
        saved_path, saved_path_entries = sys.path, list(sys.path)
        try:
            # Parent packages are imported now, so they must resolve as they will at run time.
            self._put_path0()
            spec = _find_main_spec(name)
        finally:
            sys.path = saved_path
            saved_path[:] = saved_path_entries
        self._load_spec(spec, name)
        # runpy shows the module's file, not its name, to the target as sys.argv[0].
        self._argv[0] = self._file or name

    def _load_spec(self, spec: ModuleSpec, shown_as: str) -> None:
        get_code = getattr(spec.loader, "get_code", None)
        try:
            code = get_code(spec.name) if get_code is not None else None
        except (SyntaxError, ValueError) as exc:
            raise NoTargetError(_not_python(shown_as, exc)) from None
        except (ImportError, OSError) as exc:
            raise NoTargetError(f"Can't read {shown_as!r}: {_one_line(str(exc))}") from None
        if not isinstance(code, CodeType):
            raise NoTargetError(f"No code object available for {spec.name!r}")
        self._code, self._spec, self._loader, self._file = code, spec, spec.loader, spec.origin

    def _put_path0(self) -> None:
        """Make ``sys.path`` start the way python would start it for the target.

        Unless safe_path is set, python put an entry first on sys.path for whatever launched
        dynotrace; the target's own entry takes its place. Under safe_path there is no such
        entry, and only a directory or zip target gets one, in front.
        """
        if self._path0 is None:
            return
        if _safe_path():
            sys.path.insert(0, self._path0)
        else:
            sys.path[:1] = [self._path0]

    def _make_main_module(self) -> ModuleType:
        main = ModuleType("__main__")
        spec = self._spec
        main.__dict__.update(
            __file__=self._file,
            __cached__=spec.cached if spec is not None else None,
            __loader__=self._loader,
            __package__=spec.parent if spec is not None else None,
            __spec__=spec,
            __builtins__=builtins,
            __annotations__={},
        )
        return main


def _find_main_spec(name: str) -> ModuleSpec:
    """The spec of the code ``python -m name`` runs: the module, or a package's ``__main__``."""
    # Files made after this process started may be hidden by the finders' directory caches.
    importlib.invalidate_caches()
    try:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            main_name = f"{name}.__main__"
            spec = importlib.util.find_spec(main_name)
            if spec is None:
                raise NoTargetError(
                    f"No module named {main_name!r}; "
                    f"{name!r} is a package and cannot be directly executed"
                )
    except NoTargetError:
        raise
    except Exception as exc:
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        if missing and (name == missing or name.startswith(f"{missing}.")):
            raise NoTargetError(f"No module named {missing!r}") from None
        # A parent package failed to import (maybe for want of a dependency): say so as
        # python does, so it is not mistaken for a missing target.
        raise NoTargetError(
            f"Error while finding module specification for {name!r} "
            f"({type(exc).__name__}: {_one_line(str(exc))})"
        ) from None
    if spec is None or spec.loader is None:
        raise NoTargetError(f"No module named {name!r}")
    return spec


def _is_device(fd: int) -> bool:
    mode = os.fstat(fd).st_mode
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _is_zipfile(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and zipfile.is_zipfile(path)


def _check_utf8_path(shown_as: str, file: str | None) -> None:
    """Refuse a target whose file path is not valid UTF-8 (undecodable bytes in a name).

    torch.compile fails on every compile while such a file is on the stack (it cannot pass
    the file name to its C++ traceback code), so the run could only end in torch's own
    RuntimeError; saying so up front is clearer.
    """
    if file is None:
        return
    try:
        file.encode("utf-8")
    except UnicodeEncodeError:
        raise NoTargetError(
            f"Can't run '{_printable(shown_as)}': its path '{_printable(file)}' is not valid "
            "UTF-8, and torch.compile fails on code in such a file; rename it"
        ) from None


def _printable(path: str) -> str:
    """``path`` with the bytes that are not UTF-8 shown as ``\\xff`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _safe_path() -> bool:
    """Whether python was told (-P, PYTHONSAFEPATH; 3.11+) not to put a script's dir on sys.path."""
    return bool(getattr(sys.flags, "safe_path", False))


def _python_abspath(path: str) -> str:
    """The absolute path python gives a script's ``__file__``: joined to the cwd, not normalised."""
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _not_python(shown_as: str, exc: Exception) -> str:
    return f"Can't run {shown_as!r} as Python: {type(exc).__name__}: {_one_line(str(exc))}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _wait_for_threads(exit_code: int, threads_before: set[threading.Thread]) -> int:
    """Wait, as python does before it exits, for the non-daemon threads the target started
    and left running: what they compile is part of the run. Returns the exit code, which
    a ``SystemExit`` while waiting (SIGTERM, under dynotrace) replaces.

    ``ThreadPoolExecutor`` workers are not waited for: idle ones would wait forever, and
    python ends them through a hook of its own shutdown (``threading._register_atexit``)
    that would also stop every executor of a process that goes on, like a test run. So
    work still queued in an executor the target never shut down is not waited for.
    """
    workers = _executor_workers()
    try:
        for thread in threading.enumerate():
            if thread not in threads_before and not thread.daemon and thread not in workers:
                thread.join()
    except SystemExit as exc:
        return _exit_code(exc.code)
    return exit_code


def _executor_workers() -> set[threading.Thread]:
    module = sys.modules.get("concurrent.futures.thread")
    known = set(getattr(module, "_threads_queues", {}))
    return known | {t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor-")}


def _restore_std_streams(saved: tuple[Any, Any, Any]) -> None:
    """Put back the standard streams the target replaced (with a ``StringIO``, a log file).

    What the target wrote to its own streams is flushed, as python flushes them at exit;
    what dynotrace prints next (``-o -``, error lines) goes to the streams it started with.
    """
    for name, original in zip(("stdin", "stdout", "stderr"), saved, strict=True):
        current = getattr(sys, name)
        if current is original:
            continue
        if name != "stdin":
            try:
                current.flush()
            except Exception:  # noqa: S110 - the target's stream, broken or closed by it
                pass
        setattr(sys, name, original)


def _exit_code(code: object) -> int:
    """The exit code python derives from ``SystemExit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _exec_with_stack_room(code: CodeType, namespace: dict[str, Any]) -> None:
    """``exec(code, namespace)``, with room for the target's frames in one block of memory.

    CPython 3.11+ keeps Python frames on a stack of 16 KB chunks and frees a chunk as soon
    as the last frame in it returns (``push_chunk`` and ``_PyThreadState_PopFrame`` in
    ``Python/pystate.c``): a call made where the stack crosses into a new chunk maps and
    unmaps memory every time. Where that happens depends on how deep the target starts, so
    dynotrace's own frames beneath it moved the crossings onto hot calls in Dynamo:
    ``sample_programs/recompile_limit.py`` made 11,800 16 KB ``munmap`` calls under
    ``dynotrace explain`` against 3,100 under ``python`` (``strace -c``), about 0.05-0.1 s
    of system time. The code of this function declares a value stack of ``_STACK_ROOM``
    slots it never uses, so its frame gets a chunk of its own of twice that size, and the
    target's frames run in the half it leaves free (1 MiB) without crossing into another
    chunk until they are thousands of frames deep (1,800 ``munmap`` calls). The reserved
    part is never written, so it costs address space, not memory.
    """
    exec(code, namespace)


#: Slots (8 bytes each) of unused value stack in ``_exec_with_stack_room``'s frame.
_STACK_ROOM = 1 << 17
if sys.version_info >= (3, 11):
    _exec_with_stack_room.__code__ = _exec_with_stack_room.__code__.replace(
        co_stacksize=_exec_with_stack_room.__code__.co_stacksize + _STACK_ROOM
    )


def _user_traceback(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` without its leading frames that belong to this module."""
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    return tb


def _show_exception(exc: BaseException) -> None:
    """Show ``exc`` as python does when a script dies of it, target's frames only."""
    tb = _user_traceback(exc.__traceback__)
    exc.__traceback__ = tb
    try:
        sys.excepthook(type(exc), exc, tb)
    except Exception as hook_exc:
        # python's own fallback when the target's excepthook fails.
        hook_exc.__suppress_context__ = True
        hook_tb = _user_traceback(hook_exc.__traceback__)
        print("Error in sys.excepthook:", file=sys.stderr)
        sys.__excepthook__(type(hook_exc), hook_exc.with_traceback(hook_tb), hook_tb)
        print("\nOriginal exception was:", file=sys.stderr)
        sys.__excepthook__(type(exc), exc, tb)
