"""A compiled function that calls another compiled function which graph-breaks."""
import torch


@torch.compile(backend="eager")
def inner(x):
    print("inner")
    return x + 1


@torch.compile(backend="eager")
def outer(x):
    return inner(x * 2) * 3


outer(torch.ones(3))
inner(torch.ones(3))
