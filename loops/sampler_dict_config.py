"""A nanoGPT-style token sampler whose settings come from a plain dict.

Mirrors the ``generate(idx, max_new_tokens, temperature, top_k)`` loop of nanoGPT / minGPT
and the many chat scripts that keep their sampling settings in a dict read from YAML or a
CLI (``gen_cfg = {"temperature": 0.8, "topk": 10}``). The per-token step is compiled and
takes the dict as an argument. The user then tries a smaller top-k with a lower temperature,
and finally turns on nucleus sampling by adding a ``top_p`` key to the same settings.
"""

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


class TinyGPT(nn.Module):
    def __init__(self, vocab_size=128, block_size=32, n_embd=64, n_head=2, n_layer=2):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        layer = nn.TransformerEncoderLayer(n_embd, n_head, 4 * n_embd, dropout=0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)

    def forward(self, idx):
        t = idx.size(1)
        pos = torch.arange(t, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.ln_f(x))


@torch.compile(backend="eager")
def sample_next(model, idx, cfg):
    idx_cond = idx if idx.size(1) <= model.block_size else idx[:, -model.block_size :]
    logits = model(idx_cond)[:, -1, :] / cfg["temperature"]
    v, _ = torch.topk(logits, min(cfg["topk"], logits.size(-1)))
    logits[logits < v[:, [-1]]] = -float("inf")
    if cfg.get("top_p") is not None:
        sorted_logits, sorted_idx = torch.sort(logits, descending=True)
        cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        remove = cum > cfg["top_p"]
        remove[:, 1:] = remove[:, :-1].clone()
        remove[:, 0] = False
        logits = logits.masked_fill(remove.scatter(1, sorted_idx, remove), -float("inf"))
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1)


@torch.no_grad()
def generate(model, idx, max_new_tokens, cfg):
    for _ in range(max_new_tokens):
        idx = torch.cat((idx, sample_next(model, idx, cfg)), dim=1)
    return idx


model = TinyGPT().eval()
prompt = torch.randint(0, 128, (1, 6))

gen_cfg = {"temperature": 1.0, "topk": 20}
print("default :", generate(model, prompt, 6, gen_cfg)[0, 6:].tolist())

gen_cfg["temperature"] = 0.7
gen_cfg["topk"] = 5
print("sharper :", generate(model, prompt, 6, gen_cfg)[0, 6:].tolist())

gen_cfg["top_p"] = 0.9
print("nucleus :", generate(model, prompt, 6, gen_cfg)[0, 6:].tolist())
