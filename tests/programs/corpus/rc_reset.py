"""torch._dynamo.reset() in the middle: the same compile ids start again."""
import torch


@torch.compile(backend="eager")
def f(x):
    return x + 1


f(torch.ones(2))
f(torch.ones(3))
torch._dynamo.reset()
f(torch.ones(2))
