"""A 2-rank job where rank 1 fails after compiling: ``sys.exit(3)`` (or, with ``hang``,
sleeps for ``HANG_S`` seconds instead). Rank 0 compiles, then sleeps a little, so a
launcher that stops the job when a rank fails (torchrun) stops rank 0 mid-script.

    torchrun --nproc-per-node 2 -m dynotrace explain tests/programs/ranks/rank_fails.py [hang]
"""

import os
import sys
import time

import torch

rank = int(os.environ.get("RANK", "0"))
compiled = torch.compile(lambda x: x.sin() + rank, backend="eager")
compiled(torch.ones(4))
if rank == 1:
    if sys.argv[1:] == ["hang"]:
        time.sleep(float(os.environ.get("HANG_S", "60")))
    print("rank 1: failing", flush=True)
    sys.exit(3)
time.sleep(float(os.environ.get("RANK0_SLEEP_S", "20")))
print("rank 0: done", flush=True)
