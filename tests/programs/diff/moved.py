"""Diff fixture, the base's code moved a few lines down and nothing else."""

import torch

# These four comment lines
# push every line below them
# a few lines further down
# than in base.py.

torch.manual_seed(0)


def scale(x):
    y = torch.sin(x) * 2
    print("scale: traced")  # graph break: print is a side effect Dynamo will not trace
    return torch.cos(y) + 1


def shift(x):
    return x + 1


compiled_scale = torch.compile(scale, backend="eager")
compiled_shift = torch.compile(shift, backend="eager")

for _ in range(2):
    compiled_scale(torch.randn(8))
    compiled_shift(torch.randn(8))
