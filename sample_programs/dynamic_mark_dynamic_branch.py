"""Dynamic shapes: mark_dynamic + a Python branch on the size -> a SymBool guard.

What it shows:
    Dim 0 of the input is marked dynamic with ``torch._dynamo.mark_dynamic``,
    and the compiled function branches on it: ``if x.shape[0] > 4:``.

What Dynamo does:
    Because dim 0 is dynamic, ``x.shape[0]`` is a size symbol (logged with a
    name like s77), not a number, and ``x.shape[0] > 4`` is a symbolic
    boolean (SymBool). Dynamo evaluates it with the current value (8 -> True),
    traces only the taken branch, and records a guard that keeps the graph
    valid only while the condition still holds:
    ``5 <= x.size()[0]``. This is a range constraint, not a specialisation,
    so other sizes >= 5 (e.g. 6) reuse the graph. A call with size 3
    violates the guard and Dynamo recompiles (tracing the other branch).

What dynotrace should report:
    Dim 0 of ``x`` is dynamic; the first graph carries a shape guard
    ``5 <= x.size()[0]`` that comes from the ``if x.shape[0] > 4:`` line.
    One recompile, whose reason is that this shape guard failed (size 3).
    No graph breaks. Fix if unwanted: express the branch with
    ``torch.cond`` or make it branch-free (``torch.where``).
"""

import torch

torch.manual_seed(0)


def pad_or_scale(x):
    if x.shape[0] > 4:  # <-- symbolic branch: adds the guard 5 <= x.size()[0]
        return x * 2
    return torch.nn.functional.pad(x, (0, 1))


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(pad_or_scale, backend="eager")

# 8: compile; 6: reuses the graph (6 >= 5); 3: RECOMPILE (guard 5 <= size fails)
for n in (8, 6, 3):
    x = torch.randn(n)
    torch._dynamo.mark_dynamic(x, 0)  # dim 0 is dynamic on every call
    out = compiled(x)
print(f"last output shape: {tuple(out.shape)}")
