"""Realistic demo: a tiny 2-layer transformer called with two sequence lengths.

What it shows:
    A small pre-norm transformer encoder (token embedding, 2 blocks of
    self-attention + MLP, output head) compiled as a whole module and run on
    a batch of sequence length 16, then on a batch of sequence length 24.

What Dynamo does:
    Dynamo inlines the module and all its submodules into one graph (no graph
    breaks: ``scaled_dot_product_attention``, LayerNorm, GELU, ... are all
    traceable). The first graph is specialised to sequence length 16. The
    second call fails the size guard on the sequence dimension and Dynamo
    recompiles with that dimension dynamic (automatic dynamic shapes).

What dynotrace should report:
    One compiled frame (the model's ``forward``), no graph breaks, and one
    recompile whose reason is a size mismatch at index 1 (the sequence
    dimension) of the token input; afterwards that dimension is dynamic.
    Fix: ``torch._dynamo.mark_dynamic(tokens, 1)`` before the first call.
"""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

VOCAB, DIM, HEADS, LAYERS = 100, 32, 4, 2


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(DIM)
        self.qkv = nn.Linear(DIM, 3 * DIM)
        self.proj = nn.Linear(DIM, DIM)
        self.norm2 = nn.LayerNorm(DIM)
        self.mlp = nn.Sequential(
            nn.Linear(DIM, 4 * DIM), nn.GELU(), nn.Linear(4 * DIM, DIM)
        )

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, HEADS, d // HEADS).transpose(1, 2) for z in (q, k, v))
        attn = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


class TinyTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.head = nn.Linear(DIM, VOCAB)

    def forward(self, tokens):
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


model = TinyTransformer().eval()
# backend="eager": guards, graph breaks and recompiles come from Dynamo, not
# the backend; the eager backend keeps the demo fast.
compiled = torch.compile(model, backend="eager")

with torch.no_grad():
    compiled(torch.randint(0, VOCAB, (2, 16)))  # compile #0: seq len 16 (static)
    out = compiled(torch.randint(0, VOCAB, (2, 24)))  # <-- RECOMPILE: seq len 16 -> 24
print(f"logits shape: {tuple(out.shape)}")
