"""Recompile limit under ``fullgraph=True``: the hit is an exception, not eager.

What it shows:
    ``scale(x, factor)`` compiled with ``fullgraph=True`` and called with a new
    Python int each time; the limit is lowered to 3. The script catches the
    error, says so, and goes on eagerly, as a training script with a fallback
    would.

What Dynamo does:
    Each new ``factor`` fails the guard ``factor == <old value>`` and recompiles
    (automatic dynamic is turned off here, so ints stay specialised). The fourth
    value reaches the limit: Dynamo logs "hit config.recompile_limit" and, since
    fullgraph=True forbids running the frame eagerly, raises from the call
    (``FailOnRecompileLimitHit: Hard failure due to fullgraph=True`` on recent
    releases). Nothing marks the frame as eager-only after a raise, so the fifth
    value tries again and hits the limit again.

What dynotrace should report:
    Three compiles of ``scale`` (two recompiles on ``factor``) and two
    recompile-limit hits, shown as limit hits (not as failed compiles), with
    the fix: do not specialise on ``factor`` (pass it as a tensor).
"""

import torch

torch.manual_seed(0)

config = torch._dynamo.config
if hasattr(config, "recompile_limit"):  # torch 2.7 renamed cache_size_limit
    config.recompile_limit = 3
else:
    config.cache_size_limit = 3
config.automatic_dynamic_shapes = False  # keep each int specialised


@torch.compile(backend="eager", fullgraph=True)
def scale(x, factor):
    return x * factor  # <-- guard: factor == <value of the first call>


x = torch.ones(4)
for factor in range(1, 6):
    try:
        out = scale(x, factor)
    except Exception as exc:  # the limit hit raises under fullgraph=True
        print(f"factor={factor}: compiled call failed ({type(exc).__name__}); running eagerly")
        out = x * factor
print(f"last result: {out[0].item():.0f}")
