"""The compiled function raises a user exception on one input (caught by the caller)."""
import torch


@torch.compile(backend="eager")
def f(x, check):
    if check:
        raise ValueError("bad input")
    return x + 1


f(torch.ones(2), False)
try:
    f(torch.ones(2), True)
except ValueError:
    print("caught")
