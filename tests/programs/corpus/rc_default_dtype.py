"""torch.set_default_dtype changes between calls."""
import torch


@torch.compile(backend="eager")
def f(x):
    return x + torch.ones(2)


f(torch.ones(2))
torch.set_default_dtype(torch.float64)
f(torch.ones(2))
torch.set_default_dtype(torch.float32)
