"""``find_on_dataset``: the range test for an MLP on any data set ``load_dataset`` knows.

``data`` is anything ``trainlab.data.load_dataset`` accepts, as for a training run:
a bundled data set, a lecture target, or a CSV file (with ``target``). The data set is split 80/20 with training statistics for standardization
(``trainlab.data.split_standardized``); only the training part is used. The loss
is the mean squared error for regression and cross-entropy for classification.

Example:
    >>> from trainlab.train.lr_find import find_on_dataset
    >>> find_on_dataset("iris", (16,), "tanh", "sgd", steps=30).suggestion > 0
    True
    >>> find_on_dataset("heaviside", (16,), "tanh", "sgd", steps=30).suggestion > 0  # a lecture target
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from trainlab.constraints import POSITIVE, check, fail
from trainlab.data import load_dataset, split_standardized
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.schedules.range_test import RangeTest
from trainlab.train.range_test import lr_range_test
from trainlab.train.run_checks import check_source

__all__ = ["MiniBatches", "find_on_dataset"]


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


def find_on_dataset(
    data: str,
    hidden: Sequence[int] = (64, 64),
    activation: str = "tanh",
    optimizer: str = "sgd",
    start: float = 1e-6,
    end: float = 10.0,
    steps: int = 100,
    batch_size: int | None = None,
    seed: int = 0,
    *,
    target: str | None = None,
    task: str = "regression",
    samples: int | None = None,
) -> RangeTest:
    """Run ``lr_range_test`` for a fresh MLP (seeded) on the training part of ``data``.

    ``target``, ``task`` and ``samples`` mean what they mean to ``load_dataset``.
    """
    check("find_on_dataset", "start", start, POSITIVE)  # before the optimizer is built at this rate
    if registry.get(optimizer).closure:
        fail("find_on_dataset", "optimizer", "a first-order optimizer (the range test takes one step per rate; "
             f"second-order methods such as {optimizer} run a line search on each step, which sets its own "
             "length, so there is no learning rate to scan)", optimizer)
    check_source("find_on_dataset", data)
    ds = load_dataset(data, target=target, n=samples, seed=seed, task=task)
    parts = split_standardized(ds.X, ds.y, val=0.2, seed=seed)
    torch.manual_seed(seed)
    model = MLP([ds.X.shape[1], *hidden, ds.n_outputs], activation=activation)
    opt = registry.build(optimizer, model.parameters(), lr=start)
    loss_fn = F.cross_entropy if ds.task == "classification" else F.mse_loss
    x_train, y_train = parts.train.x, parts.train.y
    batches = (x_train, y_train) if batch_size is None else MiniBatches(x_train, y_train, batch_size, seed)
    return lr_range_test(model, loss_fn, batches, opt, start=start, end=end, steps=steps)
