"""Recompile: the same function called with float32, then float64.

What it shows:
    A compiled function receives a float32 tensor, then a float64 tensor of
    the same shape.

What Dynamo does:
    Each compiled graph is guarded on the input's dtype. A float64 input
    fails the float32 guard, so Dynamo compiles a second graph. Unlike sizes,
    dtypes are never made dynamic: every new dtype is a new graph.

What dynotrace should report:
    One recompile of ``f`` whose reason is a dtype mismatch on ``x``
    (expected float32, got float64). No graph breaks. Fix: use a consistent
    dtype (e.g. ``.float()`` before calling; see recompile_dtype_fixed.py).
"""

import torch

torch.manual_seed(0)


def f(x):
    return torch.tanh(x) * 3 + 1


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")

compiled(torch.randn(8, dtype=torch.float32))
x64 = torch.randn(8, dtype=torch.float64)
out = compiled(x64)  # <-- RECOMPILE: dtype float32 -> float64
print(f"output dtype: {out.dtype}")
