"""A Python bool flag flips between calls."""
import torch


@torch.compile(backend="eager")
def f(x, training):
    if training:
        return x * 2
    return x


f(torch.ones(2), True)
f(torch.ones(2), False)
