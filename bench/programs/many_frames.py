"""Benchmark program: many compiled functions, each recompiled many times (backend eager).

It writes ``--functions`` distinct functions into a generated module in a temporary
directory, imports it, and calls each compiled function with ``--shapes`` input shapes and
two dtypes. ``dynamic=False`` makes every new shape a recompile, and the recompile limit is
raised so none of them is refused; one function in ten also breaks its graph (a ``print``)
and one in ten marks a dimension dynamic, so the log holds graph breaks, shape symbols and
shape guards too. Each function has ``--ops`` operations, which sets the size of each graph
and guard payload.

Backend ``eager`` skips code generation: the run is pure Dynamo, quick to generate and
heavy in trace events. ``TORCH_TRACE=dir python bench/programs/many_frames.py`` writes a
large log (about 57 MB with the defaults, in about 80 s on 2 idle cores). ``bench/peers.py``
reads it offline; ``bench/scale.py`` runs smaller versions for the memory of a live capture.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

import torch


def function_source(index: int, ops: int) -> str:
    lines = [f"def f{index}(x, y):"]
    for op in range(ops):
        a, b = ("x", "y") if op % 2 == 0 else ("y", "x")
        lines.append(f"    {a} = torch.relu({a} * {op % 7 + 1} + {b}.sum(0, keepdim=True)) - {a}.mean()")
        if op == ops // 2 and index % 10 == 3:
            lines.append("    print(end='')")
    lines.append("    return x + y")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=30)
    parser.add_argument("--shapes", type=int, default=12)
    parser.add_argument("--ops", type=int, default=24)
    args = parser.parse_args()

    torch._dynamo.config.recompile_limit = 4 * args.shapes + 4
    torch._dynamo.config.accumulated_recompile_limit = 10**6

    with tempfile.TemporaryDirectory(prefix="many_frames_") as tmp:
        path = Path(tmp) / "generated_frames.py"
        path.write_text(
            "import torch\n\n\n"
            + "\n\n".join(function_source(i, args.ops) for i in range(args.functions))
        )
        spec = importlib.util.spec_from_file_location("generated_frames", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["generated_frames"] = module
        spec.loader.exec_module(module)

        for i in range(args.functions):
            fn = getattr(module, f"f{i}")
            compiled = torch.compile(fn, backend="eager", dynamic=None if i % 10 == 7 else False)
            for s in range(args.shapes):
                for dtype in (torch.float32, torch.float64):
                    x = torch.randn(4 + s, 8, dtype=dtype)
                    y = torch.randn(4 + s, 8, dtype=dtype)
                    if i % 10 == 7:
                        torch._dynamo.mark_dynamic(x, 0)
                        torch._dynamo.mark_dynamic(y, 0)
                    compiled(x, y)
    print(f"many_frames: {args.functions} functions x {args.shapes} shapes x 2 dtypes called")


if __name__ == "__main__":
    main()
