"""Two different tensors first, then the same tensor passed twice."""
import torch


@torch.compile(backend="eager")
def f(a, b):
    return a + b


x = torch.ones(3)
f(x, torch.ones(3))
f(x, x)
