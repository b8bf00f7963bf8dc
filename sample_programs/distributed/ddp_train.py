"""Distributed: a DDP training loop whose ranks all compile the same way.

What it shows:
    A small MLP wrapped in DistributedDataParallel (gloo, CPU), its module
    compiled with ``torch.compile``, trained for three steps on every rank with
    batches of the same size.

    torchrun --nproc-per-node 2 sample_programs/distributed/ddp_train.py
    torchrun --nproc-per-node 2 -m dynotrace explain sample_programs/distributed/ddp_train.py

What Dynamo does:
    Each rank is its own process with its own Dynamo: each compiles
    ``Net.forward`` once (``0/0``) and reuses the graph for the next steps.
    DDP's gradient all-reduce runs in its hooks, outside the graph.

What dynotrace should report:
    One report for the job: 2 ranks, all compiled the same way, no divergence;
    per rank 1 function, 1 compile, no recompile, no graph break.
"""

import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

# gloo on CPU. Under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) this joins
# the job; run as a plain script it is a job of one process.
if "RANK" in os.environ:
    dist.init_process_group("gloo")
else:
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
rank = dist.get_rank()
torch.manual_seed(0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 32)
        self.fc2 = torch.nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


# backend="eager": guards and recompiles come from Dynamo, not the backend.
model = DDP(torch.compile(Net(), backend="eager"))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    x, y = torch.randn(8, 16), torch.randn(8, 4)
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"rank {rank}: loss {loss.item():.4f}")
dist.destroy_process_group()
