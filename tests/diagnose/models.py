"""Small losses with their dense Hessians computed independently (torch.func.hessian of the flat loss)."""

from __future__ import annotations

import torch
from torch import nn

from trainlab.problems.stationary import flat_loss


def regression(n: int = 40, d: int = 4, seed: int = 0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    y = torch.sin(x.sum(1, keepdim=True)) + 0.1 * torch.randn(n, 1, generator=gen, dtype=dtype)
    return x, y


def mlp(activation: type[nn.Module], widths=(4, 12, 12, 1), seed: int = 0, dtype=torch.float64) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(activation())
    return nn.Sequential(*layers).to(dtype)


def problem(kind: str, seed: int = 0, dtype=torch.float64):
    """(model, loss_fn, params, dense Hessian in float64) for 'tanh', 'relu' or 'linear' (least squares)."""
    x, y = regression(seed=seed, dtype=dtype)
    if kind == "linear":
        model = nn.Linear(4, 1).to(dtype)
    else:
        model = mlp(nn.Tanh if kind == "tanh" else nn.ReLU, seed=seed, dtype=dtype)
    loss = nn.functional.mse_loss
    params = list(model.parameters())

    def loss_fn():
        return loss(model(x), y)

    f, theta = flat_loss(model.double(), loss, x.double(), y.double())
    dense = torch.func.hessian(f)(theta)
    model.to(dtype)
    return model, loss_fn, params, 0.5 * (dense + dense.T), (x, y, loss)
