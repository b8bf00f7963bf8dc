"""Recompile: the same function called with a tensor on another device.

What it shows:
    ``f(x)`` is called with a CPU tensor, then with a tensor on the ``meta``
    device (a real torch device with no data, available on every machine, so
    this demo needs no GPU: CPU -> CUDA behaves the same way).

What Dynamo does:
    The tensor guard (TENSOR_MATCH) pins the dispatch keys, which name the
    device. The second call fails it ("dispatch key set mismatch") and Dynamo
    compiles a second graph for the new device.

What dynotrace should report:
    One recompile of ``f``, cause "device changed" on ``x.device``, was cpu,
    now meta. Fix: keep inputs on one device (move them before the call).
"""
import torch


def f(x):
    return x * 2 + 1


# backend="eager": guards and recompiles come from Dynamo, not the backend;
# the eager backend keeps the demo fast.
compiled = torch.compile(f, backend="eager")

compiled(torch.randn(8))                 # compiled for a CPU tensor
compiled(torch.randn(8, device="meta"))  # <-- RECOMPILE: another device
print("done")
