"""A tiny timm Vision Transformer, ``timm.create_model("vit_tiny_patch16_224",
pretrained=False, img_size=32, patch_size=8, depth=2, num_classes=10)`` (no weights),
compiled with ``model.compile()``: two training steps, then ``model.eval()`` and a
prediction under ``torch.no_grad()`` on a single image.

What it shows: timm's model code under Dynamo, the train/eval switch (dropout paths,
grad mode) and a batch of one at evaluation (a size Dynamo specializes on: 0 and 1 are
never made dynamic). Needs timm (see field/README.md).
"""

import timm
import torch

torch.manual_seed(0)
model = timm.create_model(
    "vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=8, depth=2, num_classes=10
)
model.compile()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

model.train()
for step in range(2):
    images, labels = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step}: loss {loss.item():.3f}")

model.eval()
with torch.no_grad():
    prediction = model(torch.randn(1, 3, 32, 32)).argmax(-1)
print("eval prediction:", prediction.tolist())
