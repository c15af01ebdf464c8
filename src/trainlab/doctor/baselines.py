"""The losses the doctor judges a run against: the trivial predictor's and a linear model's.

``trivial_loss(loss_fn, y, outputs, task)`` is the loss of the best prediction that
ignores the input: the mean or the median of the target (whichever ``loss_fn`` likes
better: the mean for squared error, the median for absolute error) for a regression,
the log class frequencies as logits for classes (the loss is then the entropy of
the labels). ``linear_loss`` is the training loss of a linear model with a bias
(least squares, or the loss itself minimized by L-BFGS): a network that does worse
has not even found a linear fit.

Example:
    >>> import torch
    >>> from torch.nn import functional as F
    >>> y = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> trivial_loss(F.mse_loss, y, 1, "regression")   # the variance of y (population)
    1.25
    >>> round(trivial_loss(F.cross_entropy, torch.tensor([0, 0, 1, 1]), 2, "classification"), 4)   # log 2
    0.6931
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

__all__ = ["linear_loss", "trivial_loss"]

_LBFGS_ROWS = 4096


@torch.no_grad()
def trivial_loss(loss_fn: Any, y: Tensor, outputs: int, task: str) -> float:
    """The loss of the best constant prediction (see the module docs); NaN when ``loss_fn`` refuses it."""
    try:
        if task == "classification" and not y.is_floating_point():
            counts = torch.bincount(y.reshape(-1).long(), minlength=outputs).double()
            logits = torch.log(counts.clamp_min(0.5) / counts.sum()).to(torch.get_default_dtype())
            return float(loss_fn(logits.expand(len(y), -1), y))
        if task == "binary":
            p = y.double().mean().clamp(1e-6, 1 - 1e-6)
            return float(loss_fn(torch.full_like(y, float(torch.log(p / (1 - p)))), y))
        yf = y.double().reshape(len(y), -1)
        found = [float(loss_fn(c.expand_as(yf).reshape(y.shape).to(y.dtype), y))
                 for c in (yf.mean(dim=0), yf.median(dim=0).values)]
        return min(found)
    except (RuntimeError, ValueError, TypeError, IndexError):
        return math.nan


def linear_loss(loss_fn: Any, x: Tensor, y: Tensor, task: str, outputs: int = 1) -> float | None:
    """The training loss of a linear model with a bias: least squares for a regression, else ``loss_fn``
    minimized by L-BFGS (100 iterations, on at most the first 4096 rows); ``None`` when the inputs are
    not finite floats."""
    if not x.is_floating_point() or not torch.isfinite(x).all():
        return None
    if task == "regression" and y.is_floating_point():
        return _least_squares(loss_fn, x, y)
    if len(x) > _LBFGS_ROWS:  # a large set: the first rows (a reference, not an exact fit)
        x, y = x[:_LBFGS_ROWS], y[:_LBFGS_ROWS]
    model = torch.nn.Linear(x.reshape(len(x), -1).shape[1], outputs).to(x.dtype)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=100, line_search_fn="strong_wolfe")
    flat = x.reshape(len(x), -1)

    def loss() -> Tensor:
        return loss_fn(model(flat).reshape(len(x), -1) if outputs > 1 else model(flat).reshape(y.shape), y)

    def closure() -> Tensor:
        opt.zero_grad()
        value = loss()
        value.backward()
        return value

    try:
        opt.step(closure)
        with torch.no_grad():
            value = float(loss())
    except (RuntimeError, ValueError, TypeError, IndexError):
        return None
    return value if math.isfinite(value) else None


@torch.no_grad()
def _least_squares(loss_fn: Any, x: Tensor, y: Tensor) -> float | None:
    a = torch.cat([x.double().reshape(len(x), -1), torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    target = y.double().reshape(len(y), -1)
    try:
        coef = torch.linalg.lstsq(a, target, driver="gelsd").solution
        pred = (a @ coef).reshape(y.shape).to(y.dtype)
        return float(loss_fn(pred, y))
    except (RuntimeError, ValueError):
        return None
