"""Recompile: a list argument whose length changes.

What it shows:
    ``total(xs)`` takes a Python list of tensors; it is called with lists of
    2, then 3, then 4 tensors.

What Dynamo does:
    Dynamo unrolls Python containers while tracing: the graph for a
    2-element list has exactly two inputs and two adds. It guards
    ``len(xs) == 2``; a list of a different length fails that guard and
    recompiles. List lengths are not made dynamic, so each new length is
    another recompile. (A dict whose keys change behaves the same way, with a
    guard on the dict's keys.)

What dynotrace should report:
    Two recompiles of ``total`` (three compiles), each caused by the failed
    length guard ``len(xs) == <old length>``. No graph breaks. Fix: stack the
    tensors into one tensor (``torch.stack(xs)``) and pass that, so the
    length becomes a (dynamic) tensor dimension.
"""

import torch

torch.manual_seed(0)


def total(xs):
    out = xs[0]
    for t in xs[1:]:  # unrolled at trace time -> guard on len(xs)
        out = out + t
    return out


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(total, backend="eager")

for n in (2, 3, 4):  # <-- list length changes: calls with 3 and 4 elements recompile
    out = compiled([torch.randn(8) for _ in range(n)])
print(f"result sum: {out.sum().item():.4f}")
