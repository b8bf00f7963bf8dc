"""Target raises: compiles a function once, then raises ValueError (exit 1).

What it shows:
    A script that successfully compiles and runs a function, then fails with
    an uncaught exception at top level -- as user scripts often do.

What Dynamo does:
    Compiles ``f`` once (one graph, no graph breaks). The later ValueError is
    ordinary Python, unrelated to Dynamo.

What dynotrace should report:
    The compile data gathered before the crash (one frame, one graph, no
    graph breaks or recompiles), plus the fact that the target exited with
    status 1 because of an uncaught ValueError -- the report should still be
    produced, and the exit status passed through.
"""

import torch

torch.manual_seed(0)


def f(x):
    return torch.sigmoid(x) * 2


# backend="eager": guards, graph breaks and recompiles come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")
out = compiled(torch.randn(8))
print(f"compiled ok, sum: {out.sum().item():.4f}")

# An uncaught exception at top level: Python exits with status 1.
raise ValueError("target_raises: deliberate failure after compiling")
