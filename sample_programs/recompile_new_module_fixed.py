"""Fixed variant of recompile_new_module.py: build and compile the module once.

What it shows:
    The module is created and compiled once, outside the loop. The value that
    used to be a per-instance Python attribute is passed to ``forward`` as a
    0-d tensor instead.

What Dynamo does:
    One module, one compiled graph. The changing factor is a tensor input, and
    tensors are guarded on metadata (dtype/shape), not on their values, so
    every iteration passes the guards.

What dynotrace should report:
    One compile, zero recompiles, zero graph breaks.
"""

import torch
from torch import nn

torch.manual_seed(0)


class Scaler(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x, factor):
        return torch.relu(self.proj(x)) * factor


model = Scaler()  # <-- FIX: created once, outside the loop
# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(model, backend="eager")

x = torch.randn(4, 8)
for step in range(4):
    factor = torch.tensor(float(step + 2))  # <-- FIX: the changing value is a tensor
    out = compiled(x, factor)
print(f"result sum: {out.sum().item():.4f}")
