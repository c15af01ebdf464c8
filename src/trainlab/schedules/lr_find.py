"""``find_on_bundled``: the range test on a bundled data set and an MLP (``trainlab lr-find``).

The data set is split 80/20 with training statistics for standardization
(``trainlab.data.split_standardized``); only the training part is used. The loss
is the mean squared error for regression and cross-entropy for classification.

Example:
    >>> from trainlab.schedules.lr_find import find_on_bundled
    >>> result = find_on_bundled("iris", (16,), "tanh", "sgd", steps=30)
    >>> result.suggestion > 0
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from trainlab.data import load_bundled, split_standardized
from trainlab.data.bundled import task_of
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.schedules.range_test import RangeTest, lr_range_test

__all__ = ["MiniBatches", "find_on_bundled"]


class MiniBatches:
    """The rows of ``(x, y)`` in shuffled batches of ``size``, a new order every pass (seeded)."""

    def __init__(self, x: Tensor, y: Tensor, size: int, seed: int = 0) -> None:
        self.x, self.y, self.size = x, y, size
        self.rng = np.random.default_rng(seed)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        order = torch.as_tensor(self.rng.permutation(len(self.x)))
        for i in range(0, len(order), self.size):
            idx = order[i : i + self.size]
            yield self.x[idx], self.y[idx]


def find_on_bundled(
    data: str,
    hidden: Sequence[int] = (64, 64),
    activation: str = "tanh",
    optimizer: str = "sgd",
    start: float = 1e-6,
    end: float = 10.0,
    steps: int = 100,
    batch_size: int | None = None,
    seed: int = 0,
) -> RangeTest:
    """Run ``lr_range_test`` for a fresh MLP (seeded) on the training part of ``data``."""
    X, y = load_bundled(data)
    parts = split_standardized(X, y, val=0.2, seed=seed)
    regression = task_of(data) == "regression"
    outputs = 1 if regression else int(y.max()) + 1
    torch.manual_seed(seed)
    model = MLP([X.shape[1], *hidden, outputs], activation=activation)
    opt = registry.build(optimizer, model.parameters(), lr=start)
    loss_fn = F.mse_loss if regression else F.cross_entropy
    x_train, y_train = parts.train.x, parts.train.y
    batches = (x_train, y_train) if batch_size is None else MiniBatches(x_train, y_train, batch_size, seed)
    return lr_range_test(model, loss_fn, batches, opt, start=start, end=end, steps=steps)
