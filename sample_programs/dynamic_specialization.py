"""Dynamic shapes: a dimension marked dynamic gets specialised anyway.

What it shows:
    Dim 0 of the input is hinted dynamic (``maybe_mark_dynamic``), but the
    compiled function loops over it in Python: ``for i in range(x.shape[0])``.

What Dynamo does:
    Dynamo starts with a size symbol for dim 0 (logged with a name like s77).
    ``range(<symbol>)`` has to be unrolled at trace time, which needs a
    concrete number, so Dynamo adds the guard ``Eq(s77, 4)`` and replaces the
    symbol by 4 ("range_refined_to_singleton"): the dimension is
    *specialised* back to a static size. (With the strict ``mark_dynamic``
    this would be an error, ConstraintViolationError; ``maybe_mark_dynamic``
    allows it silently.)
    The next call with size 6 fails the now-static size guard and recompiles;
    automatic dynamic tries a symbol again and it is specialised to 6 again.

What dynotrace should report:
    Dim 0 of ``x`` was requested dynamic but specialised to a constant at the
    ``range(x.shape[0])`` line (guard ``Eq(<symbol>, 4)``), and one recompile
    whose reason is a size mismatch at index 0 of ``x``. No graph breaks.
    Fix: vectorise instead of looping over the size
    (here: ``x + torch.arange(n).sum()``).
"""

import torch

torch.manual_seed(0)


def add_positions(x):
    out = x
    for i in range(x.shape[0]):  # <-- needs a concrete size: specialises dim 0
        out = out + i
    return out


# backend="eager": guards, dynamic shapes and recompiles come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(add_positions, backend="eager")

x = torch.randn(4)
torch._dynamo.maybe_mark_dynamic(x, 0)  # "please try to keep dim 0 dynamic"
compiled(x)  # ... but it is specialised to 4
out = compiled(torch.randn(6))  # <-- RECOMPILE: size mismatch (4 -> 6)
print(f"result sum: {out.sum().item():.4f}")
