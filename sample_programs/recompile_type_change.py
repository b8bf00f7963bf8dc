"""Recompile: an argument changes type (tensor, then Python list).

What it shows:
    ``double(x)`` accepts "anything tensor-like": first a tensor, then a plain
    Python list of floats.

What Dynamo does:
    Guards start with the argument's type: the first graph was traced for a
    tensor input and is only valid for tensors. A list fails that type guard
    and Dynamo traces a completely new graph for the list case (where the
    list's contents are baked in as constants).

What dynotrace should report:
    One recompile of ``double`` whose reason is a type mismatch: ``x`` was
    expected to be a tensor but a list was found. No graph breaks. Fix:
    convert at the boundary (``torch.as_tensor(...)`` before calling) so the
    compiled function always receives the same type.

    (Note: int -> float of a Python scalar is reported as a failed *value*
    guard, e.g. ``s == 2``, not as a type mismatch.)
"""

import torch

torch.manual_seed(0)


def double(x):
    return torch.as_tensor(x) * 2


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(double, backend="eager")

compiled(torch.tensor([1.0, 2.0, 3.0]))  # a tensor
out = compiled([1.0, 2.0, 3.0])  # <-- RECOMPILE: now a Python list
print(f"result: {out.tolist()}")
