"""Batch augmentation on the GPU for PRNet training pairs (crop images + sigmoid-space targets).

The geometric part composes a random similarity with the PRNet crop the pairs were made with, as
prnet-train's `augmentedCrop` does: the image is resampled and the targets' crop-frame (x, y) are
moved by the same map, z scaled about the crop's depth centre. A horizontal flip (optional) mirrors
the image and moves each target to its mirror UV pixel (the layout's left–right correspondence,
`mirror.i32`) with x reflected. Colour, blur, noise and occluders act on the image only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class AugmentConfig:
    rotation_deg: float = 45.0
    scale: tuple = (0.9, 1.15)  # > 1 makes the face larger in the crop
    translate: float = 0.08  # ± fraction of the crop side
    colour: tuple = (0.6, 1.4)  # per-channel gain
    brightness: float = 0.15
    contrast: tuple = (0.7, 1.3)
    grey: float = 0.1
    blur: float = 0.25
    noise: float = 0.25
    occlusion: float = 0.3
    flip: float = 0.0  # probability of a horizontal flip (needs the layout's mirror map)
    any_roll: float = 0.0  # probability of a rotation drawn from ±180° instead of ±rotation_deg


def similarity(batch: int, cfg: AugmentConfig, generator: torch.Generator, device) -> tuple:
    """Random (angle, scale, dx, dy) per sample; dx, dy in fractions of the crop side."""
    u = torch.rand(batch, 4, generator=generator, device=device)
    angle = (2 * u[:, 0] - 1) * math.radians(cfg.rotation_deg)
    if cfg.any_roll > 0:  # drawn only when asked for, so runs without it keep their random stream
        v = torch.rand(batch, 2, generator=generator, device=device)
        angle = torch.where(v[:, 0] < cfg.any_roll, (2 * v[:, 1] - 1) * math.pi, angle)
    scale = cfg.scale[0] + (cfg.scale[1] - cfg.scale[0]) * u[:, 1]
    dx = (2 * u[:, 2] - 1) * cfg.translate
    dy = (2 * u[:, 3] - 1) * cfg.translate
    return angle, scale, dx, dy


def warp_images(images: torch.Tensor, angle, scale, dx, dy) -> torch.Tensor:
    """images [N, 3, S, S] → the crop seen through p' = s·R(angle)·(p − c) + c + d (zeros outside)."""
    cos, sin = torch.cos(angle), torch.sin(angle)
    # output normalised coords u' → input u = R(−angle)(u' − 2d) / s
    inv = torch.stack([torch.stack([cos, sin], 1), torch.stack([-sin, cos], 1)], 1) / scale[:, None, None]
    shift = -torch.einsum('nij,nj->ni', inv, torch.stack([2 * dx, 2 * dy], 1))
    theta = torch.cat([inv, shift[:, :, None]], 2)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def warp_targets(targets: torch.Tensor, angle, scale, dx, dy, size: int, output_scale: float,
                 output_offset: float, depth_centre: float) -> torch.Tensor:
    """targets [N, R, R, 3] sigmoid space → the same surface in the warped crop, clipped to [0, 1]."""
    defined = (targets != 0).any(dim=3, keepdim=True)
    p = size * (targets.float() * output_scale - output_offset)
    c = size / 2
    x, y, z = p[..., 0] - c, p[..., 1] - c, p[..., 2] - size * depth_centre
    cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    s = scale[:, None, None]
    x2 = s * (cos * x - sin * y) + c + size * dx[:, None, None]
    y2 = s * (sin * x + cos * y) + c + size * dy[:, None, None]
    z2 = s * z + size * depth_centre
    out = (torch.stack([x2, y2, z2], -1) / size + output_offset) / output_scale
    return torch.where(defined, out.clamp(0, 1), torch.zeros_like(out))


def flip_horizontal(images: torch.Tensor, targets: torch.Tensor, flip: torch.Tensor, mirror: torch.Tensor,
                    output_scale: float, output_offset: float) -> tuple:
    """Mirrors the samples where `flip` [N] (bool) is set: images [N, 3, S, S] left–right, targets
    [N, R, R, 3] (sigmoid space) read from the mirror UV pixel (`mirror` [R*R], −1 = none → 0) with
    crop x → S − x, i.e. t_x → (1 + 2·offset) / scale − t_x. Other samples pass through."""
    if not bool(flip.any()):
        return images, targets
    n, r = targets.shape[0], targets.shape[1]
    flipped_images = torch.where(flip[:, None, None, None], images.flip(3), images)
    t = targets.reshape(n, r * r, 3)
    defined = (t != 0).any(dim=2, keepdim=True)
    reflected = torch.stack([((1 + 2 * output_offset) / output_scale - t[..., 0]).clamp(0, 1), t[..., 1], t[..., 2]], -1)
    reflected = torch.where(defined, reflected, torch.zeros_like(reflected))
    has_mirror = (mirror >= 0)[None, :, None]
    moved = torch.where(has_mirror, reflected[:, mirror.clamp_min(0), :], torch.zeros_like(reflected))
    out = torch.where(flip[:, None, None], moved, t)
    return flipped_images, out.reshape(n, r, r, 3)


def photometric(images: torch.Tensor, cfg: AugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """Colour gains, brightness/contrast, grey, blur, noise and occluders on [N, 3, S, S] in [0, 1]."""
    n, _, s, _ = images.shape
    dev = images.device
    r = lambda *shape: torch.rand(*shape, generator=generator, device=dev)
    gains = cfg.colour[0] + (cfg.colour[1] - cfg.colour[0]) * r(n, 3, 1, 1)
    x = images * gains
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    contrast = cfg.contrast[0] + (cfg.contrast[1] - cfg.contrast[0]) * r(n, 1, 1, 1)
    x = (x - mean) * contrast + mean + (2 * r(n, 1, 1, 1) - 1) * cfg.brightness
    grey = (r(n, 1, 1, 1) < cfg.grey).float()
    x = grey * x.mean(1, keepdim=True).expand_as(x) + (1 - grey) * x
    # Gaussian blur, σ in [0.4, 1.6] px, for a fraction of the batch.
    sigma = 0.4 + 1.2 * r(n)
    k = torch.arange(-3, 4, device=dev, dtype=x.dtype)
    kern = torch.exp(-(k[None, :] ** 2) / (2 * sigma[:, None] ** 2))
    kern = kern / kern.sum(1, keepdim=True)  # [n, 7]
    blurred = x.reshape(1, n * 3, s, s)
    kh = kern.repeat_interleave(3, 0)[:, None, None, :]
    blurred = F.conv2d(F.pad(blurred, (3, 3, 0, 0), mode='replicate'), kh, groups=n * 3)
    blurred = F.conv2d(F.pad(blurred, (0, 0, 3, 3), mode='replicate'), kh.transpose(2, 3), groups=n * 3)
    use_blur = (r(n, 1, 1, 1) < cfg.blur).float()
    x = use_blur * blurred.reshape(n, 3, s, s) + (1 - use_blur) * x
    use_noise = (r(n, 1, 1, 1) < cfg.noise).float()
    x = x + use_noise * 0.04 * r(n, 1, 1, 1) * torch.randn(x.shape, generator=generator, device=dev)
    # Occluders: a rectangle of 15–50 % of the side, solid colour or noise, centred in the middle 70 %.
    occ = r(n) < cfg.occlusion
    if occ.any():
        cx, cy = (0.15 + 0.7 * r(n)) * s, (0.15 + 0.7 * r(n)) * s
        w, h = (0.15 + 0.35 * r(n)) * s, (0.15 + 0.35 * r(n)) * s
        grid = torch.arange(s, device=dev, dtype=x.dtype) + 0.5
        inside_x = ((grid[None, :] - cx[:, None]).abs() < w[:, None] / 2)
        inside_y = ((grid[None, :] - cy[:, None]).abs() < h[:, None] / 2)
        mask = (inside_y[:, :, None] & inside_x[:, None, :] & occ[:, None, None]).unsqueeze(1).float()
        solid = r(n, 3, 1, 1).expand(n, 3, s, s)
        noisy = r(n, 3, s, s)
        fill = torch.where(r(n, 1, 1, 1) < 0.5, noisy, solid)
        x = mask * fill + (1 - mask) * x
    return x.clamp(0, 1)
