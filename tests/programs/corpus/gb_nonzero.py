"""A data-dependent output shape (torch.nonzero) without capture_dynamic_output_shape_ops."""
import torch


@torch.compile(backend="eager")
def f(x):
    idx = torch.nonzero(x > 0)
    return idx.float().sum() + x.sum()


f(torch.tensor([1.0, -1.0, 2.0, 0.5]))
