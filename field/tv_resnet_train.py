"""torchvision's ResNet-18 built with ``resnet18(num_classes=10)`` (no weights), compiled
with ``model = torch.compile(model, backend="aot_eager")``: a training loop over 10 small
(32x32) images in batches of 4, so the last batch holds 2, then ``model.eval()`` and a
prediction under ``torch.no_grad()``.

What it shows: the short last batch (batch dimension made dynamic) and the train/eval
switch (BatchNorm behaves differently in each mode; grad mode changes too).
Needs torchvision (see field/README.md).
"""

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=10)
# aot_eager: Dynamo and AOTAutograd as with the default backend (same guards, graph breaks and
# recompiles), without Inductor's code generation, which takes minutes for ResNet on CPU.
model = torch.compile(model, backend="aot_eager")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

images = torch.randn(10, 3, 32, 32)
labels = torch.randint(0, 10, (10,))
model.train()
for step, start in enumerate(range(0, len(images), 4)):
    x, y = images[start : start + 4], labels[start : start + 4]  # 4, 4, then 2
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} ({len(x)} images): loss {loss.item():.3f}")

model.eval()
with torch.no_grad():
    predictions = model(images[:4]).argmax(-1)
print("eval predictions:", predictions.tolist())
