"""fullgraph=True with a graph break: the compile fails and torch raises (caught here)."""
import torch


@torch.compile(backend="eager", fullgraph=True)
def f(x):
    print("not allowed under fullgraph")
    return x + 1


try:
    f(torch.ones(2))
except Exception as exc:
    print("compile failed:", type(exc).__name__)
