"""Time to target: every first-order optimizer on a real regression problem (`trainlab race`).

scikit-learn's diabetes data (442 patients, 10 features), standardized with
training statistics, 80/20 train/validation split, a 10-64-64-1 tanh MLP from
one fixed seed, full-batch steps. Each optimizer runs once per learning rate of
its grid (``registry.get(name).lr_grid``); the rate that reaches the target
training loss first (then: lowest final training loss) is reported. This is a
comparison of optimization speed; the validation loss is shown beside it so that
overfitting stays visible. Every run starts from the same initial weights.

Example:
    >>> from trainlab.experiments.time_to_target import compare_time_to_target
    >>> rows = compare_time_to_target(["sgd", "adam"], steps=50)
    >>> sorted(r.name for r in rows)
    ['adam', 'sgd']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from trainlab.data import load_bundled, split_standardized
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.train.descent import descend

__all__ = ["TimeToTargetRow", "compare_time_to_target", "rank", "DEFAULT_TARGET"]

# Training MSE in standardized units; a linear least-squares fit reaches about 0.48.
DEFAULT_TARGET = 0.40


@dataclass
class TimeToTargetRow:
    name: str
    lr: float
    train_loss: float
    val_loss: float
    steps_to_target: int | None
    wall_time: float
    stop_reason: str


def compare_time_to_target(
    optimizers: Sequence[str] | None = None,
    steps: int = 1000,
    target: float = DEFAULT_TARGET,
    seed: int = 0,
    widths: Sequence[int] = (64, 64),
    batch_size: int | None = None,
    tune: bool = True,
    activation: str = "tanh",
    on_done: Callable[[TimeToTargetRow, int, int], None] | None = None,
) -> list[TimeToTargetRow]:
    """Race the named optimizers (default: all); one row each, best learning rate of its grid.

    ``on_done(row, i, n)`` is called after the ``i``-th of ``n`` optimizers (progress).
    """
    names = list(optimizers) if optimizers else registry.names("first_order")
    X, y = load_bundled("diabetes")
    data = split_standardized(X, y, val=0.2, seed=seed)
    torch.manual_seed(seed)
    start = MLP([X.shape[1], *widths, 1], activation=activation)
    rows = []
    for name in names:
        entry = registry.get(name)
        grid = entry.lr_grid if tune else (entry.lr_grid[len(entry.lr_grid) // 2],)
        best: TimeToTargetRow | None = None
        for lr in grid:
            model = copy.deepcopy(start)
            opt = entry.build(model.parameters(), lr=lr)
            res = descend(
                model, F.mse_loss, data.train.x, data.train.y, opt,
                batch_size=batch_size, max_iter=steps, seed=seed,
            )
            with torch.no_grad():
                val = float(F.mse_loss(model(data.val.x), data.val.y))
            row = TimeToTargetRow(
                entry.name, lr, res.final_loss, val, res.iterations_to(target), res.wall_time, res.stop_reason
            )
            if best is None or rank(row) < rank(best):
                best = row
        rows.append(best)
        if on_done is not None:
            on_done(best, len(rows), len(names))
    return rows


def rank(row: TimeToTargetRow) -> tuple[float, float]:
    """Sort key: steps to target (never = inf), then final training loss (diverged = inf)."""
    steps = math.inf if row.steps_to_target is None else row.steps_to_target
    loss = row.train_loss if math.isfinite(row.train_loss) else math.inf
    return steps, loss
