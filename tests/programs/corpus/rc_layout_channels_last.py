"""A 4-D input in contiguous then channels_last layout."""
import torch


@torch.compile(backend="eager")
def f(x):
    return x * 2


x = torch.ones(1, 3, 4, 4)
f(x)
f(x.to(memory_format=torch.channels_last))
