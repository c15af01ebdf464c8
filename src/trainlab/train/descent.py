"""Gradient-descent modes over a data set: full batch, single sample, mini-batch.

One loop serves all three; ``batch_size`` picks the mode:

- ``None`` - full-batch gradient descent: every step uses all ``n`` samples;
- ``1`` - stochastic gradient descent: one sample per step, the order reshuffled
  every epoch (Robbins & Monro 1951);
- ``k`` - mini-batch SGD: the shuffled data cut into batches of ``k`` each epoch
  (the last one may be smaller).

The order comes from ``numpy.random.default_rng(seed).permutation(n)`` drawn
once per epoch, the same protocol as ``trainlab.reference.sgd``. Stopping rules
(the UCLA ECE 239AS notes): the step ``||theta_t+1 - theta_t||`` below ``tol``, ``max_iter``
steps, or the full-data loss at or below ``target_loss``; a non-finite loss
stops with ``"diverged"``.

Taught in the lectures (full references in docs/references.md): Robbins & Monro 1951 in the UCLA ECE
239AS notes and the SUTD 50.039 notes.

Example:
    >>> import torch
    >>> from trainlab.optim import SGD
    >>> from trainlab.train.descent import descend
    >>> X = torch.randn(64, 3); y = X @ torch.tensor([[1.0], [-2.0], [0.5]])
    >>> model = torch.nn.Linear(3, 1, bias=False)
    >>> result = descend(model, torch.nn.functional.mse_loss, X, y, SGD(model.parameters(), lr=0.1),
    ...                  batch_size=8, max_iter=2000, target_loss=1e-6)
    >>> result.stop_reason
    'target_loss'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.constraints import NONNEGATIVE, POSITIVE_INT, check, fail

__all__ = ["DescentResult", "descend", "batch_order"]


@dataclass
class DescentResult:
    """What a descent run did and why it stopped."""

    stop_reason: str  # "tolerance", "max_iter", "target_loss" or "diverged"
    iterations: int
    epochs: float
    eval_iterations: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # full-data loss at each evaluation
    path: list[np.ndarray] | None = None  # flattened parameters after each step (with record_path)
    wall_time: float = 0.0

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan

    def iterations_to(self, target: float) -> int | None:
        """The first evaluated iteration whose loss is at or below ``target``."""
        for it, loss in zip(self.eval_iterations, self.losses, strict=True):
            if loss <= target:
                return it
        return None


def batch_order(n: int, batch_size: int | None, rng: np.random.Generator) -> list[np.ndarray]:
    """The batches of one epoch: all indices (full batch) or a fresh shuffle cut into pieces."""
    if batch_size is None or batch_size >= n:
        return [np.arange(n)]
    perm = rng.permutation(n)
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def _flat(params: list[Tensor]) -> Tensor:
    return torch.cat([p.detach().reshape(-1) for p in params])


def descend(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    X: Tensor,
    y: Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    batch_size: int | None = None,
    max_iter: int = 1000,
    tol: float | None = None,
    target_loss: float | None = None,
    seed: int = 0,
    eval_every: int | None = None,
    record_path: bool = False,
) -> DescentResult:
    """Minimize ``loss_fn(model(X), y)`` with ``optimizer`` in the chosen mode.

    ``eval_every`` (default: every step for full batch, every epoch otherwise)
    sets how often the full-data loss is recorded and checked against
    ``target_loss``; the final state is always evaluated.
    """
    n = int(X.shape[0])
    if int(y.shape[0]) != n:
        fail("descend", "y", f"as many rows as X ({n})", f"{int(y.shape[0])} rows")
    if batch_size is not None:
        check("descend", "batch_size", batch_size, POSITIVE_INT)
    check("descend", "max_iter", max_iter, POSITIVE_INT)
    if tol is not None:
        check("descend", "tol", tol, NONNEGATIVE)
    full_batch = batch_size is None or batch_size >= n
    steps_per_epoch = 1 if full_batch else math.ceil(n / batch_size)
    every = eval_every or steps_per_epoch
    params = [p for p in model.parameters() if p.requires_grad]
    rng = np.random.default_rng(seed)
    result = DescentResult("max_iter", 0, 0.0, path=[] if record_path else None)
    start = time.perf_counter()

    def evaluate(iteration: int) -> float:
        with torch.no_grad():
            loss = float(loss_fn(model(X), y))
        result.eval_iterations.append(iteration)
        result.losses.append(loss)
        return loss

    if record_path:
        result.path.append(_flat(params).numpy().copy())
    it = 0
    done = False
    evaluate(0)
    while not done:
        for idx in batch_order(n, batch_size, rng):
            before = _flat(params) if tol is not None else None
            xb, yb = (X, y) if full_batch else (X[idx], y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            optimizer.step()
            it += 1
            if record_path:
                result.path.append(_flat(params).numpy().copy())
            if it % every == 0 or it == max_iter:
                loss = evaluate(it)
                if not math.isfinite(loss):
                    result.stop_reason, done = "diverged", True
                elif target_loss is not None and loss <= target_loss:
                    result.stop_reason, done = "target_loss", True
            if not done and before is not None:
                if float(torch.linalg.vector_norm(_flat(params) - before)) < tol:
                    result.stop_reason, done = "tolerance", True
                    if result.eval_iterations[-1] != it:
                        evaluate(it)
            if not done and it >= max_iter:
                result.stop_reason, done = "max_iter", True
            if done:
                break
    result.iterations = it
    result.epochs = it / steps_per_epoch
    result.wall_time = time.perf_counter() - start
    return result
