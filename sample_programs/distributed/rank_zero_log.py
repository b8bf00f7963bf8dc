"""Distributed: logging on rank 0 inside compiled code breaks the graph on rank 0 only.

What it shows:
    A compiled training step that prints a progress line, but only on rank 0
    (``if dist.get_rank() == 0: print(...)``): a common logging habit.

    torchrun --nproc-per-node 2 -m dynotrace explain sample_programs/distributed/rank_zero_log.py

What Dynamo does:
    ``dist.get_rank()`` is a constant to Dynamo, so each rank traces only its own
    branch. Rank 0 meets ``print()`` and breaks the graph there (two graphs and a
    resume function); the other ranks trace one graph.

What dynotrace should report:
    A divergence: rank 0 broke the graph in ``step`` at the ``print`` line; rank 1
    did not. Fix: log outside the compiled function.
"""

import os

import torch
import torch.distributed as dist

# gloo on CPU. Under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) this joins
# the job; run as a plain script it is a job of one process.
if "RANK" in os.environ:
    dist.init_process_group("gloo")
else:
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
rank = dist.get_rank()
torch.manual_seed(0)
w = torch.randn(16, 16)


def step(x):
    y = torch.relu(x @ w)
    if dist.get_rank() == 0:
        print("step done")  # <-- GRAPH BREAK, on rank 0 only
    return y.sum()


compiled = torch.compile(step, backend="eager")
for _ in range(2):
    total = compiled(torch.randn(8, 16))
print(f"rank {rank}: {total.item():.4f}")
dist.destroy_process_group()
