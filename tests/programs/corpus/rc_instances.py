"""A compiled method called on two instances with different int attributes."""
import torch


class Scaler(torch.nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x * self.k


compiled = torch.compile(Scaler.forward, backend="eager")
compiled(Scaler(2), torch.ones(2))
compiled(Scaler(3), torch.ones(2))
