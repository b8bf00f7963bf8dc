"""Benchmark program: a 12-layer transformer-style model, compiled with the default backend.

A pre-norm encoder (token embedding, 12 blocks of causal self-attention + MLP, output
head) compiled as a whole module with ``torch.compile(model)`` -- no ``backend=``, so
Inductor generates and compiles C++ for the CPU -- and called with 4 input shapes:

    (2, 16)  compile 0/0: static shapes
    (2, 24)  sequence length changes: recompile 0/1, sequence dimension becomes dynamic
    (4, 24)  batch size changes: recompile 0/2, batch dimension becomes dynamic too
    (4, 40)  served by the dynamic graph: no compile

``bench/overhead.py`` runs it under ``python`` and under ``dynotrace explain``. Sizes can
be changed for a quicker or heavier run: ``--layers N --dim D --heads H``.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

SHAPES = [(2, 16), (2, 24), (4, 24), (4, 40)]
VOCAB = 512


class Block(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        attn = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


class Transformer(nn.Module):
    def __init__(self, layers: int, dim: int, heads: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, VOCAB)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    args = parser.parse_args()

    torch.manual_seed(0)
    model = Transformer(args.layers, args.dim, args.heads).eval()
    compiled = torch.compile(model)  # the default backend: inductor
    with torch.no_grad():
        for batch, seq in SHAPES:
            out = compiled(torch.randint(0, VOCAB, (batch, seq)))
    print(f"transformer{args.layers}: last logits {tuple(out.shape)}")


if __name__ == "__main__":
    main()
