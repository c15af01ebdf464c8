"""Small models and problems shared by the optimizer tests."""

from __future__ import annotations


import torch


def mlp(seed: int = 0, dtype=torch.float64) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)
    ).to(dtype)


def regression_data(seed: int = 1, n: int = 32, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g, dtype=dtype)
    y = torch.sin(X.sum(1, keepdim=True)) + 0.1 * torch.randn(n, 1, generator=g, dtype=dtype)
    return X, y


def two_groups(model: torch.nn.Sequential, lr: float):
    """Two param groups with different learning rates and weight decays."""
    return [
        {"params": list(model[0].parameters())},
        {"params": list(model[2].parameters()), "lr": lr * 0.5, "weight_decay": 0.0},
    ]


def objective(model, X, y, maximize: bool):
    loss = torch.nn.functional.mse_loss(model(X), y)
    return -loss if maximize else loss


def take_steps(model, opt, X, y, steps: int, maximize: bool = False) -> None:
    for _ in range(steps):
        opt.zero_grad()
        objective(model, X, y, maximize).backward()
        opt.step()


def max_rel_diff(params_a, params_b) -> float:
    return max(
        float(((a - b).abs() / (1 + a.abs())).max().detach()) for a, b in zip(params_a, params_b, strict=True)
    )
