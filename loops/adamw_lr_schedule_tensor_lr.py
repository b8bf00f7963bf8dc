"""The loop of adamw_lr_schedule.py with the fix the PyTorch recipe gives: a tensor lr.

Mirrors "(beta) Running the compiled optimizer with an LR Scheduler" from the PyTorch
tutorials: ``AdamW(..., lr=torch.tensor(1e-3))`` so that the scheduler updates the lr tensor
in place and the compiled ``opt.step`` does not have to be compiled again for each new lr.
Here the scheduler is also stepped inside the compiled function, as the recipe does.
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
opt = torch.optim.AdamW(model.parameters(), lr=torch.tensor(1e-3), weight_decay=0.01)
num_steps = 12
sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=3, num_training_steps=num_steps)


@torch.compile(backend="eager")
def opt_step():
    opt.step()
    sched.step()


x = torch.randn(96, 32)
y = torch.randint(0, 10, (96,))
for step in range(num_steps):
    xb, yb = x[step * 8 : step * 8 + 8], y[step * 8 : step * 8 + 8]
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt_step()
    opt.zero_grad(set_to_none=True)
    print(f"step {step}: loss {loss.item():.4f} lr {float(opt.param_groups[0]['lr']):.2e}")
