"""Shared helpers of the benchmarks: commands, timing, A/B alternation, statistics, tables.

Every benchmark compares commands run as separate processes, side by side in one run:
``alternate`` runs the variants in rounds whose order flips each round (A B, B A, A B,
...) so a machine that gets slower or faster during the run biases neither side. Each run
is timed by wall clock and by the CPU time (user + system) the child process and its
children used, from ``os.wait4``; CPU time is the steadier figure on a shared machine.
Each run also records the machine's 1-minute load average as it starts, so a table can say
how busy the machine was while its numbers were taken (``cpu_table``).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PROGRAMS = BENCH_DIR / "programs"
SAMPLES = REPO / "sample_programs"
BIN = Path(sys.executable).parent


def python_cmd() -> list[str]:
    return [sys.executable]


def dynotrace_cmd() -> list[str]:
    """The ``dynotrace`` console script of this interpreter.

    Taken from the interpreter's own ``bin`` directory, not through ``PATH``: a version
    manager's shim (pyenv's is a shell script) would add its own start-up to every run of
    one side only. Falls back to ``python -m dynotrace``. ``BENCH_DYNOTRACE`` overrides it
    (a command line), to measure another checkout: ``BENCH_DYNOTRACE="python /x/run.py"``.
    """
    override = os.environ.get("BENCH_DYNOTRACE")
    if override:
        return shlex.split(override)
    script = BIN / "dynotrace"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "dynotrace"]


def tlparse_cmd() -> list[str] | None:
    """The ``tlparse`` binary (PyPI package ``tlparse``), or ``None`` when not installed."""
    candidate = BIN / "tlparse"
    if candidate.is_file():
        return [str(candidate)]
    found = shutil.which("tlparse")
    return [found] if found else None


def has_command(cmd: Sequence[str]) -> bool:
    """Whether ``cmd`` runs and exits 0 (used to skip parts whose command does not exist)."""
    try:
        done = subprocess.run(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class Sample:
    """One timed run of one command."""

    wall_s: float
    cpu_s: float
    max_rss_mb: float
    returncode: int
    user_s: float = 0.0
    sys_s: float = 0.0
    #: The machine's 1-minute load average when the run started (NaN where unknown).
    load_1m: float = float("nan")
    #: With ``run_timed(..., tree=True)``: the largest sum, over the samples taken every
    #: ``TREE_SAMPLE_S``, of the resident memory (RSS) of the process and all its
    #: descendants alive at that moment, and the same for their proportional set size
    #: (PSS: pages shared between them, such as those a forked worker still shares with
    #: its parent, counted once in all). NaN where not measured. ``max_rss_mb`` is the
    #: kernel's figure for the largest single process of the tree.
    tree_rss_mb: float = float("nan")
    tree_pss_mb: float = float("nan")


class CommandFailed(RuntimeError):
    pass


def run_timed(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    ok_codes: Sequence[int] = (0,),
    stdout: int | None = subprocess.DEVNULL,
    tree: bool = False,
) -> Sample:
    """Run ``cmd`` to completion and measure it.

    ``cpu_s`` and ``max_rss_mb`` come from the kernel's accounting of the child (and the
    children it waited for): ``ru_maxrss`` is the largest resident set of any one process
    in that tree. Raises ``CommandFailed`` (with the end of stderr) when the exit code is
    not in ``ok_codes``, so a benchmark never times a run that failed.
    """
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    load = load_1m()
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=full_env, cwd=cwd, stdout=stdout, stderr=err)
        sampler = _TreeSampler(proc.pid) if tree else None
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if sampler is not None:
            sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok_codes:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-2000:]
            raise CommandFailed(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{tail}")
    return Sample(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        returncode=proc.returncode,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        load_1m=load,
        tree_rss_mb=sampler.peak_rss_mb if sampler is not None else float("nan"),
        tree_pss_mb=sampler.peak_pss_mb if sampler is not None else float("nan"),
    )


#: How often ``run_timed(..., tree=True)`` adds up the memory of the process tree.
TREE_SAMPLE_S = 0.02


class _TreeSampler:
    """Adds up the RSS and PSS of a process and its descendants every ``TREE_SAMPLE_S``
    (``/proc/PID/task/*/children`` and ``/proc/PID/smaps_rollup``, Linux), in a thread,
    and keeps the largest sums. A peak shorter than the interval can be missed; the runs
    it measures last seconds, their peaks as long as a rank's read."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid = pid
        self.peak_rss_mb = float("nan")
        self.peak_pss_mb = float("nan")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            rss = pss = 0
            seen = False
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as fh:
                        for line in fh:
                            if line.startswith("Rss:"):
                                rss += int(line.split()[1])
                            elif line.startswith("Pss:"):
                                pss += int(line.split()[1])
                    seen = True
                except (OSError, ValueError):
                    continue
            if seen:
                if not rss / 1024 <= self.peak_rss_mb:
                    self.peak_rss_mb = rss / 1024
                if not pss / 1024 <= self.peak_pss_mb:
                    self.peak_pss_mb = pss / 1024
            self._done.wait(TREE_SAMPLE_S)

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as fh:
                        todo.extend(int(c) for c in fh.read().split())
            except (OSError, ValueError):
                continue
        return found


def load_1m() -> float:
    """The machine's 1-minute load average now (NaN where the OS does not say)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def combine(*samples: Sample) -> Sample:
    """Several runs made one after the other, as one sample (times add, RSS is the max)."""
    return Sample(
        wall_s=sum(s.wall_s for s in samples),
        cpu_s=sum(s.cpu_s for s in samples),
        max_rss_mb=max(s.max_rss_mb for s in samples),
        returncode=samples[-1].returncode,
        user_s=sum(s.user_s for s in samples),
        sys_s=sum(s.sys_s for s in samples),
        load_1m=max(s.load_1m for s in samples),
    )


@dataclass
class Variant:
    """One side of a comparison: a name and a callable that runs it once and measures it."""

    name: str
    run: Callable[[], Sample]
    samples: list[Sample] = field(default_factory=list)


def alternate(variants: Sequence[Variant], *, repeats: int, warmup: int = 1, log: bool = True) -> None:
    """Run every variant ``warmup`` times (not recorded), then ``repeats`` rounds.

    Round ``r`` runs the variants in order when ``r`` is even and in reverse when odd, so
    each side goes first as often as the other. Samples are appended to ``variant.samples``.
    """
    for w in range(warmup):
        for v in variants:
            s = v.run()
            if log:
                _progress(f"  warm-up {w + 1}/{warmup} {v.name}: {s.wall_s:.2f} s")
    for r in range(repeats):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for v in order:
            s = v.run()
            v.samples.append(s)
            if log:
                _progress(f"  round {r + 1}/{repeats} {v.name}: {s.wall_s:.2f} s wall, {s.cpu_s:.2f} s cpu")


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Spread:
    """Median and spread of a list of numbers."""

    median: float
    q1: float
    q3: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        data = sorted(values)
        if not data:
            raise ValueError("no values")
        if len(data) >= 4:
            q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
        else:
            q1, q3 = data[0], data[-1]
        return cls(statistics.median(data), q1, q3, data[0], data[-1], len(data))

    def fmt(self, unit: str = "s", digits: int = 2) -> str:
        return f"{self.median:.{digits}f} {unit} [{self.q1:.{digits}f}-{self.q3:.{digits}f}]"


def ratios(a: Variant, b: Variant, attr: str = "wall_s") -> Spread:
    """``b / a`` per round (the runs of one round ran next to each other), as a Spread."""
    pairs = zip(a.samples, b.samples)
    return Spread.of([getattr(sb, attr) / getattr(sa, attr) for sa, sb in pairs])


def spread(variant: Variant, attr: str = "wall_s") -> Spread:
    return Spread.of([getattr(s, attr) for s in variant.samples])


def cpu_table_rows(variants: Sequence[Variant], first: Sequence[str] | None = None) -> list[list[str]]:
    """One row per variant: runs, user, system and wall time (median [IQR]), peak RSS
    (median), and the 1-minute load average at the start of its runs (median, min-max).
    ``first`` puts a column before the command (``cpu_table`` gives its header)."""
    rows = []
    for i, v in enumerate(variants):
        loads = [s.load_1m for s in v.samples if s.load_1m == s.load_1m]
        load = Spread.of(loads) if loads else None
        rows.append(
            ([first[i]] if first else [])
            + [
                v.name,
                str(len(v.samples)),
                spread(v, "user_s").fmt(),
                spread(v, "sys_s").fmt(),
                spread(v).fmt(),
                f"{spread(v, 'max_rss_mb').median:.0f} MB",
                f"{load.median:.2f} ({load.low:.2f}-{load.high:.2f})" if load else "n/a",
            ]
        )
    return rows


CPU_TABLE_HEADERS = ["command", "runs", "user cpu", "system cpu", "wall", "peak RSS", "load avg 1 min (min-max)"]


def print_cpu_table(
    variants: Sequence[Variant], *, title: str, first: tuple[str, Sequence[str]] | None = None
) -> None:
    """``cpu_table_rows`` as a table; times are medians [IQR] of the rounds."""
    headers = ([first[0]] if first else []) + CPU_TABLE_HEADERS
    print_table(headers, cpu_table_rows(variants, first[1] if first else None), title=title)


def ratio_line(reference: Variant, other: Variant, attr: str, *, target: float | None = None, label: str = "") -> str:
    """``other / reference`` of one measure per round, as one line: median and min-max, and
    whether the median meets ``target`` (at most) when one is given."""
    r = ratios(reference, other, attr)
    what = label or attr
    line = f"{other.name} / {reference.name}, {what} per round: median {r.median:.3f}, min-max {r.low:.3f}-{r.high:.3f}"
    if target is not None:
        line += f"  -> target <= {target:g}: {verdict(r.median <= target)}"
    return line


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, title: str | None = None) -> None:
    """A plain fixed-width table (markdown-compatible, so it can be pasted into a README)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    sys.stdout.flush()


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """Where and with what the numbers were measured. Does not import torch."""
    tl = tlparse_cmd()
    tl_version = "not installed"
    if tl:
        done = subprocess.run(tl + ["--version"], capture_output=True, text=True)
        tl_version = done.stdout.strip() or done.stderr.strip()
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "n/a"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "torch": _version("torch"),
        "dynotrace": _version("dynotrace"),
        "tlparse": tl_version,
        "load average (1/5/15 min) at start": load,
    }


def print_machine(info: Mapping[str, str] | None = None) -> dict[str, str]:
    info = dict(info or machine_info())
    print("Machine and versions")
    for key, value in info.items():
        print(f"  {key:36} {value}")
    sys.stdout.flush()
    return info


def save_json(path: str | None, data: object) -> None:
    """Write raw results (``--json FILE``) so numbers can be compared across runs."""
    if not path:
        return

    def default(obj: object) -> object:
        if hasattr(obj, "__dataclass_fields__"):
            return asdict(obj)  # type: ignore[call-overload]
        return str(obj)

    Path(path).write_text(json.dumps(data, indent=2, default=default) + "\n")
    print(f"\nraw results: {path}")


def fmt_mb(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB"
