"""A global config dict read by the compiled function changes."""
import torch

CONFIG = {"scale": 1.0}


@torch.compile(backend="eager")
def f(x):
    return x * CONFIG["scale"]


f(torch.ones(2))
CONFIG["scale"] = 2.0
f(torch.ones(2))
