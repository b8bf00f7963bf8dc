"""Recompile: the same input, first without and then with requires_grad.

What it shows:
    A compiled function called with a plain tensor, then with a tensor that
    has ``requires_grad=True`` (e.g. inference first, then a training step).

What Dynamo does:
    Whether an input requires grad changes what has to be traced (autograd
    needs to record the graph), so each compiled graph is guarded on every
    input tensor's ``requires_grad`` flag. Flipping it fails the guard and
    Dynamo recompiles.

What dynotrace should report:
    One recompile of ``f`` whose reason is a requires_grad mismatch on ``x``
    (the first graph expected requires_grad False). No graph breaks. Fix:
    call it consistently (e.g. ``x.detach()`` for inference, or always the
    training setup).
"""

import torch

torch.manual_seed(0)


def f(x):
    return (torch.sin(x) * x).sum()


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")

compiled(torch.randn(8))  # requires_grad=False
x_grad = torch.randn(8, requires_grad=True)
out = compiled(x_grad)  # <-- RECOMPILE: requires_grad False -> True
out.backward()
print(f"loss: {out.item():.4f}")
