"""Seq2seq inference with a tiny T5 whose model is compiled, ``generate()`` called twice.

Mirrors a summarisation / translation service: ``model.compile()`` on a
``T5ForConditionalGeneration`` (built from its config, no weights), then ``model.generate``
on a first request (an 8-token input, up to 5 new tokens) and on a second request with a
longer input (13 tokens) and a longer output budget (8 new tokens), greedy decoding.
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
    eos_token_id=1,
)
model = T5ForConditionalGeneration(config).eval()
model.compile(backend="eager")  # torch.compile(model) would leave generate() uncompiled

requests = [(torch.randint(2, 128, (1, 8)), 5), (torch.randint(2, 128, (1, 13)), 8)]
with torch.no_grad():
    for i, (input_ids, max_new) in enumerate(requests):
        out = model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=max_new,
            min_new_tokens=max_new,
            do_sample=False,
        )
        print(f"request {i}: {input_ids.shape[1]} input tokens -> {out.shape[1] - 1} new tokens")
