"""Fixed variant of recompile_scalar.py: pass the scalar as a tensor.

What it shows:
    The same blend with alpha = 0.1, 0.2, 0.3, 0.4, but ``alpha`` is wrapped
    in a 0-d tensor before the call.

What Dynamo does:
    Tensors are guarded on metadata (dtype, shape, device, ...), not on their
    values, so every 0-d float32 tensor passes the first graph's guards no
    matter what number it holds.

What dynotrace should report:
    One compile, zero recompiles, zero graph breaks.
"""

import torch

torch.manual_seed(0)


def blend(x, y, alpha):
    return x * (1 - alpha) + y * alpha


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(blend, backend="eager")

x, y = torch.randn(8), torch.randn(8)
for alpha in (0.1, 0.2, 0.3, 0.4):
    alpha_t = torch.tensor(alpha)  # <-- FIX: a tensor's *value* is not guarded
    out = compiled(x, y, alpha_t)
print(f"result sum: {out.sum().item():.4f}")
