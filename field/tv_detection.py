"""torchvision's Faster R-CNN (MobileNetV3-Large 320 FPN) built with ``weights=None,
weights_backbone=None`` (no download), compiled with ``model = torch.compile(model)`` and
run in eval mode on two frames of the same size, as an inference service would.

What it shows: a detection model's Python-heavy code under Dynamo (image lists, anchor
generation, box decoding, NMS with data-dependent output sizes): its graph breaks in
torchvision's code, and the recompiles of the second frame, whose boxes left after NMS
are not as many as the first's. (Frames of another size cost far more: the recompile of
``FasterRCNN.forward`` with dynamic image sizes takes minutes on CPU, so they are left out.)
Needs torchvision (see field/README.md).
"""

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
    weights=None, weights_backbone=None, num_classes=3, min_size=64, max_size=96
).eval()
model = torch.compile(model)

with torch.no_grad():
    for frame in range(2):
        image = torch.rand(3, 64, 80)
        (detections,) = model([image])
        print(f"frame {frame}: {len(detections['boxes'])} boxes")
