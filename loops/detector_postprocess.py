"""A single-stage detector whose inference, post-processing included, is compiled end to end.

Mirrors the ``postprocess`` of YOLO / CenterNet / FCOS style detectors as people write it:
score threshold with a boolean mask, ``nonzero`` for the kept anchors, the number of kept
boxes read with ``.item()`` to cap the top-k (``k = min(num_kept, max_det)``), per-class
class-aware NMS (torchvision-free: the IoU matrix by hand), and the boxes scaled back to the
image size. Frames come from a "video" in which the number of objects changes.
"""

import torch
from torch import nn

torch.manual_seed(0)


class TinyDetector(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.cls_head = nn.Conv2d(32, num_classes, 1)
        self.box_head = nn.Conv2d(32, 4, 1)

    def forward(self, images):
        f = self.backbone(images)
        scores = self.cls_head(f).sigmoid().flatten(2).transpose(1, 2)  # B, HW, C
        deltas = self.box_head(f).flatten(2).transpose(1, 2)  # B, HW, 4
        return scores, deltas


def decode(deltas, stride, fw):
    n = deltas.shape[0]
    ys, xs = torch.div(torch.arange(n), fw, rounding_mode="floor"), torch.arange(n) % fw
    cx, cy = (xs + 0.5) * stride, (ys + 0.5) * stride
    wh = deltas[:, 2:].exp() * stride
    return torch.stack([cx - wh[:, 0] / 2, cy - wh[:, 1] / 2, cx + wh[:, 0] / 2, cy + wh[:, 1] / 2], dim=1)


def box_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=2)
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def nms(boxes, scores, iou_thr):
    order = scores.argsort(descending=True)
    boxes = boxes[order]
    iou = box_iou(boxes, boxes).triu(diagonal=1)
    keep = (iou > iou_thr).sum(dim=0) == 0  # fast-NMS (YOLACT)
    return order[keep]


@torch.compile(backend="eager")
def detect(model, image, score_thr=0.56, iou_thr=0.6, max_det=20):
    scores, deltas = model(image[None])
    scores, deltas = scores[0], deltas[0]
    fw = image.shape[-1] // 4
    best, labels = scores.max(dim=1)
    keep = best > score_thr
    if not keep.any():
        return torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long)
    idx = keep.nonzero().squeeze(1)
    k = min(int(keep.sum().item()), max_det)
    top_scores, top = best[idx].topk(k)
    idx = idx[top]
    boxes = decode(deltas[idx], 4, fw)
    boxes = boxes.clamp(min=0, max=image.shape[-1])
    offsets = labels[idx].float()[:, None] * image.shape[-1]  # class-aware NMS trick
    kept = nms(boxes + offsets, top_scores, iou_thr)
    return boxes[kept], top_scores[kept], labels[idx][kept]


model = TinyDetector().eval()
with torch.no_grad():
    for frame in range(5):
        image = torch.randn(3, 32, 32) * (0.5 + 0.5 * frame)  # brighter frames, more objects
        boxes, scores, labels = detect(model, image)
        print(f"frame {frame}: {boxes.shape[0]} detections")
