"""Knowledge distillation driven by dataclass configs, with a temperature schedule.

Mirrors the distillation scripts built on Hinton-style KD loss (the Hugging Face
"knowledge distillation for image classification" guide, torchdistill, lit-gpt style
``@dataclass Config`` objects): a student configured by a ``ModelConfig`` dataclass that it
keeps as ``self.config`` (its logit soft-cap is read in ``forward``), and a ``DistillConfig``
dataclass passed to the compiled loss. The user anneals ``cfg.temperature`` from 4.0 down to
1.0 over the epochs, and for the last epoch lowers the student's soft-cap.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


@dataclass
class ModelConfig:
    in_dim: int = 32
    hidden: int = 64
    n_classes: int = 10
    dropout: float = 0.1
    logit_softcap: float = 30.0


@dataclass
class DistillConfig:
    temperature: float = 4.0
    alpha: float = 0.7
    epochs: int = 4


class Classifier(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.net = nn.Sequential(
            nn.Linear(config.in_dim, config.hidden),
            nn.ReLU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.n_classes),
        )

    def forward(self, x):
        logits = self.net(x)
        cap = self.config.logit_softcap
        return cap * torch.tanh(logits / cap)


teacher = Classifier(ModelConfig(hidden=128)).eval()
student = Classifier(ModelConfig())
student = torch.compile(student, backend="aot_eager")


@torch.compile(backend="aot_eager")
def distill_loss(student_logits, teacher_logits, labels, cfg: DistillConfig):
    T = cfg.temperature
    soft = F.kl_div(
        F.log_softmax(student_logits / T, dim=-1),
        F.softmax(teacher_logits / T, dim=-1),
        reduction="batchmean",
    ) * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return cfg.alpha * soft + (1.0 - cfg.alpha) * hard


cfg = DistillConfig()
opt = torch.optim.SGD(student.parameters(), lr=0.05)
x = torch.randn(64, 32)
y = torch.randint(0, 10, (64,))
for epoch in range(cfg.epochs):
    cfg.temperature = 4.0 - epoch  # 4, 3, 2, 1
    if epoch == cfg.epochs - 1:
        student.config.logit_softcap = 15.0
    for i in range(0, 64, 16):
        with torch.no_grad():
            t_logits = teacher(x[i : i + 16])
        loss = distill_loss(student(x[i : i + 16]), t_logits, y[i : i + 16], cfg)
        loss.backward()
        opt.step()
        opt.zero_grad()
    print(f"epoch {epoch} T={cfg.temperature}: loss {loss.item():.4f}")
