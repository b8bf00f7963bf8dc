"""No compile: a script that imports torch but never calls torch.compile.

What it shows:
    Plain eager PyTorch math -- a matrix multiply and a reduction -- with no
    ``torch.compile`` anywhere.

What Dynamo does:
    Nothing. Dynamo only runs when a ``torch.compile``-wrapped function (or
    module) is called, so no frame is ever traced.

What dynotrace should report:
    That torch.compile was never reached: zero compiled frames, zero graphs,
    no graph breaks, no recompiles -- a "nothing to explain" report rather
    than an error.
"""

import torch

torch.manual_seed(0)

a = torch.randn(16, 16)
b = torch.randn(16, 16)
result = (a @ b).relu().mean()  # eager only: no torch.compile in this script
print(f"eager result: {result.item():.4f}")
