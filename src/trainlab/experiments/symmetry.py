"""Symmetry breaking. Constant initialization keeps hidden units identical forever.

SUTD 50.039 "Theory and Practice of Deep Learning" (W2-S2): "What is symmetry in a
neural network and why is it essential to break it with proper initializers?"
If every hidden unit of a layer starts with the same incoming weights and bias,
every unit computes the same value, receives the same gradient and takes the
same step, so the units stay identical through any amount of gradient
training: the layer behaves like a single unit. (In floating point the units
can drift apart by round-off, about 1e-18 here, when the matrix library sums
different rows in different orders; the drift does not grow.) A random initialization breaks
the tie at step 0.

Measured: the largest difference between two hidden units of the same layer,
``max_{layer, i, j} max |(W_i, b_i) - (W_j, b_j)|`` over the rows of each hidden
layer's weight and bias, after every full-batch SGD step.

Example:
    >>> from trainlab.experiments.symmetry import symmetry
    >>> r = symmetry(steps=50)
    >>> r.differences["constant"][-1] < 1e-12, r.differences["he"][-1] > 0.1
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.nn import functional as F

from trainlab import init as initializers
from trainlab.constraints import POSITIVE, POSITIVE_INT, Interval, check
from trainlab.nn import MLP
from trainlab.optim import SGD

__all__ = ["SymmetryResult", "symmetry", "unit_spread"]


def unit_spread(model: MLP) -> float:
    """The largest difference between two hidden units' incoming weights and biases."""
    spread = 0.0
    for layer in model.linears()[:-1]:
        rows = torch.cat([layer.weight, layer.bias[:, None]], dim=1).detach()
        spread = max(spread, (rows.amax(dim=0) - rows.amin(dim=0)).max().item())
    return spread


@dataclass
class SymmetryResult:
    """Per initialization scheme: the spread of hidden units after each step, and the final loss."""

    widths: list[int]
    activation: str
    differences: dict[str, list[float]]
    losses: dict[str, float]

    def plot(self, path: str | Path) -> Path:
        from trainlab.report.initialization import plot_symmetry

        return plot_symmetry(self, path)


def symmetry(
    inits: Sequence[str] = ("constant", "he"),
    width: int = 8,
    depth: int = 2,
    activation: str = "tanh",
    steps: int = 300,
    lr: float = 0.05,
    seed: int = 0,
) -> SymmetryResult:
    """Train ``[1, width x depth, 1]`` MLPs on ``x sin(5x)`` from each scheme in ``inits``."""
    check("symmetry", "width", width, Interval(2, None, integer=True))
    check("symmetry", "depth", depth, POSITIVE_INT)
    check("symmetry", "steps", steps, POSITIVE_INT)
    check("symmetry", "lr", lr, POSITIVE)
    for name in inits:
        initializers.get(name)
    x = torch.linspace(-math.sqrt(3), math.sqrt(3), 64, dtype=torch.float64)[:, None]
    y = x * torch.sin(5 * x)
    widths = [1] + [width] * depth + [1]
    differences, losses = {}, {}
    for name in inits:
        model = MLP(widths, activation, init=name, generator=torch.Generator().manual_seed(seed)).double()
        opt = SGD(model.parameters(), lr=lr)
        spread = [unit_spread(model)]
        for _ in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            spread.append(unit_spread(model))
        differences[name] = spread
        losses[name] = F.mse_loss(model(x), y).item()
    return SymmetryResult(widths, activation, differences, losses)
