"""Takes args: a script with its own command-line arguments (--epochs N).

What it shows:
    A tiny training loop whose length is set by ``--epochs`` (default 1).
    It exists to check that arguments after the script name reach the
    script untouched, e.g. ``dynotrace run sample_programs/takes_args.py
    --epochs 3``.

What Dynamo does:
    Compiles the model's forward once on the first epoch (same shapes every
    epoch). The backward pass runs through autograd, not through Dynamo.

What dynotrace should report:
    One compiled frame, one graph, no graph breaks and no recompiles, no
    matter how many epochs; the script's own output shows the epoch count it
    received.
"""

import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser(description="tiny compiled training loop")
parser.add_argument(
    "--epochs", type=int, default=1, help="number of epochs (default 1)"
)
args = parser.parse_args()


class TinyModel(nn.Module):
    # A user-defined module, so the compiled frame is TinyModel.forward.
    # (Compiling a bare built-in like nn.Linear shows up as a frame named
    # "inner" in torch/_dynamo/external_utils.py instead.)
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(torch.tanh(x))


torch.manual_seed(0)
model = TinyModel()
# backend="eager": guards, graph breaks and recompiles come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(model, backend="eager")
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 1)

for epoch in range(args.epochs):
    loss = ((compiled(x) - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"epochs: {args.epochs}, final loss: {loss.item():.4f}")
