"""A string argument selects a code path."""
import torch


@torch.compile(backend="eager")
def f(x, mode):
    if mode == "sum":
        return x.sum()
    return x.mean()


f(torch.ones(4), "sum")
f(torch.ones(4), "mean")
