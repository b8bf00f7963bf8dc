"""Graph break: print() inside a compiled function.

What it shows:
    A plain Python ``print()`` call in the middle of a function that is being
    compiled with ``torch.compile``.

What Dynamo does:
    Dynamo cannot put a side effect like writing to stdout into an FX graph, so
    it stops the graph just before the ``print``, runs the print eagerly, and
    starts a new graph after it. One Python frame therefore yields two graphs.

What dynotrace should report:
    One compiled frame with one graph break whose reason is the unsupported
    builtin ``print``, pointing at the ``print(...)`` line below, two graphs
    for that frame, and no recompiles. The fix is to remove the print, or to
    move logging outside the compiled region.
"""

import torch

torch.manual_seed(0)


def step(x):
    y = torch.sin(x) * 2
    # print() is a side effect (writes stdout) that Dynamo won't put in a graph:
    print("debug: inside step")  # <-- GRAPH BREAK
    return torch.cos(y) + 1


# backend="eager": graph breaks, guards and recompiles all come from Dynamo
# (the Python-frame tracer), not from the backend. The eager backend just runs
# the captured graphs as-is, which keeps this demo fast.
compiled = torch.compile(step, backend="eager")

out = compiled(torch.randn(8))
print(f"result sum: {out.sum().item():.4f}")
