"""A graph break inside a helper the compiled function calls (Dynamo inlines it)."""
import torch


def helper(x):
    print("in helper")  # graph break inside an inlined frame
    return x + 1


@torch.compile(backend="eager")
def f(x):
    y = x * 2
    y = helper(y)
    return y.sin()


for _ in range(2):
    f(torch.ones(4))
