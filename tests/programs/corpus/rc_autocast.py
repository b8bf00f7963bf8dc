"""The same function called outside and inside torch.autocast on CPU."""
import torch


@torch.compile(backend="eager")
def f(a, b):
    return a @ b


a, b = torch.ones(4, 4), torch.ones(4, 4)
f(a, b)
with torch.autocast("cpu", dtype=torch.bfloat16):
    f(a, b)
