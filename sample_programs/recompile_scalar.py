"""Recompile: a Python number argument that changes value every call.

What it shows:
    ``blend(x, y, alpha)`` where ``alpha`` is a plain Python float that takes
    a new value on each call (like a schedule: 0.1, 0.2, 0.3, 0.4).

What Dynamo does:
    On the first call Dynamo specialises on the *value* of a Python scalar: it
    bakes ``alpha = 0.1`` into the graph as a constant and guards
    ``alpha == 0.1``. The second call fails that guard and Dynamo recompiles;
    since ``alpha`` has now changed, the new graph treats it as a symbolic
    input (automatic dynamic), so the later values reuse it.

What dynotrace should report:
    One recompile of ``blend`` whose reason is the failed value guard
    ``alpha == 0.1`` (a Python-scalar specialisation), no graph breaks.
    Fix: pass the number as a 0-d tensor (see recompile_scalar_fixed.py).
"""

import torch

torch.manual_seed(0)


def blend(x, y, alpha):
    return x * (1 - alpha) + y * alpha


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(blend, backend="eager")

x, y = torch.randn(8), torch.randn(8)
# alpha is a Python float whose value changes: the 2nd call recompiles.
for alpha in (0.1, 0.2, 0.3, 0.4):  # <-- the cause
    out = compiled(x, y, alpha)
print(f"result sum: {out.sum().item():.4f}")
