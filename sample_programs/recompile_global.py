"""Recompile: a global Python variable read inside the compiled function changes.

What it shows:
    ``scale_output`` reads the module-level ``SCALE``. The script changes
    ``SCALE`` between calls (2, then 3, then 4).

What Dynamo does:
    A global int read during tracing is treated as a constant: its value is
    baked into the graph and guarded (``G['SCALE'] == 2``). Assigning a new
    value fails that guard and Dynamo recompiles. Unlike function arguments,
    globals are not promoted to dynamic, so every new value is another
    recompile.

What dynotrace should report:
    Two recompiles of ``scale_output`` (three compiles), each caused by a
    failed guard on the global ``SCALE`` (``G['SCALE'] == <old value>``). No
    graph breaks. Fix: pass the value as an argument -- ideally as a tensor --
    instead of reading mutable global state.
"""

import torch

torch.manual_seed(0)

SCALE = 2


def scale_output(x):
    return x * SCALE  # <-- reads the global: guarded as a constant


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(scale_output, backend="eager")

x = torch.randn(8)
for SCALE in (2, 3, 4):  # <-- rebinds the global SCALE: calls 2 and 3 recompile
    out = compiled(x)
print(f"result sum: {out.sum().item():.4f}")
