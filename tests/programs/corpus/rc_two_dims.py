"""Both dimensions of a 2-D input change, one after the other."""
import torch


@torch.compile(backend="eager")
def f(x):
    return x.sum(dim=1)


for shape in ((2, 3), (2, 5), (4, 5), (6, 7)):
    f(torch.ones(*shape))
