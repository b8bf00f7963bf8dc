"""Clean: a compiled model with no graph break and no recompile.

What it shows:
    A small MLP (Linear -> ReLU -> Linear) compiled once and called three
    times with the same input shape, dtype and grad mode.

What Dynamo does:
    The first call traces ``forward`` into one FX graph with no graph breaks
    and installs guards (input shape/dtype/device, grad mode, ...). Calls 2
    and 3 pass every guard and reuse the compiled graph.

What dynotrace should report:
    One compiled frame, one graph, zero graph breaks, zero recompiles: a
    clean bill of health. This is the baseline the other samples differ from.
"""

import torch
from torch import nn

torch.manual_seed(0)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


model = MLP()
# backend="eager": guards, graph breaks and recompiles come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(model, backend="eager")

x = torch.randn(8, 16)
for _ in range(3):  # same shape every time -> compiled once
    out = compiled(x)
print(f"output shape: {tuple(out.shape)}")
