"""mark_dynamic with a max: a size above it recompiles."""
import torch


@torch.compile(backend="eager")
def f(x):
    return x * 2


for n in (4, 6, 20):
    x = torch.ones(n)
    torch._dynamo.mark_dynamic(x, 0, min=2, max=16)
    f(x)
