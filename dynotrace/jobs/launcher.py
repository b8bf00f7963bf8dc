"""Which rank of a distributed job this process is, from its launcher's environment.

torchrun (``torch.distributed.run``) gives every worker ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK`` (the node), ``GROUP_WORLD_SIZE``,
``MASTER_ADDR``/``MASTER_PORT``, ``TORCHELASTIC_RUN_ID``, ``TORCHELASTIC_RESTART_COUNT`` and
``TORCHELASTIC_USE_AGENT_STORE`` (``local_elastic_agent.py``, ``_start_workers``). Other
launchers (Slurm scripts, mpirun wrappers, a hand-written loop) set at least ``RANK`` and
``WORLD_SIZE``, the two ``torch.distributed``'s ``env://`` rendezvous needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from dynotrace.errors import UsageError


@dataclass(frozen=True)
class RankEnv:
    """This process's place in a distributed job."""

    rank: int
    world_size: int
    local_rank: int | None = None
    local_world_size: int | None = None
    #: The node (torchrun's ``GROUP_RANK``) and how many nodes there are.
    node: int | None = None
    nodes: int | None = None
    #: torchrun's run id and restart count; ``None`` under other launchers.
    run_id: str | None = None
    restart: int = 0
    master_addr: str | None = None
    master_port: int | None = None
    #: True when torchrun's agent hosts a store at ``MASTER_ADDR:MASTER_PORT`` that lives
    #: as long as the job, on every node (``TORCHELASTIC_USE_AGENT_STORE=True``).
    agent_store: bool = False

    @property
    def launcher(self) -> str:
        return "torchrun" if self.run_id is not None else "environment"

    @property
    def job_key(self) -> str:
        """A name every rank of this job (and this restart of it) computes alike, and the
        next job most likely does not: torchrun's run id, else Slurm's job and step, else
        the rendezvous address."""
        if self.run_id is not None:
            return f"{self.run_id}.{self.restart}"
        env = os.environ
        if env.get("SLURM_JOB_ID"):
            return f"slurm-{env['SLURM_JOB_ID']}.{env.get('SLURM_STEP_ID', '0')}"
        if self.master_addr and self.master_port:
            return f"{self.master_addr}-{self.master_port}"
        return "job"


def _int(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{name}={text!r} in the environment is not a whole number") from None


def rank_env(env: Mapping[str, str] | None = None) -> RankEnv | None:
    """This process's rank, or ``None`` when it is not one rank of several: ``RANK`` or
    ``WORLD_SIZE`` unset, or a world of one (which is an ordinary single run).

    Raises ``UsageError`` when they are set but make no sense (``RANK=3 WORLD_SIZE=2``).
    """
    env = os.environ if env is None else env
    if not env.get("RANK", "").strip() or not env.get("WORLD_SIZE", "").strip():
        return None
    rank = _int(env, "RANK")
    world_size = _int(env, "WORLD_SIZE")
    assert rank is not None and world_size is not None
    if world_size < 1 or not 0 <= rank < world_size:
        raise UsageError(f"RANK={rank} and WORLD_SIZE={world_size} in the environment: a rank must be 0 to WORLD_SIZE-1")
    if world_size == 1:
        return None
    restart = _int(env, "TORCHELASTIC_RESTART_COUNT") or 0
    return RankEnv(
        rank=rank,
        world_size=world_size,
        local_rank=_int(env, "LOCAL_RANK"),
        local_world_size=_int(env, "LOCAL_WORLD_SIZE"),
        node=_int(env, "GROUP_RANK"),
        nodes=_int(env, "GROUP_WORLD_SIZE"),
        run_id=env.get("TORCHELASTIC_RUN_ID") or None,
        restart=restart,
        master_addr=env.get("MASTER_ADDR") or None,
        master_port=_int(env, "MASTER_PORT"),
        agent_store=env.get("TORCHELASTIC_USE_AGENT_STORE") == "True",
    )
