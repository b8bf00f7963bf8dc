"""Recompile limit: too many recompiles -> Dynamo gives up and runs eagerly.

What it shows:
    ``repeat_double(x, n)`` loops ``for _ in range(n)`` in Python; it is
    called with n = 1, 2, ..., 7.

What Dynamo does:
    A Python loop over ``range(n)`` is unrolled at trace time, so ``n`` must
    be a constant: each graph is specialised to one value (guard ``n == 1``,
    ``n == 2``, ...) and automatic dynamic cannot help. Every new n is a
    recompile. Once a function has been compiled ``recompile_limit`` times,
    Dynamo stops compiling it, logs a warning ("hit config.recompile_limit")
    and runs that frame in plain eager Python from then on.

    The default limit is 8; this demo lowers it to 4 so it hits it quickly.

What dynotrace should report:
    Four successful compiles of ``repeat_double`` (three recompiles, each a
    failed value guard ``n == <old value>``), then a fifth attempt that fails
    because the recompile limit (4) was hit, after which the function falls
    back to eager. No graph breaks. Fix: don't specialise on n -- pass it as
    a tensor and vectorise (here: ``x * 2 ** n``).
"""

import torch

torch.manual_seed(0)

# Lower the per-function recompile limit (default 8) so the demo hits it fast.
# torch 2.7 renamed cache_size_limit to recompile_limit (the old name stays an alias).
if hasattr(torch._dynamo.config, "recompile_limit"):
    torch._dynamo.config.recompile_limit = 4
else:
    torch._dynamo.config.cache_size_limit = 4


def repeat_double(x, n):
    for _ in range(n):  # <-- unrolled: n is specialised, every new n recompiles
        x = x * 2
    return x


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(repeat_double, backend="eager")

x = torch.ones(4)
for n in range(1, 8):  # 7 different values; the 5th (n=5) hits the limit
    out = compiled(x, n)
print(f"last result: {out[0].item():.0f}")
