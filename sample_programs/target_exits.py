"""Target exits: compiles a function once, then calls sys.exit(3).

What it shows:
    A script that compiles and runs a function, then exits explicitly with a
    non-zero status code.

What Dynamo does:
    Compiles ``f`` once (one graph, no graph breaks). ``sys.exit(3)`` raises
    SystemExit, which is ordinary Python, unrelated to Dynamo.

What dynotrace should report:
    The compile data gathered before the exit (one frame, one graph, no graph
    breaks or recompiles), and the target's exit status 3, passed through
    unchanged.
"""

import sys

import torch

torch.manual_seed(0)


def f(x):
    return torch.cos(x) + x


# backend="eager": guards, graph breaks and recompiles come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")
out = compiled(torch.randn(8))
print(f"compiled ok, sum: {out.sum().item():.4f}")

sys.exit(3)  # <-- explicit exit status 3
