"""A graph break on a statement written over several lines (torch 2.15 prints them all)."""
import torch


def log(*parts):
    print(*parts)


@torch.compile(backend="eager")
def f(x):
    y = x * 2
    log(
        "value",
        y.shape,
    )
    return y + 1


f(torch.ones(3))
