"""The same tensor passed twice, then two different tensors."""
import torch


@torch.compile(backend="eager")
def f(a, b):
    return a + b


x = torch.ones(3)
f(x, x)
f(x, torch.ones(3))
