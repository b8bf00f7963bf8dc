"""dynamic=True and a branch on the size: the other side of the branch recompiles."""
import torch


@torch.compile(backend="eager", dynamic=True)
def f(x):
    if x.shape[0] > 8:
        return x.sum()
    return x.mean()


for n in (4, 6, 12, 16):
    f(torch.ones(n))
