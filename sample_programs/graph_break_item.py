"""Graph break: ``.item()`` feeding Python arithmetic / control flow.

What it shows:
    ``scale = x.max().item()`` turns a tensor into a Python float, which is then
    used in Python code (a comparison and a multiplication).

What Dynamo does:
    With the default ``torch._dynamo.config.capture_scalar_outputs = False``,
    Dynamo refuses to trace ``Tensor.item()`` (the value is unknown at trace
    time), so it graph-breaks at the ``.item()`` call, runs it eagerly and
    resumes tracing afterwards with the concrete Python number.

What dynotrace should report:
    A graph break at the ``.item()`` line whose reason mentions
    ``Tensor.item()`` and ``capture_scalar_outputs``. No recompiles. The fix is to
    keep the value as a tensor (``x / x.max()``), or to set
    ``torch._dynamo.config.capture_scalar_outputs = True``.
"""

import torch

torch.manual_seed(0)


def normalize(x):
    # Tensor.item() with the default capture_scalar_outputs=False:
    scale = x.abs().max().item()  # <-- GRAPH BREAK
    if scale > 1.0:  # Python control flow on the scalar (runs eagerly)
        return x / scale
    return x * scale


# backend="eager": graph breaks, guards and recompiles all come from Dynamo;
# the eager backend just runs the captured graphs, which keeps the demo fast.
compiled = torch.compile(normalize, backend="eager")

out = compiled(torch.randn(32))
print(f"result max: {out.abs().max().item():.4f}")
