"""Recompiles: the headline demo (static -> automatic dynamic, then a dtype change).

What it shows:
    One compiled function called with three different sequence lengths, and
    then once more with a float64 input.

What Dynamo does:
    1. First call (length 8): Dynamo compiles a graph specialised to the exact
       shape [8, 16] and installs guards on it ("x.size(0) == 8", dtype, ...).
    2. Second call (length 12): the size guard fails -> RECOMPILE #1. Because
       this dimension has now been seen with two different values, Dynamo's
       "automatic dynamic shapes" recompiles it as a symbolic size.
    3. Third call (length 20): the dynamic graph's guards pass -> no compile.
    4. Fourth call (float64): the dtype guard fails -> RECOMPILE #2. Dtypes
       are never made dynamic, so this is a brand-new graph.

What dynotrace should report:
    One function, three compiles (2 recompiles). Recompile #1's reason is a
    size mismatch on dimension 0 of ``x``, after which that dimension is
    dynamic; recompile #2's reason is a dtype mismatch on ``x``. No graph
    breaks. Suggested fixes: mark the dimension dynamic up front
    (``torch._dynamo.mark_dynamic(x, 0)`` or ``dynamic=True``), and keep the
    input dtype consistent.
"""

import torch

torch.manual_seed(0)
W = torch.randn(16, 16)


def layer(x):
    return torch.relu(x @ W.to(x.dtype)) + x


# backend="eager": guards and recompiles come from Dynamo (the frame tracer),
# not from the backend; the eager backend just runs the graph, keeping this fast.
compiled = torch.compile(layer, backend="eager")

compiled(torch.randn(8, 16))  # compile #0: static shape [8, 16]
compiled(torch.randn(12, 16))  # <-- RECOMPILE #1: size 8 -> 12; dim 0 now dynamic
compiled(torch.randn(20, 16))  # reuses the dynamic graph, no compile
x64 = torch.randn(20, 16, dtype=torch.float64)
out = compiled(x64)  # <-- RECOMPILE #2: dtype float32 -> float64
print(f"output dtype: {out.dtype}, shape: {tuple(out.shape)}")
