"""A module attribute deep in a container of submodules changes between calls."""
import torch


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 1

    def forward(self, x):
        return x * self.scale


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([Block(), Block()])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


net = Net()
model = torch.compile(net, backend="eager")
model(torch.ones(3))
net.layers[0].scale = 2
model(torch.ones(3))
