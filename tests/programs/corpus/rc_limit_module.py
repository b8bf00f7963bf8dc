"""A module forward hits the recompile limit on an int attribute that changes."""
import torch

if hasattr(torch._dynamo.config, "recompile_limit"):
    torch._dynamo.config.recompile_limit = 3
else:
    torch._dynamo.config.cache_size_limit = 3


class Step(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.step = 0

    def forward(self, x):
        return x + self.step


m = Step()
model = torch.compile(m, backend="eager")
for i in range(6):
    m.step = i
    model(torch.ones(2))
