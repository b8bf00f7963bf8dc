"""Tensor.tolist() inside the compiled function."""
import torch


@torch.compile(backend="eager")
def f(x):
    values = x.tolist()
    return x * len(values)


f(torch.arange(4.0))
