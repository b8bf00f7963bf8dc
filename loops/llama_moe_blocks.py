"""A Llama-style decoder with MoE feed-forwards, several classes each with its own compiled forward.

Mirrors the "compile the hot modules" style of torchtitan / gpt-fast / Liger-style codebases:
``RMSNorm.forward`` and the MoE ``Router.forward`` carry ``@torch.compile`` (so every norm and
router instance goes through one compiled method), each transformer block is wrapped with
``torch.compile(block)`` when the model is built, and the ``Expert`` and ``Attention`` forwards
are compiled through their parent block. Training runs over 7 sequences in batches of 2, so
the last batch holds 1 sequence; then the model scores a single prompt (batch 1), as an
evaluation hook does.
"""

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    @torch.compile(backend="eager")
    def forward(self, x):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight


class Router(nn.Module):
    def __init__(self, dim, num_experts, top_k):
        super().__init__()
        self.top_k = top_k
        self.gate = nn.Linear(dim, num_experts, bias=False)

    @torch.compile(backend="eager")
    def forward(self, x):
        scores = self.gate(x).softmax(dim=-1)
        weights, experts = scores.topk(self.top_k, dim=-1)
        dense = torch.zeros_like(scores).scatter(-1, experts, weights / weights.sum(-1, keepdim=True))
        return dense  # (tokens, num_experts), zero for experts not chosen


class Expert(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Attention(nn.Module):
    def __init__(self, dim, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.wqkv = nn.Linear(dim, 3 * dim, bias=False)
        self.wo = nn.Linear(dim, dim, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.wqkv(x).view(b, t, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.wo(y.transpose(1, 2).reshape(b, t, d))


class TransformerBlock(nn.Module):
    def __init__(self, dim, n_heads, num_experts=4, top_k=2):
        super().__init__()
        self.attention_norm = RMSNorm(dim)
        self.attention = Attention(dim, n_heads)
        self.ffn_norm = RMSNorm(dim)
        self.router = Router(dim, num_experts, top_k)
        self.experts = nn.ModuleList(Expert(dim, 2 * dim) for _ in range(num_experts))

    def forward(self, x):
        h = x + self.attention(self.attention_norm(x))
        flat = self.ffn_norm(h).view(-1, h.size(-1))
        gates = self.router(flat)
        # dense dispatch: every expert sees every token, weighted by its gate (small models)
        out = sum(gates[:, e : e + 1] * expert(flat) for e, expert in enumerate(self.experts))
        return h + out.view_as(h)


class Transformer(nn.Module):
    def __init__(self, vocab=128, dim=32, n_heads=2, n_layers=2):
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(torch.compile(TransformerBlock(dim, n_heads), backend="eager") for _ in range(n_layers))
        self.norm = RMSNorm(dim)
        self.output = nn.Linear(dim, vocab, bias=False)

    def forward(self, tokens):
        h = self.tok_embeddings(tokens)
        for layer in self.layers:
            h = layer(h)
        return self.output(self.norm(h))


model = Transformer()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
data = torch.randint(0, 128, (7, 17))
for step in range(4):
    batch = data[2 * step : 2 * step + 2]  # 2, 2, 2, then 1 sequence
    logits = model(batch[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1))
    loss.backward()
    opt.step()
    opt.zero_grad()
    print(f"step {step}: loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    prompt = torch.randint(0, 128, (1, 16))  # one prompt: batch 1
    print("eval next token:", model(prompt)[0, -1].argmax().item())
