"""DDPM sampling with a tiny diffusers UNet2DModel and DDPMScheduler, one compiled denoising step.

Mirrors ``diffusers.DDPMPipeline.__call__`` written out by hand, as people do to compile it:
the body of the sampling loop (the UNet's noise prediction and ``scheduler.step``) is one
compiled function, called for every timestep with the timestep as a Python int
(``for t in scheduler.timesteps.tolist()``). The UNet is built from a tiny config (no
weights); 10 inference steps out of 100 training steps, so t = 90, 80, ..., 0.
"""

import torch
from diffusers import DDPMScheduler, UNet2DModel

torch.manual_seed(0)
unet = UNet2DModel(
    sample_size=16,
    in_channels=3,
    out_channels=3,
    layers_per_block=1,
    block_out_channels=(16, 32),
    down_block_types=("DownBlock2D", "AttnDownBlock2D"),
    up_block_types=("AttnUpBlock2D", "UpBlock2D"),
    norm_num_groups=8,
).eval()
scheduler = DDPMScheduler(num_train_timesteps=100)
scheduler.set_timesteps(10)
generator = torch.Generator().manual_seed(0)


@torch.compile(backend="eager")
def denoise_step(sample, t):
    noise_pred = unet(sample, t).sample
    return scheduler.step(noise_pred, t, sample, generator=generator).prev_sample


image = torch.randn(1, 3, 16, 16, generator=generator)
with torch.no_grad():
    for t in scheduler.timesteps.tolist():
        image = denoise_step(image, t)
image = (image / 2 + 0.5).clamp(0, 1)
print("sampled image", tuple(image.shape), f"mean {image.mean().item():.4f}")
