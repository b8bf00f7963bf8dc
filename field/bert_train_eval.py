"""A tiny BERT classifier built from its config (no weights), compiled whole with
``model = torch.compile(model)``: a few training steps, then ``model.eval()`` and an
evaluation pass under ``torch.no_grad()`` on a smaller batch.

What it shows: the first training call storing ``config.problem_type`` (transformers picks
the loss from the labels and writes its choice into the config, a value the first compile
guarded on, so the second step recompiles), then the switch to evaluation (``self.training``
and grad mode both change, so the guards of the training compiles fail).
"""

import torch
from transformers import BertConfig, BertForSequenceClassification

torch.manual_seed(0)
config = BertConfig(
    vocab_size=128,
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=128,
    max_position_embeddings=64,
    num_labels=3,
)
model = BertForSequenceClassification(config)
model = torch.compile(model)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

model.train()
for step in range(3):
    input_ids = torch.randint(0, 128, (4, 12))
    labels = torch.randint(0, 3, (4,))
    loss = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), labels=labels).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step}: loss {loss.item():.3f}")

model.eval()
input_ids = torch.randint(0, 128, (2, 12))
with torch.no_grad():
    logits = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).logits
print("eval predictions:", logits.argmax(-1).tolist())
