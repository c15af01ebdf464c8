"""``lr_range_test``: the learning-rate range test's loop (Smith 2017; Brown/NVIDIA lecture notes).

The Brown/NVIDIA "Training and Optimization" lecture notes ("Learning Rate
Scheduling"): "train the model for a few hundred iterations, exponentially
increasing the learning rate from a very small value to a very large value, then
look at the learning curve and pick a learning rate slightly lower than the one at
which the learning curve starts shooting back up; then reinitialize the model".

``lr_range_test`` does exactly that and puts everything back:

1. the rate of every param group follows ``Exponential(start, gamma)`` from
   ``start`` to ``end`` over ``steps`` steps; step ``i`` is paired with the loss
   measured right after it (on the next batch);
2. it stops early once the loss diverges: a non-finite loss, or a running
   average (an exponential moving average of factor ``STOP_SMOOTHING``, or
   ``smoothing`` if given) above ``diverge`` times its lowest value;
3. the model's parameters and buffers, its train/eval mode, the gradients, the
   optimizer's state and hyperparameters, and torch's CPU random state are
   restored exactly as they were.

The curve is then read by ``trainlab.schedules.range_test.read_curve`` (the
smoothing and the suggestion rules, and why the suggestion sits far below the
rise); ``trainlab.report.schedules.plot_range_test`` draws it.

Example:
    >>> import torch
    >>> from trainlab.train import lr_range_test
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> X = torch.randn(256, 5); y = X @ torch.randn(5, 1)
    >>> model = torch.nn.Linear(5, 1)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.01)
    >>> result = lr_range_test(model, torch.nn.functional.mse_loss, (X, y), opt, start=1e-5, end=10.0)
    >>> 1e-3 < result.suggestion < 1.0, opt.param_groups[0]["lr"]
    (True, 0.01)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE, Interval, Optional, check, fail
from trainlab.schedules.basic import Exponential
from trainlab.schedules.range_test import STOP_SMOOTHING, RangeTest, read_curve

__all__ = ["lr_range_test"]

_OWNER = "lr_range_test"


class _Snapshot:
    """Everything the test changes, copied bit for bit, and put back."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self.model, self.optimizer = model, optimizer
        self.weights = copy.deepcopy(model.state_dict())
        self.modes = [m.training for m in model.modules()]
        self.grads = [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]
        self.opt_state = copy.deepcopy(optimizer.state_dict())
        self.rng = torch.get_rng_state()

    def restore(self) -> None:
        self.model.load_state_dict(self.weights)
        for m, mode in zip(self.model.modules(), self.modes, strict=True):
            m.training = mode
        for p, g in zip(self.model.parameters(), self.grads, strict=True):
            p.grad = g
        self.optimizer.load_state_dict(self.opt_state)
        torch.set_rng_state(self.rng)


def _batches(data: Any) -> Iterator[tuple[Tensor, Tensor]]:
    """``(x, y)`` forever: the same full batch, or the batches of an iterable, cycled."""
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(d, Tensor) for d in data):
        while True:
            yield data[0], data[1]
    if not isinstance(data, Iterable):
        fail(_OWNER, "data", "a pair (x, y) of tensors or an iterable of (x, y) batches", type(data).__name__)
    while True:
        empty = True
        for x, y in data:
            empty = False
            yield x, y
        if empty:
            fail(_OWNER, "data", "an iterable with at least one batch", "an empty iterable")


def lr_range_test(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    data: Any,
    optimizer: torch.optim.Optimizer,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    smoothing: float | None = None,
    diverge: float = 4.0,
) -> RangeTest:
    """Run the range test on ``model`` (restored afterwards) and suggest a learning rate.

    ``data`` is a pair ``(x, y)`` (full batch every step) or an iterable of
    ``(x, y)`` batches, cycled (e.g. a ``DataLoader``); ``loss_fn(model(x), y)`` is
    minimized with ``optimizer``, whose rate in every param group is set to the ramp.
    """
    check(_OWNER, "start", start, POSITIVE)
    check(_OWNER, "end", end, POSITIVE)
    if end <= start:
        fail(_OWNER, "end", f"greater than start ({start!r})", end)
    check(_OWNER, "steps", steps, Interval(5, None, closed="left", integer=True))
    check(_OWNER, "smoothing", smoothing, Optional(Interval(0, 1, closed="left")))
    check(_OWNER, "diverge", diverge, Interval(1, None, closed="neither"))
    ramp = Exponential(start, gamma=(end / start) ** (1 / (steps - 1)))
    batches = _batches(data)
    snapshot = _Snapshot(model, optimizer)
    lrs: list[float] = []
    losses: list[float] = []
    diverged = False
    try:
        model.train()
        avg, best = 0.0, math.inf
        beta = STOP_SMOOTHING if smoothing is None else smoothing
        for i in range(steps + 1):
            x, y = next(batches)
            optimizer.zero_grad()
            with torch.set_grad_enabled(i < steps):
                loss = loss_fn(model(x), y)
            if i > 0:  # the loss after step i - 1
                value = float(loss.detach())
                losses.append(value)
                avg = beta * avg + (1 - beta) * value
                running = avg / (1 - beta**i)
                best = min(best, running)
                if not math.isfinite(value) or running > diverge * best:
                    diverged = True
                    break
            if i == steps:
                break
            lr = ramp(i)
            for group in optimizer.param_groups:
                group["lr"] = lr
            lrs.append(lr)
            loss.backward()
            optimizer.step()
    finally:
        snapshot.restore()
    return read_curve(np.array(lrs[: len(losses)]), np.array(losses), smoothing, diverge, diverged)
