"""Distributed: one rank sees a different batch size, and only that rank recompiles.

What it shows:
    The DDP loop of ``ddp_train.py``, with the data split so that the last
    batch of rank 1 is short: 6 samples where every other batch has 8 (a
    sharded dataset whose size is not a multiple of world size x batch size,
    read without ``drop_last``).

    torchrun --nproc-per-node 2 sample_programs/distributed/ddp_uneven_batch.py
    torchrun --nproc-per-node 2 -m dynotrace explain sample_programs/distributed/ddp_uneven_batch.py

What Dynamo does:
    Rank 0 compiles ``Net.forward`` once (``0/0``). Rank 1 compiles it too, then
    its short batch fails the size guard on ``x`` and it recompiles (``0/1``)
    with the batch dimension dynamic. While it does, rank 0 waits for it in the
    gradient all-reduce.

What dynotrace should report:
    One report for the job with the divergence first: rank 1 recompiled
    ``Net.forward`` (0/1) because ``x.size()[0]`` was 8, now 6; rank 0 did not.
    Fix: ``drop_last=True``, or mark the batch dimension dynamic up front
    (``torch._dynamo.mark_dynamic(x, 0)``) on every rank.
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


model = DDP(torch.compile(Net(), backend="eager"))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
batches = [8, 8, 6] if rank == 1 else [8, 8, 8]  # <-- rank 1's last batch is short
for n in batches:
    x, y = torch.randn(n, 16), torch.randn(n, 4)
    loss = torch.nn.functional.mse_loss(model(x), y)  # rank 1 recompiles here
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"rank {rank}: loss {loss.item():.4f}")
dist.destroy_process_group()
