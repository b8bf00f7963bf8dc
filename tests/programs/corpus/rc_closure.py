"""A closure's captured value changes: a new compiled function object per value."""
import torch


def make(k):
    def f(x):
        return x + k

    return f


for k in (1, 2):
    torch.compile(make(k), backend="eager")(torch.ones(2))
