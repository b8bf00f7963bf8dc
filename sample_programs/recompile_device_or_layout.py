"""Recompile: same shape, different memory layout (x vs x.t()).

What it shows:
    A square 4x4 tensor, then its transpose ``x.t()``. Sizes, dtype and device
    are identical; only the strides differ (contiguous (4, 1) vs transposed
    (1, 4)).

What Dynamo does:
    Graphs are guarded on input strides as well as sizes, because the layout
    can change what the compiled code must do. The transposed input fails
    the stride guard and Dynamo recompiles. (A device change, CPU -> CUDA,
    fails the same tensor-metadata guard; this demo is CPU-only.)

What dynotrace should report:
    One recompile of ``f`` whose reason is a stride mismatch at index 0 of
    ``x`` (not a size or dtype mismatch). No graph breaks. Fix: pass a
    consistent layout, e.g. ``x.t().contiguous()``.
"""

import torch

torch.manual_seed(0)


def f(x):
    return x * 2 + 1


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")

x = torch.randn(4, 4)
compiled(x)  # contiguous, strides (4, 1)
out = compiled(x.t())  # <-- RECOMPILE: same sizes, strides (1, 4)
print(f"result sum: {out.sum().item():.4f}")
