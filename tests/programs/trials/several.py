"""Four findings a setting can address, in one program (the live tests of --try-fixes run
it once and try each fix): a batch size that changes, a batch of one row, a print() in
compiled code, and torch.nonzero (an output shape that depends on the data)."""
import torch


def shape(x):
    return (x * 2).sum(dim=1)


def batch_of_one(x):
    return (x + 1).mean(dim=1)


def shout(x):
    y = x.sin()
    print("inside shout")
    return y.cos()


def positives(x):
    return torch.nonzero(x > 0).float().sum() + x.sum()


compiled = torch.compile(shape, backend="eager")
for n in (4, 6, 8):
    compiled(torch.ones(n, 3))
compiled = torch.compile(batch_of_one, backend="eager")
for n in (8, 6, 1):
    compiled(torch.ones(n, 3))
torch.compile(shout, backend="eager")(torch.ones(3))
torch.compile(positives, backend="eager")(torch.tensor([1.0, -1.0, 2.0]))
