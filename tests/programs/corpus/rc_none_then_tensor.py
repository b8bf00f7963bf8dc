"""An optional argument: None first, then a tensor."""
import torch


@torch.compile(backend="eager")
def f(x, bias=None):
    if bias is not None:
        x = x + bias
    return x * 2


f(torch.ones(3))
f(torch.ones(3), torch.ones(3))
