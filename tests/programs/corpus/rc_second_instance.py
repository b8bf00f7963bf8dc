"""Two instances of one module class, each compiled on its own (issue 20, part 8).

Where Dynamo guards each module by identity (torch 2.6-2.11 with
``inline_inbuilt_nn_modules = False``), the second instance's compile is ``0/1`` with
cache size 0: torch logs no recompile and counts none. From 2.12 on every module is
inlined (the knob does nothing), and the second instance reuses the first's graph.
"""
import warnings

import torch

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # deprecated (and a no-op) from 2.12 on
    torch._dynamo.config.inline_inbuilt_nn_modules = False


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(8, 8)

    def forward(self, x):
        return torch.relu(self.lin(x))


first = torch.compile(Block(), backend="eager")
second = torch.compile(Block(), backend="eager")
x = torch.randn(4, 8)
first(x)
second(x)
first(x)
second(x)
