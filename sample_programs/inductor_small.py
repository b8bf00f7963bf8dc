"""Inductor: a tiny function compiled with the default backend, once.

What it shows:
    ``torch.compile`` with no ``backend=`` argument, i.e. the default
    "inductor" backend, on a tiny elementwise function called twice with the
    same input shape. (Every other sample uses backend="eager" to stay fast;
    this one shows what the real backend adds.)

What Dynamo does:
    Dynamo captures one graph, exactly as with backend="eager" (same guards,
    no graph breaks, no recompiles). The difference is downstream: the graph
    goes through AOTAutograd and Inductor, which generates and compiles C++
    code for the CPU. The second call hits the cached compiled code.

What dynotrace should report:
    One compiled frame, one graph, no graph breaks, no recompiles; compile
    time now includes backend (Inductor) time, which dominates. With a cold
    Inductor cache (first run on a machine) this takes ~10 s on 2 CPU cores;
    later runs reuse Inductor's on-disk cache and take a few seconds.
"""

import torch

torch.manual_seed(0)


def gelu_ish(x):
    return 0.5 * x * (1 + torch.tanh(0.79788456 * (x + 0.044715 * x**3)))


compiled = torch.compile(gelu_ish)  # <-- default backend: inductor

x = torch.randn(64)
compiled(x)  # compile (Dynamo + Inductor)
out = compiled(x)  # cached: no compile
print(f"matches eager: {torch.allclose(out, gelu_ish(x), atol=1e-6)}")
