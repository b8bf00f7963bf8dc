"""Graph break: Python ``if`` on a tensor value (data-dependent control flow).

What it shows:
    ``if x.sum() > 0:`` -- the branch taken depends on the *values* inside a
    tensor, not on its shape or dtype.

What Dynamo does:
    While tracing, Dynamo only knows tensor metadata (shape, dtype, ...), not
    the numbers. ``bool(tensor)`` needs the actual value, so Dynamo graph-breaks
    at the ``if``: it compiles the part before it, runs the comparison eagerly,
    and resumes tracing in whichever branch was taken.

What dynotrace should report:
    A graph break caused by data-dependent control flow (a jump/branch on a
    tensor value), pointing at the ``if x.sum() > 0:`` line, and no recompiles.
    The fix is ``torch.where(...)`` or ``torch.cond(...)`` so both branches
    stay inside one graph.
"""

import torch

torch.manual_seed(0)


def f(x):
    y = x * 2
    if y.sum() > 0:  # <-- GRAPH BREAK: branching on a tensor's value
        return y + 1
    return y - 1


# backend="eager": graph breaks, guards and recompiles all come from Dynamo;
# the eager backend just runs the captured graphs, which keeps the demo fast.
compiled = torch.compile(f, backend="eager")

out = compiled(torch.randn(16))
print(f"result sum: {out.sum().item():.4f}")
