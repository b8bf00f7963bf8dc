"""A batch of one row after larger ones: the dynamic size is compiled for 2 and more, so
size 1 needs a graph of its own (torch specialises sizes 0 and 1)."""
import torch


def step(x):
    return (x * 2).sum(dim=1)


compiled = torch.compile(step, backend="eager")
for n in (8, 6, 1):
    compiled(torch.ones(n, 3))
