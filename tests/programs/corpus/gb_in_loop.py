"""A graph break inside a Python loop of the compiled function."""
import torch


@torch.compile(backend="eager")
def f(x):
    for i in range(3):
        x = x + i
        print("step", i)  # a break in every iteration
    return x


f(torch.ones(4))
