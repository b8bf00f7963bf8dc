"""A graph break inside a `with` block (a context manager Dynamo must resume inside)."""
import torch


@torch.compile(backend="eager")
def f(x):
    with torch.no_grad():
        y = x * 2
        print("inside no_grad")
        y = y + 1
    return y


f(torch.ones(4, requires_grad=True))
