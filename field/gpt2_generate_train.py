"""A tiny GPT-2 built from its config (no weights): generate() with a compiled forward,
then a short training loop whose last batch is smaller, as people write it."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel

torch.manual_seed(0)
config = GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=128, n_positions=64)
model = GPT2LMHeadModel(config)
model.forward = torch.compile(model.forward)

model.eval()
prompt = torch.randint(0, 128, (1, 5))
with torch.no_grad():
    out = model.generate(prompt, max_new_tokens=4, do_sample=False, pad_token_id=0)
print("generated", out.shape[1] - prompt.shape[1], "tokens")

model.train()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
data = torch.randint(0, 128, (10, 16))
for step, start in enumerate(range(0, len(data), 4)):
    batch = data[start : start + 4]  # the last batch holds 2 rows, not 4
    loss = model(input_ids=batch, labels=batch).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step}: loss {loss.item():.3f}")
