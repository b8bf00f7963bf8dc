"""A tiny T5 built from its config (no weights), compiled whole with
``model = torch.compile(model, backend="aot_eager")``: seq2seq training steps whose target
(label) length changes from step to step, as it does with unpadded batches of real text.

What it shows: the decoder's length (``labels`` and the decoder inputs shifted from them)
failing the shape guards of the first compile, then automatic dynamic shapes.
"""

import torch
from transformers import T5Config, T5ForConditionalGeneration

torch.manual_seed(0)
config = T5Config(
    vocab_size=128,
    d_model=64,
    d_kv=32,
    d_ff=128,
    num_layers=2,
    num_decoder_layers=2,
    num_heads=2,
    decoder_start_token_id=0,
    pad_token_id=0,
)
model = T5ForConditionalGeneration(config)
# aot_eager: Dynamo and AOTAutograd as with the default backend (same guards, graph breaks and
# recompiles), without Inductor's code generation (5x the run time here on CPU).
model = torch.compile(model, backend="aot_eager")
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

model.train()
for step, target_length in enumerate((6, 9, 7)):
    input_ids = torch.randint(1, 128, (2, 10))
    labels = torch.randint(1, 128, (2, target_length))
    loss = model(input_ids=input_ids, labels=labels).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} (targets of {target_length} tokens): loss {loss.item():.3f}")
