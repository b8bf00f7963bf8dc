"""A tensor passed by keyword whose length changes."""
import torch


@torch.compile(backend="eager")
def f(x, *, mask):
    return x * mask


for n in (4, 6, 8):
    f(torch.ones(n), mask=torch.ones(n))
