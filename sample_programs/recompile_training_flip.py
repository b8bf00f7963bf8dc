"""Recompile: flipping a module between train() and eval().

What it shows:
    A small model with Dropout, compiled once, then alternated between
    ``model.train()`` and ``model.eval()`` as in a train/validate loop.

What Dynamo does:
    Dropout (and BatchNorm) read ``self.training`` in Python, so Dynamo bakes
    the mode into the graph and guards on it (``...training == True``). The
    first eval() call fails that guard and recompiles a second graph for
    eval mode. Both graphs stay cached, so later flips do not recompile
    again. (A module whose forward never reads ``self.training`` -- e.g. only
    Linear + ReLU -- would not recompile at all.)

What dynotrace should report:
    One recompile of ``forward`` whose reason is the failed guard on the
    dropout submodule's ``training`` flag. No graph breaks. Fix: give each
    mode its own compiled entry point, or keep the mode fixed (see
    recompile_training_flip_fixed.py).
"""

import torch
from torch import nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(p=0.1)  # reads self.training in forward -> guarded

    def forward(self, x):
        return self.drop(torch.relu(self.fc(x)))


model = Net()
# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(model, backend="eager")

x = torch.randn(4, 8)
for epoch in range(2):
    model.train()
    compiled(x)  # epoch 0: compile #0 (training=True)
    model.eval()  # <-- mode flip
    # epoch 0: RECOMPILE (training=False); epoch 1: both graphs already cached
    out = compiled(x)
print(f"eval output sum: {out.sum().item():.4f}")
