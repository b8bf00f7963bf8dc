"""The process group the distributed samples share: gloo on CPU.

Under torchrun (or any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT)
it joins the job through ``env://``; run as a plain script it is a job of one process, so
every sample also runs as ``python sample.py``.
"""

import os

import torch.distributed as dist


def init() -> int:
    """Join the job; return this process's rank."""
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        dist.init_process_group("gloo")
    else:
        dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    return dist.get_rank()


def done() -> None:
    dist.destroy_process_group()
