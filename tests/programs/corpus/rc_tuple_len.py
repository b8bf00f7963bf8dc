"""A tuple of tensors whose length changes."""
import torch


@torch.compile(backend="eager")
def f(xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


f((torch.ones(2), torch.ones(2)))
f((torch.ones(2), torch.ones(2), torch.ones(2)))
