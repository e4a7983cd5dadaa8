"""prnet-train's position-map loss (packages/trainer/src/train/loss.ts), in PyTorch, and the
placement term that prnet_gpu.train can add to it (--placement-weight)."""
import torch


def position_map_loss(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted MSE Σ w_p (pred − target)² / (3 · N · Σ_p w_p); pred/target [N, R, R, 3], weights [R, R]."""
    n = pred.shape[0]
    w = weights.reshape(1, weights.shape[0], weights.shape[1], 1)
    return ((pred.float() - target.float()) ** 2 * w).sum() / (3 * n * weights.sum()).clamp_min(1e-12)


def placement_loss(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The part of position_map_loss's x, y error that moves the whole face: per sample, the 2D
    similarity (translation, scale, in-plane rotation) that best maps the predicted x, y onto the
    target's (weighted least squares over the map) is applied to the prediction, and the loss is
    Σ w_p |sim(pred_p) − pred_p|² / (3 · N · Σ_p w_p) — normalised like position_map_loss, of
    which it is an exact part: position_map_loss = this + the weighted error left after the
    similarity (the face's shape, x and y) + the z error. pred/target [N, R, R, 3], weights [R, R]."""
    n = pred.shape[0]
    w = (weights / weights.sum().clamp_min(1e-12)).reshape(1, -1, 1)  # [1, R·R, 1], sums to 1
    p = pred.float()[..., :2].reshape(n, -1, 2)
    t = target.float()[..., :2].reshape(n, -1, 2)
    mp, mt = (p * w).sum(1, keepdim=True), (t * w).sum(1, keepdim=True)
    pc, tc = p - mp, t - mt
    den = (w * pc.pow(2)).sum((1, 2)).clamp_min(1e-12)  # [N]
    a_re = (w[..., 0] * (pc[..., 0] * tc[..., 0] + pc[..., 1] * tc[..., 1])).sum(1) / den
    a_im = (w[..., 0] * (pc[..., 0] * tc[..., 1] - pc[..., 1] * tc[..., 0])).sum(1) / den
    a_re, a_im = a_re[:, None], a_im[:, None]
    sim = torch.stack((a_re * pc[..., 0] - a_im * pc[..., 1], a_im * pc[..., 0] + a_re * pc[..., 1]), -1) + mt
    return (w * (sim - p).pow(2)).sum() / (3 * n)
