"""AdamW with a warmup + cosine LR schedule, the optimizer step compiled on its own.

Mirrors the PyTorch recipe "Compiling the optimizer" (``@torch.compile def opt_step():
opt.step()``) dropped into an ordinary fine-tuning loop that uses a Hugging Face style
``get_cosine_schedule_with_warmup`` (a ``LambdaLR``). The learning rate is a Python float,
so the scheduler writes a new float into ``opt.param_groups[i]['lr']`` after every step.
"""

import math

import torch
from torch import nn

torch.manual_seed(0)


def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    def lr_lambda(step):
        if step < num_warmup_steps:
            return float(step + 1) / float(max(1, num_warmup_steps))
        progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


model = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.LayerNorm(64), nn.Linear(64, 10))
no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "2." in n]
decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "2." in n)]
opt = torch.optim.AdamW(
    [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
    lr=1e-3,
)
num_steps = 12
sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=3, num_training_steps=num_steps)


@torch.compile(backend="eager")
def opt_step():
    opt.step()


x = torch.randn(96, 32)
y = torch.randint(0, 10, (96,))
for step in range(num_steps):
    xb, yb = x[step * 8 : step * 8 + 8], y[step * 8 : step * 8 + 8]
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt_step()
    sched.step()
    opt.zero_grad(set_to_none=True)
    print(f"step {step}: loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.2e}")
