"""Small constructed setups for the doctor's tests: data, model builders, one examine call."""

from __future__ import annotations

import torch
from torch import nn

from trainlab.doctor import examine


def regression(n: int = 128, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = torch.sin(2 * x[:, :1]) + x[:, 1:] ** 2
    return x, (y - y.mean()) / y.std()


def classes(n: int = 128, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    return x, (x[:, 0] * x[:, 1] > 0).long()


def mlp(widths: list[int], act: type[nn.Module] | None = nn.ReLU, weight_scale: float = 1.0,
        bias: float | None = None, constant: float | None = None, last: nn.Module | None = None,
        seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2 and act is not None:
            layers.append(act())
    if last is not None:
        layers.append(last)
    net = nn.Sequential(*layers)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for m in linears:
            m.weight.mul_(weight_scale)
            if constant is not None:
                m.weight.fill_(constant)
                m.bias.fill_(constant)
            if bias is not None and m is not linears[-1]:
                m.bias.fill_(bias)
    return net


def first_code(model: nn.Module, data, **settings) -> list[str]:
    """The warning and error codes of ``examine``, most likely first."""
    settings.setdefault("loss", "mse")
    settings.setdefault("epochs", 15)
    return examine(model, data, **settings).codes
