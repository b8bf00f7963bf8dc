"""A tiny Llama built from its config (no weights): greedy generate() twice, with prompts of
two lengths, through a compiled forward (``model.forward = torch.compile(model.forward)``,
as the transformers docs show for generation).

What it shows: the forward transformers wraps in its own decorators (the frame Dynamo
compiles is the decorator's wrapper, not ``LlamaForCausalLM.forward``); the prefill and the
one-token decode steps compiling apart; the KV cache growing; and the second prompt's
length failing the first prompt's shape guards.
"""

import torch
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(0)
config = LlamaConfig(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=2,
    num_key_value_heads=1,
    max_position_embeddings=64,
    bos_token_id=1,
    eos_token_id=2,
    pad_token_id=0,
)
model = LlamaForCausalLM(config).eval()
model.forward = torch.compile(model.forward)

for length in (5, 9):
    prompt = torch.randint(3, 128, (1, length))
    with torch.no_grad():
        out = model.generate(prompt, max_new_tokens=3, do_sample=False)
    print(f"prompt of {length} tokens: generated {out.shape[1] - length}")
