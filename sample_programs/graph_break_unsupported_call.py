"""Graph break: calling a C-extension function Dynamo cannot trace.

What it shows:
    ``zlib.crc32`` -- a builtin implemented in C (not a torch op, no Python
    bytecode) -- called inside a compiled function to derive a per-name
    offset from a string tag.

What Dynamo does:
    Dynamo traces Python bytecode. A C function has no bytecode, and Dynamo
    has no special model of ``zlib.crc32``, so it marks the function as
    skipped and graph-breaks: the code before the call becomes one graph, the
    call runs eagerly, and tracing resumes afterwards in a second graph.
    (It also emits a one-time UserWarning about the skipped builtin.)

What dynotrace should report:
    One graph break whose reason is "Attempted to call function marked as
    skipped" for the builtin ``zlib.crc32``, pointing at the ``zlib.crc32``
    line, and no recompiles. The fix is to hoist the call out of the compiled
    function (compute the offset once, outside) or, for your own C/C++
    extension, to register it as a custom op (``torch.library.custom_op``).
"""

import zlib

import torch

torch.manual_seed(0)


def embed(x, tag: str):
    h = torch.tanh(x)
    # zlib.crc32 is a C builtin with no bytecode that Dynamo can't trace:
    offset = zlib.crc32(tag.encode()) % 7  # <-- GRAPH BREAK
    return h + offset


# backend="eager": graph breaks, guards and recompiles all come from Dynamo;
# the eager backend just runs the captured graphs, which keeps the demo fast.
compiled = torch.compile(embed, backend="eager")

out = compiled(torch.randn(8), "token")
print(f"result sum: {out.sum().item():.4f}")
