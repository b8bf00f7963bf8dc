"""A set argument whose size changes."""
import torch


@torch.compile(backend="eager")
def f(x, names):
    for _ in names:
        x = x + 1
    return x


f(torch.ones(2), {"a", "b"})
f(torch.ones(2), {"a", "b", "c"})
