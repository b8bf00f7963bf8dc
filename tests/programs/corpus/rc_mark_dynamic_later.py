"""A tensor marked dynamic only from the second call on."""
import torch


@torch.compile(backend="eager")
def f(x):
    return x * 2


f(torch.ones(4))
x = torch.ones(4)
torch._dynamo.mark_dynamic(x, 0)
f(x)
