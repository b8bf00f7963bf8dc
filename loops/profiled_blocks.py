"""A small time-conditioned U-Net whose blocks all carry a profiling decorator, compiled block by block.

Mirrors codebases that wrap every module's ``forward`` in a ``functools.wraps`` decorator
for profiling, NVTX ranges or activation logging (``@nvtx_range``, ``@record_function``
helpers, Lightning/torchtitan-style ``@instrument`` hooks), and then compile region by region
(``torch.compile`` on each stage, as the PyTorch "regional compilation" recipe does) to keep
compile times down. The blocks take different arguments: ``(x)``, ``(x, emb)``,
``(x, skip, emb)``. A few denoising-style training steps run.
"""

import functools
import math

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


def profiled(fn):
    """Give each block's forward a named range in the profiler trace."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        with torch.profiler.record_function(f"{type(self).__name__}.forward"):
            return fn(self, *args, **kwargs)

    return wrapper


class TimeEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.SiLU(), nn.Linear(4 * dim, 4 * dim))

    @profiled
    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        return self.mlp(torch.cat([args.sin(), args.cos()], dim=-1))


class Stem(nn.Module):
    def __init__(self, c_in, c):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c, 3, padding=1)

    @profiled
    def forward(self, x):
        return self.conv(x)


class ResBlock(nn.Module):
    def __init__(self, c, emb_dim):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, c), nn.Conv2d(c, c, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c)
        self.norm2, self.conv2 = nn.GroupNorm(8, c), nn.Conv2d(c, c, 3, padding=1)

    @profiled
    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(emb))[:, :, None, None]
        return x + self.conv2(F.silu(self.norm2(h)))


class Downsample(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1)

    @profiled
    def forward(self, x):
        return self.conv(x)


class SelfAttention2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(8, c)
        self.attn = nn.MultiheadAttention(c, 2, batch_first=True)

    @profiled
    def forward(self, x):
        b, c, h, w = x.shape
        seq = self.norm(x).flatten(2).transpose(1, 2)
        out, _ = self.attn(seq, seq, seq, need_weights=False)
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class MidBlock(nn.Module):
    def __init__(self, c, emb_dim):
        super().__init__()
        self.res1, self.attn, self.res2 = ResBlock(c, emb_dim), SelfAttention2d(c), ResBlock(c, emb_dim)

    @profiled
    def forward(self, x, emb):
        return self.res2(self.attn(self.res1(x, emb)), emb)


class Upsample(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    @profiled
    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UpBlock(nn.Module):
    def __init__(self, c, emb_dim):
        super().__init__()
        self.merge = nn.Conv2d(2 * c, c, 1)
        self.res = ResBlock(c, emb_dim)

    @profiled
    def forward(self, x, skip, emb):
        return self.res(self.merge(torch.cat([x, skip], dim=1)), emb)


class OutHead(nn.Module):
    def __init__(self, c, c_out):
        super().__init__()
        self.norm, self.conv = nn.GroupNorm(8, c), nn.Conv2d(c, c_out, 3, padding=1)

    @profiled
    def forward(self, x):
        return self.conv(F.silu(self.norm(x)))


class EMAHead(nn.Module):
    """Predicts a per-sample loss weight from the time embedding (min-SNR style)."""

    def __init__(self, emb_dim):
        super().__init__()
        self.fc = nn.Linear(emb_dim, 1)

    @profiled
    def forward(self, emb):
        return torch.sigmoid(self.fc(emb)).squeeze(-1)


class TinyUNet(nn.Module):
    def __init__(self, c=16, c_in=3):
        super().__init__()
        emb_dim = 4 * c
        self.time = TimeEmbedding(c)
        self.stem = Stem(c_in, c)
        self.enc = ResBlock(c, emb_dim)
        self.down = Downsample(c, 2 * c)
        self.mid = MidBlock(2 * c, emb_dim)
        self.up = Upsample(2 * c, c)
        self.dec = UpBlock(c, emb_dim)
        self.out = OutHead(c, c_in)
        self.weight = EMAHead(emb_dim)

    def forward(self, x, t):
        emb = self.time(t)
        h0 = self.enc(self.stem(x), emb)
        h = self.up(self.mid(self.down(h0), emb))
        return self.out(self.dec(h, h0, emb)), self.weight(emb)


model = TinyUNet()
# regional compilation: each stage on its own, the top-level forward stays eager
for name, child in list(model.named_children()):
    setattr(model, name, torch.compile(child, backend="eager"))

opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for step in range(3):
    x0 = torch.randn(4, 3, 16, 16)
    t = torch.randint(0, 1000, (4,))
    noise = torch.randn_like(x0)
    alpha = torch.cos(t.float() / 1000 * math.pi / 2)[:, None, None, None]
    pred, w = model(alpha * x0 + (1 - alpha**2).sqrt() * noise, t)
    loss = (w * ((pred - noise) ** 2).mean(dim=(1, 2, 3))).mean()
    loss.backward()
    opt.step()
    opt.zero_grad()
    print(f"step {step}: loss {loss.item():.4f}")
