"""Recompile: called under grad mode, then under torch.no_grad().

What it shows:
    The same compiled function with the same inputs, first in normal
    (grad-enabled) mode, then inside ``with torch.no_grad():``.

What Dynamo does:
    Global autograd state (grad mode, and similar global flags) affects what
    the traced graph means, so every compiled graph carries a "global state"
    guard. Entering ``no_grad`` changes grad_mode, the guard fails and Dynamo
    recompiles.

What dynotrace should report:
    One recompile of ``f`` whose reason is that the global state changed
    (grad_mode). No graph breaks. Fix: call the compiled function
    consistently in one mode, or give inference its own compiled function.
"""

import torch

torch.manual_seed(0)


def f(x, w):
    return torch.relu(x @ w).sum()


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")

x = torch.randn(4, 4)
w = torch.randn(4, 4, requires_grad=True)
compiled(x, w)  # grad mode enabled
with torch.no_grad():
    out = compiled(x, w)  # <-- RECOMPILE: GLOBAL_STATE grad_mode changed
print(f"no_grad result: {out.item():.4f}")
