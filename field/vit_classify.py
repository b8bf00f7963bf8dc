"""A tiny ViT image classifier built from its config (no weights), compiled whole with
``model = torch.compile(model)``: two training steps on 32x32 images, then ``model.eval()``
and a prediction under ``torch.no_grad()``, then back to training for one more step.

What it shows: ``config.problem_type`` written by the first training call (the second
step recompiles), the train/eval switch, and the switch back to training, which finds its
compile in the cache (no new compile).
"""

import torch
from transformers import ViTConfig, ViTForImageClassification

torch.manual_seed(0)
config = ViTConfig(
    image_size=32,
    patch_size=8,
    num_channels=3,
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=128,
    num_labels=10,
)
model = torch.compile(ViTForImageClassification(config))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def train_step(step):
    model.train()
    images = torch.randn(4, 3, 32, 32)
    labels = torch.randint(0, 10, (4,))
    loss = model(pixel_values=images, labels=labels).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step}: loss {loss.item():.3f}")


train_step(0)
train_step(1)
model.eval()
with torch.no_grad():
    predictions = model(pixel_values=torch.randn(4, 3, 32, 32)).logits.argmax(-1)
print("eval predictions:", predictions.tolist())
train_step(2)
