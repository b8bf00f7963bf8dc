"""Recompile limit as a hard failure: ``fail_on_recompile_limit_hit`` raises instead.

What it shows:
    The same unrolled loop as ``recompile_limit.py`` (``for _ in range(n)``,
    n = 1, 2, 3, ...), with the limit lowered to 2 and
    ``torch._dynamo.config.fail_on_recompile_limit_hit = True``, which teams set
    so that a recompile storm fails loudly instead of running eagerly.

What Dynamo does:
    Compiles n = 1 and n = 2 (one recompile, guard ``n == 1`` failed). The call
    with n = 3 reaches the limit: Dynamo logs "hit config.recompile_limit",
    refuses to compile and, because of the setting, raises
    ``FailOnRecompileLimitHit`` out of the compiled call. The script does not
    catch it, so it ends with a traceback and exit status 1. (torch 2.6 names
    the settings ``cache_size_limit`` and ``fail_on_cache_limit_hit``.)

What dynotrace should report:
    Two compiles of ``repeat_double`` and one recompile-limit hit, shown in the
    limit panel and first in "Fix first", even though torch raised instead of
    falling back to eager; the script's traceback and exit code 1 passed through.
"""

import torch

torch.manual_seed(0)

config = torch._dynamo.config
# torch 2.7 renamed the two settings; the old names stay as aliases.
if hasattr(config, "recompile_limit"):
    config.recompile_limit = 2
    config.fail_on_recompile_limit_hit = True  # <-- a limit hit raises
else:
    config.cache_size_limit = 2
    config.fail_on_cache_limit_hit = True


def repeat_double(x, n):
    for _ in range(n):  # <-- unrolled: n is specialised, every new n recompiles
        x = x * 2
    return x


compiled = torch.compile(repeat_double, backend="eager")

x = torch.ones(4)
for n in range(1, 5):  # n=3 reaches the limit of 2 compiles and raises
    out = compiled(x, n)
    print(f"n={n}: {out[0].item():.0f}")
