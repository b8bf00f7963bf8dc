"""A model run under no_grad and then with grad (train and eval loops)."""
import torch

torch.manual_seed(0)
model = torch.compile(torch.nn.Linear(4, 2), backend="eager")
x = torch.randn(3, 4)
with torch.no_grad():
    model(x)
model(x).sum().backward()
