"""A dict argument whose keys change between calls."""
import torch


@torch.compile(backend="eager")
def f(batch):
    return sum(v.sum() for v in batch.values())


f({"a": torch.ones(2), "b": torch.ones(2)})
f({"a": torch.ones(2), "c": torch.ones(2)})
