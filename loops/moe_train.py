"""A tiny sparse mixture-of-experts language model in training, top-2 routing.

Mirrors the ``MixtralSparseMoeBlock`` of Hugging Face transformers (and the many
"MoE from scratch" notebooks that copy it): a linear router, softmax, ``torch.topk`` over
the experts, a one-hot expert mask, and for each expert ``torch.where(expert_mask[e])`` to
gather the tokens routed to it. The whole model is compiled; the router sends a different
number of tokens to each expert at every step, as it does in real training.

Compiling the whole model breaks at ``torch.where`` inside the expert loop ("graph break in
loop": the whole forward runs eagerly), so, as the PyTorch "regional compilation" recipe
suggests, the user compiles the experts' ``forward`` (the dense part) one module at a time.
"""

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


class Expert(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class SparseMoeBlock(nn.Module):
    def __init__(self, dim, hidden, num_experts=4, top_k=2):
        super().__init__()
        self.num_experts = num_experts
        self.top_k = top_k
        self.gate = nn.Linear(dim, num_experts, bias=False)
        self.experts = nn.ModuleList(Expert(dim, hidden) for _ in range(num_experts))

    def forward(self, hidden_states):
        batch, seq, dim = hidden_states.shape
        hidden_states = hidden_states.view(-1, dim)
        router_logits = self.gate(hidden_states)
        routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
        routing_weights, selected_experts = torch.topk(routing_weights, self.top_k, dim=-1)
        routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
        routing_weights = routing_weights.to(hidden_states.dtype)

        final = torch.zeros_like(hidden_states)
        expert_mask = F.one_hot(selected_experts, num_classes=self.num_experts).permute(2, 1, 0)
        for expert_idx in range(self.num_experts):
            idx, top_x = torch.where(expert_mask[expert_idx])
            current_state = hidden_states[None, top_x].reshape(-1, dim)
            current = self.experts[expert_idx](current_state) * routing_weights[top_x, idx, None]
            final.index_add_(0, top_x, current.to(hidden_states.dtype))
        return final.reshape(batch, seq, dim), router_logits


class MoeLM(nn.Module):
    def __init__(self, vocab=128, dim=32, n_layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(SparseMoeBlock(dim, 2 * dim) for _ in range(n_layers))
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(n_layers))
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, input_ids, labels):
        h = self.embed(input_ids)
        aux = 0.0
        for norm, moe in zip(self.norms, self.layers):
            out, router_logits = moe(norm(h))
            h = h + out
            probs = F.softmax(router_logits, dim=-1)
            aux = aux + (probs.mean(0) ** 2).sum() * moe.num_experts  # load-balancing loss
        logits = self.lm_head(h)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))
        return loss + 0.01 * aux


model = MoeLM()
for layer in model.layers:
    for expert in layer.experts:
        expert.compile(backend="eager")
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
data = torch.randint(0, 128, (24, 12))
for step in range(6):
    batch = data[step * 4 : step * 4 + 4]
    loss = model(batch, batch)
    loss.backward()
    opt.step()
    opt.zero_grad()
    print(f"step {step}: loss {loss.item():.4f}")
