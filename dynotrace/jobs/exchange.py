"""How the ranks' captures meet: each rank posts its capture, rank 0 gathers them.

Two ways, chosen by the environment:

* ``StoreExchange``: torchrun's agent store. With ``TORCHELASTIC_USE_AGENT_STORE=True``
  (torchrun's default) the agent on node 0 hosts a ``torch.distributed.TCPStore`` at
  ``MASTER_ADDR:MASTER_PORT`` for the whole job, and every worker, on every node, can
  connect to it as a client. The workers' own process groups come and go; the store lives
  until the job ends. Keys are under ``dynotrace/<run id>.<restart>/<n>/`` where ``n``
  counts this worker's dynotrace runs in the job, so a second ``dynotrace`` in the same
  job, a restarted worker group, or the next job never sees another one's captures.
* ``FileExchange``: files in a directory every rank can reach (beside the ``-o`` file,
  else the working directory: on several nodes it must be a shared file system), under
  ``.dynotrace-ranks/<job key>/``. For launchers without torchrun's store. A file counts
  only if it was written after this job's rank 0 started, so files left by an earlier run
  are never read.

Every wait is a loop of short, non-blocking checks and sleeps, so a deadline holds and a
signal (torchrun's SIGTERM when a rank fails) ends the wait at once.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from dynotrace.jobs.launcher import RankEnv

#: Seconds between two looks at what has arrived.
POLL_S = 0.1
#: How long connecting to torchrun's store may take (the agent is up before any worker).
CONNECT_TIMEOUT_S = 30.0
#: Tolerated clock difference between nodes when files are compared by time.
CLOCK_SLACK_S = 5.0


class Exchange(Protocol):
    """Where ranks leave their captures and rank 0 says it wrote the job's report."""

    description: str

    def mark_started(self) -> None: ...
    def started(self) -> set[int]: ...
    def post(self, data: bytes) -> None: ...
    def posted(self) -> set[int]: ...
    def fetch(self, rank: int) -> bytes | None: ...
    def confirm(self, message: dict[str, Any]) -> None: ...
    def confirmation(self) -> dict[str, Any] | None: ...
    def close(self) -> None: ...


class StoreExchange:
    """Captures in torchrun's agent store (see the module docstring)."""

    def __init__(self, env: RankEnv) -> None:
        import torch.distributed as dist

        assert env.master_addr is not None and env.master_port is not None
        self.env = env
        self.description = f"torchrun's agent store at {env.master_addr}:{env.master_port}"
        self._store = dist.TCPStore(
            env.master_addr,
            env.master_port,
            is_master=False,
            timeout=timedelta(seconds=CONNECT_TIMEOUT_S),
            wait_for_workers=False,
        )
        base = f"dynotrace/{env.job_key}/"
        run = self._store.add(f"{base}runs/{env.rank}", 1)
        self._prefix = f"{base}{run}/"

    def _has(self, key: str) -> bool:
        return bool(self._store.check([self._prefix + key]))

    def mark_started(self) -> None:
        self._store.set(self._prefix + f"started/{self.env.rank}", "1")

    def started(self) -> set[int]:
        return {r for r in range(self.env.world_size) if self._has(f"started/{r}")}

    def post(self, data: bytes) -> None:
        # pybind11 takes bytes for the value as well (its stub says str).
        self._store.set(self._prefix + f"capture/{self.env.rank}", data)  # type: ignore[arg-type]
        self._store.add(self._prefix + "posted", 1)

    def posted(self) -> set[int]:
        if self._store.add(self._prefix + "posted", 0) >= self.env.world_size:
            return set(range(self.env.world_size))
        return {r for r in range(self.env.world_size) if self._has(f"capture/{r}")}

    def fetch(self, rank: int) -> bytes | None:
        key = f"capture/{rank}"
        return bytes(self._store.get(self._prefix + key)) if self._has(key) else None

    def confirm(self, message: dict[str, Any]) -> None:
        self._store.set(self._prefix + "written", json.dumps(message))

    def confirmation(self) -> dict[str, Any] | None:
        if not self._has("written"):
            return None
        return json.loads(bytes(self._store.get(self._prefix + "written")))  # type: ignore[no-any-return]

    def close(self) -> None:
        # The store is torchrun's: keys are left to it (it ends with the job).
        pass


class FileExchange:
    """Captures as files in a shared directory (see the module docstring)."""

    def __init__(self, env: RankEnv, directory: Path) -> None:
        self.env = env
        self.dir = directory / env.job_key
        self.description = f"files in {self.dir}"
        self._started_at = time.time()
        self.dir.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, data: bytes) -> None:
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            os.replace(temp, self.dir / name)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise

    def _fresh(self, name: str, since: float) -> bool:
        try:
            return (self.dir / name).stat().st_mtime >= since - CLOCK_SLACK_S
        except OSError:
            return False

    def _job_start(self) -> float:
        """When this job's rank 0 started (from its start file), else this rank's start."""
        try:
            return float((self.dir / "started-0").read_text())
        except (OSError, ValueError):
            return self._started_at

    def mark_started(self) -> None:
        self._write(f"started-{self.env.rank}", repr(self._started_at).encode())

    def started(self) -> set[int]:
        since = self._job_start()
        return {r for r in range(self.env.world_size) if self._fresh(f"started-{r}", since)}

    def post(self, data: bytes) -> None:
        self._write(f"capture-{self.env.rank}", data)

    def posted(self) -> set[int]:
        since = self._job_start()
        return {r for r in range(self.env.world_size) if self._fresh(f"capture-{r}", since)}

    def fetch(self, rank: int) -> bytes | None:
        if rank not in self.posted():
            return None
        try:
            return (self.dir / f"capture-{rank}").read_bytes()
        except OSError:
            return None

    def confirm(self, message: dict[str, Any]) -> None:
        self._write("written", json.dumps(message).encode())

    def confirmation(self) -> dict[str, Any] | None:
        # Only rank 0's word from this job counts: written after this rank started.
        if not self._fresh("written", self._started_at):
            return None
        try:
            return json.loads((self.dir / "written").read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        """Rank 0, once the job's report is out: remove the captures it gathered."""
        for rank in range(self.env.world_size):
            for name in (f"capture-{rank}", f"started-{rank}"):
                try:
                    os.unlink(self.dir / name)
                except OSError:
                    pass


def exchange_dir(output: str | None) -> Path:
    """Where ``FileExchange`` keeps its files: ``DYNOTRACE_RANKS_DIR``, else beside the
    ``-o`` file, else the working directory."""
    chosen = os.environ.get("DYNOTRACE_RANKS_DIR")
    if chosen:
        return Path(chosen)
    if output:
        from dynotrace.errors import InputError
        from dynotrace.files.output import output_target

        try:
            target = output_target(output)
        except InputError:
            target = None
        if target is not None and target.kind == "file":  # not stdout, a device, a FIFO
            return Path(target.path).parent / ".dynotrace-ranks"
    return Path.cwd() / ".dynotrace-ranks"


def open_exchange(env: RankEnv, output: str | None) -> Exchange:
    """torchrun's agent store when there is one, else files."""
    if env.agent_store and env.master_addr and env.master_port:
        return StoreExchange(env)
    return FileExchange(env, exchange_dir(output))
