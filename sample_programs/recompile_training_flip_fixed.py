"""Fixed variant of recompile_training_flip.py: one compiled entry point per mode.

What it shows:
    The same model and the same train/eval alternation, but instead of
    compiling the module itself, the script compiles two separate step
    functions: ``train_step`` is only ever called in train mode and
    ``eval_step`` only in eval mode.

What Dynamo does:
    Dynamo caches compiled code per Python code object. ``train_step`` and
    ``eval_step`` are different code objects, each with its own cache, and
    each one always sees the same ``training`` value, so neither ever fails
    its guard. (Compiling two *instances* of the module would not help: both
    share ``Net.forward``'s code object and its cache.)

What dynotrace should report:
    Two compiled frames (train_step and eval_step), each compiled exactly
    once: zero recompiles, zero graph breaks.
"""

import torch
from torch import nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(p=0.1)

    def forward(self, x):
        return self.drop(torch.relu(self.fc(x)))


model = Net()


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
@torch.compile(backend="eager")
def train_step(x):  # <-- FIX: only ever called with model.training == True
    return model(x)


@torch.compile(backend="eager")
def eval_step(x):  # <-- FIX: only ever called with model.training == False
    return model(x)


x = torch.randn(4, 8)
for epoch in range(2):
    model.train()
    train_step(x)
    model.eval()
    out = eval_step(x)
print(f"eval output sum: {out.sum().item():.4f}")
