"""A graph break in an nn.Module's forward, the module compiled with torch.compile(model)."""
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(8, 8)
        self.b = torch.nn.Linear(8, 4)

    def forward(self, x):
        h = torch.relu(self.a(x))
        print("hidden", h.shape)  # graph break in forward
        return self.b(h)


torch.manual_seed(0)
model = torch.compile(Net(), backend="eager")
for _ in range(2):
    model(torch.randn(2, 8))
