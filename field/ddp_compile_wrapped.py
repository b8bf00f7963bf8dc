"""Distributed (torchrun, gloo, CPU): the DDP wrapper itself compiled,
``model = torch.compile(DDP(net))``, then a few training steps on every rank.

    torchrun --nproc-per-node 2 field/ddp_compile_wrapped.py
    torchrun --nproc-per-node 2 --no-python dynotrace explain field/ddp_compile_wrapped.py -o report.yaml

What it shows: compiling the DDP module rather than the module inside it (the order the
PyTorch DDP docs show). Dynamo enters ``DistributedDataParallel.forward``, which is
torch's code: what it compiles, and where that lands in the report, is what a user sees
when "torch.compile(DDP(model)) produced no graph of my model". Each rank runs the same
batches, so both ranks should compile alike.
"""

import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

if "RANK" in os.environ:
    dist.init_process_group("gloo")
else:  # a plain `python field/ddp_compile_wrapped.py` is a job of one process
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


model = torch.compile(DDP(Net()))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    x, y = torch.randn(8, 16), torch.randn(8, 4)
    loss = torch.nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"rank {rank}: loss {loss.item():.4f}")
dist.destroy_process_group()
