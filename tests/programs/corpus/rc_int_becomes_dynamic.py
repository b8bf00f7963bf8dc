"""An int argument that keeps changing becomes dynamic after one recompile."""
import torch


@torch.compile(backend="eager")
def f(x, n):
    return x * n


for n in range(1, 6):
    f(torch.ones(2), n)
