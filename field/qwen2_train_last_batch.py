"""A tiny Qwen2 causal LM built from its config (no weights), compiled with
``model.compile()``: a training loop over 10 sequences in batches of 4, so the last batch
holds 2 (no ``drop_last``).

What it shows: the short last batch failing the batch-size guard of the compile the full
batches use, and the recompile that makes the batch dimension dynamic.
"""

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

torch.manual_seed(0)
config = Qwen2Config(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=2,
    num_key_value_heads=1,
    max_position_embeddings=64,
)
model = Qwen2ForCausalLM(config)
model.compile()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

model.train()
data = torch.randint(0, 128, (10, 12))
for step, start in enumerate(range(0, len(data), 4)):
    batch = data[start : start + 4]  # 4, 4, then 2 rows
    loss = model(input_ids=batch, labels=batch).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} ({len(batch)} rows): loss {loss.item():.3f}")
