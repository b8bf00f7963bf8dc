"""Dynamic shapes: torch._check() tells the compiler a fact about an unbacked value.

What it shows:
    With ``capture_scalar_outputs = True`` the ``.item()`` of a tensor computed
    inside the graph becomes an *unbacked* symbolic int (u0): Dynamo has no
    example value for it at trace time. The function then branches on it
    (``if n <= x.shape[0]:``). (Note: in torch 2.13 ``.item()`` directly on
    an *input* tensor gives a *backed* symbol -- it has an example value and
    gets ordinary guards -- so no torch._check is needed; the ``.max()`` here
    makes the tensor an intermediate, hence the symbol unbacked.)

What Dynamo does:
    Without help, Dynamo cannot decide ``u0 <= 8`` while tracing: the ``if``
    is data-dependent, so it graph-breaks ("Data-dependent branching"), or
    with ``fullgraph=True`` raises "Consider annotating your code using
    torch._check*(). Could not guard on data-dependent expression u0 <= 8".
    ``torch._check(n >= 1)`` and ``torch._check(n <= x.shape[0])`` assert
    those facts: Dynamo records them as runtime assertions in the graph and
    uses them to resolve the branch statically, so the whole function is one
    graph.

What dynotrace should report:
    One compiled frame, one graph, no graph breaks and no recompiles; an
    unbacked symbol created by ``.item()`` and runtime assertions on it
    (u0 >= 1, u0 <= 8) that come from the torch._check lines.
"""

import torch

torch.manual_seed(0)

# Trace .item() into the graph as an unbacked SymInt instead of graph-breaking.
torch._dynamo.config.capture_scalar_outputs = True


def take_prefix(x, lengths):
    n = lengths.max().item()  # unbacked SymInt u0: value unknown while tracing
    torch._check(n >= 1)  # <-- tell the compiler what we know about n ...
    torch._check(n <= x.shape[0])  # <-- ... so the branch below is decidable
    if n <= x.shape[0]:  # without the checks: data-dependent branch -> graph break
        return x[:n] * 2
    return x


# backend="eager": guards and unbacked-symbol handling come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(take_prefix, backend="eager")

out = compiled(torch.randn(8), torch.tensor([3, 5, 2]))
print(f"output shape: {tuple(out.shape)}")
