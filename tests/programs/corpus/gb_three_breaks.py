"""Three graph breaks in one function: four graphs."""
import torch


@torch.compile(backend="eager")
def f(x):
    x = x + 1
    print("one")
    x = x * 2
    print("two")
    x = x - 3
    print("three")
    return x.sum()


f(torch.ones(4))
f(torch.ones(4))
