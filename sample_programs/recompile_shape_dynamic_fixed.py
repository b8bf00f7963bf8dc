"""Fixed variant of recompile_shape_dynamic.py: mark the batch dim dynamic.

What it shows:
    The same function and the same batch sizes (4, 6, 8, 10), but every input
    is passed through ``torch._dynamo.mark_dynamic(x, 0)`` first.

What Dynamo does:
    Because dim 0 is marked dynamic before the very first compile, the first
    graph already uses a symbolic size, so every later size passes the guards.
    (``torch.compile(step, dynamic=True)`` would have the same effect for all
    dims.)

What dynotrace should report:
    One compile, zero recompiles, zero graph breaks; dim 0 of ``x`` is
    dynamic from the start.
"""

import torch

torch.manual_seed(0)


def step(x):
    return (x * 2).sum(dim=1).softmax(dim=0)


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(step, backend="eager")

for n in (4, 6, 8, 10):
    x = torch.randn(n, 3)
    torch._dynamo.mark_dynamic(x, 0)  # <-- FIX: tell Dynamo up front that dim 0 varies
    out = compiled(x)
print(f"last output shape: {tuple(out.shape)}")
