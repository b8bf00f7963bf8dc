"""Diff fixture, base with the print break in `scale` gone and another break two lines up."""

import torch

torch.manual_seed(0)


def scale(x):
    torch._dynamo.graph_break()  # the new graph break, of another kind, at another line
    y = torch.sin(x) * 2
    return torch.cos(y) + 1


def shift(x):
    return x + 1


compiled_scale = torch.compile(scale, backend="eager")
compiled_shift = torch.compile(shift, backend="eager")

for _ in range(2):
    compiled_scale(torch.randn(8))
    compiled_shift(torch.randn(8))
