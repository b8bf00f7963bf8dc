"""The compiled function calls a function marked with torch.compiler.disable."""
import torch


@torch.compiler.disable
def not_compiled(x):
    return x.sum().item()


@torch.compile(backend="eager")
def f(x):
    y = x.cos()
    s = not_compiled(y)
    return y * s


f(torch.ones(4))
