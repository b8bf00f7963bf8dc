"""Recompile: input size changes -> automatic dynamic shapes.

What it shows:
    A compiled function fed batches of 4, 6, 8 and 10 rows.

What Dynamo does:
    The first call is compiled for the exact size 4 (static). The second call
    fails the size guard and Dynamo recompiles, this time treating dim 0 as a
    symbolic size ("automatic dynamic"). Later sizes reuse that dynamic graph.
    So: exactly one recompile, not one per size.

What dynotrace should report:
    One recompile of ``step`` whose reason is a size mismatch at index 0 of
    ``x`` (expected the first size, got the second), and that dim 0 of ``x``
    is dynamic from then on. No graph breaks. Fix: mark the dimension
    dynamic before the first call (see recompile_shape_dynamic_fixed.py).
"""

import torch

torch.manual_seed(0)


def step(x):
    return (x * 2).sum(dim=1).softmax(dim=0)


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(step, backend="eager")

for n in (4, 6, 8, 10):  # <-- the batch size changes; the 2nd call (n=6) recompiles
    out = compiled(torch.randn(n, 3))
print(f"last output shape: {tuple(out.shape)}")
