"""A graph break and then a recompile of both halves on a new dtype."""
import torch


@torch.compile(backend="eager")
def f(x):
    x = x * 2
    print("break")
    return x + 1


f(torch.ones(4))
f(torch.ones(4, dtype=torch.float64))
