"""Recompile: a new nn.Module instance built (and compiled) inside the loop.

What it shows:
    Each loop iteration constructs a fresh ``Scaler(factor=...)`` module and
    compiles it. The instances differ in a plain Python int attribute,
    ``self.factor``.

What Dynamo does:
    In torch 2.13 Dynamo inlines nn.Module.forward and lifts the parameters
    to graph inputs, so a new instance that is *otherwise identical* would
    reuse the cached graph (the cache lives on ``Scaler.forward``'s code
    object, shared by all instances). But plain Python attributes read in
    ``forward`` are baked in as constants and guarded by value
    (``self.factor == 2``). Module int attributes are not promoted to dynamic,
    so every instance with a new factor fails the guard and recompiles --
    one recompile per iteration.

What dynotrace should report:
    Three recompiles of ``forward`` (four compiles for one code object), each
    caused by a failed value guard on the module attribute ``factor``. No
    graph breaks. Fix: create the module once outside the loop and pass the
    changing value in as a tensor (see recompile_new_module_fixed.py).
"""

import torch
from torch import nn

torch.manual_seed(0)


class Scaler(nn.Module):
    def __init__(self, factor: int):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.factor = factor  # a plain Python int stored on the instance

    def forward(self, x):
        return torch.relu(self.proj(x)) * self.factor  # guard: self.factor == <value>


x = torch.randn(4, 8)
for step in range(4):
    # A NEW instance with a new factor each iteration -> RECOMPILE on every call:
    model = Scaler(factor=step + 2)  # <-- the cause
    # backend="eager": guards and recompiles come from Dynamo, not the backend;
    # the eager backend keeps the demo fast.
    compiled = torch.compile(model, backend="eager")
    out = compiled(x)
print(f"result sum: {out.sum().item():.4f}")
