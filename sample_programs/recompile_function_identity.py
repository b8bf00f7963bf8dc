"""Recompile: a different function object passed as an argument each call.

What it shows:
    ``apply(x, fn)`` is called with ``torch.relu``, then ``torch.sigmoid``,
    then ``torch.tanh`` -- a common pattern when an activation is chosen at
    run time, or when a new lambda/closure is created inside a loop.

What Dynamo does:
    Dynamo inlines ``fn`` into the graph, so the compiled code is only valid
    for that exact object: it guards on its identity (ID_MATCH,
    ``___check_obj_id``). Each new function fails the guard and recompiles.

What dynotrace should report:
    Two recompiles of ``apply``, cause "a different object (identity)" on
    ``fn``. Fix: create the object once and reuse it, or compile one function
    per choice.
"""
import torch


def apply(x, fn):
    return fn(x) + 1


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(apply, backend="eager")

x = torch.randn(8)
for activation in (torch.relu, torch.sigmoid, torch.tanh):
    out = compiled(x, activation)  # <-- RECOMPILE for each new function object
print(f"result sum: {out.sum().item():.4f}")
