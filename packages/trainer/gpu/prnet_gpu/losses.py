"""prnet-train's position-map loss (packages/trainer/src/train/loss.ts), in PyTorch."""
import torch


def position_map_loss(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted MSE Σ w_p (pred − target)² / (3 · N · Σ_p w_p); pred/target [N, R, R, 3], weights [R, R]."""
    n = pred.shape[0]
    w = weights.reshape(1, weights.shape[0], weights.shape[1], 1)
    return ((pred.float() - target.float()) ** 2 * w).sum() / (3 * n * weights.sum()).clamp_min(1e-12)
