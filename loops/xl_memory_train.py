"""Segment-recurrent decoder-only LM training with a Transformer-XL style memory, no generate().

Mirrors Transformer-XL / Compressive Transformer / Recurrent Memory Transformer training:
a long text is cut into segments; each layer's hidden states of the previous segment are
kept (detached) as a memory that the next segment attends to, up to ``mem_len`` positions.
The memory starts empty at every epoch (``mems=None``), grows to ``mem_len`` and then stays
there; the last batch of the epoch has fewer rows, so the memory is reset for it. The model
is compiled whole and trained, nothing is generated.
"""

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


class MemAttentionBlock(nn.Module):
    def __init__(self, dim, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln1 = nn.LayerNorm(dim)
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, mem):
        b, t, d = x.shape
        h = self.ln1(x)
        ctx = h if mem is None else torch.cat([mem, h], dim=1)  # memory positions come first
        m = ctx.size(1) - t
        q = self.q(h).view(b, t, self.n_head, -1).transpose(1, 2)
        k, v = self.kv(ctx).view(b, m + t, 2, self.n_head, -1).permute(2, 0, 3, 1, 4)
        # causal over the segment, full view of the memory
        mask = torch.ones(t, m + t, dtype=torch.bool, device=x.device).tril(diagonal=m)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x)), h


class XLModel(nn.Module):
    def __init__(self, vocab=128, dim=64, n_head=2, n_layer=2, mem_len=16):
        super().__init__()
        self.mem_len = mem_len
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(MemAttentionBlock(dim, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, input_ids, targets, mems=None):
        x = self.embed(input_ids)
        new_mems = []
        for i, block in enumerate(self.blocks):
            x, h = block(x, None if mems is None else mems[i])
            prev = h if mems is None else torch.cat([mems[i], h], dim=1)
            new_mems.append(prev[:, -self.mem_len :].detach())
        logits = self.head(self.ln_f(x))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
        return loss, new_mems


model = XLModel()
compiled = torch.compile(model, backend="eager")
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

seg_len = 8
corpus = torch.randint(0, 128, (10, 4 * seg_len + 1))  # 10 streams of text
for epoch in range(2):
    for start in range(0, corpus.size(0), 4):
        stream = corpus[start : start + 4]  # 4, 4, then the last 2 streams
        mems = None
        for s in range(0, stream.size(1) - 1, seg_len):
            inp, tgt = stream[:, s : s + seg_len], stream[:, s + 1 : s + seg_len + 1]
            loss, mems = compiled(inp, tgt, mems)
            loss.backward()
            opt.step()
            opt.zero_grad()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
