"""``ReduceOnPlateau``: cut the rate when a monitored metric stops improving.

The UCLA ECE 239AS notes anneal the learning rate by hand ("monitor the learning curve and
reduce it when the loss plateaus"); this automates it with the rules of
``torch.optim.lr_scheduler.ReduceLROnPlateau`` (and Keras' callback):

- a metric is an improvement when it beats ``best`` by more than ``threshold``:
  ``rel``: ``m < best (1 - threshold)`` (``mode="min"``) or ``m > best (1 + threshold)``
  (``"max"``); ``abs``: ``m < best - threshold`` or ``m > best + threshold``;
- after more than ``patience`` updates without one, the value becomes
  ``max(value * factor, min_lr)`` (ignored if that changes it by ``eps`` or less),
  then ``cooldown`` updates pass in which bad updates are not counted.

Unlike the other schedules it has state, fed by ``update(metric)``; ``__call__``
returns the current value whatever the step. ``state_dict()`` holds plain
numbers, so it checkpoints with ``torch.save`` and loads with ``weights_only=True``.

Example:
    >>> from trainlab.schedules import ReduceOnPlateau
    >>> s = ReduceOnPlateau(init=0.1, factor=0.5, patience=1)
    >>> [s.update(m) for m in (1.0, 0.9, 0.9, 0.9, 0.9)]
    [0.1, 0.1, 0.1, 0.05, 0.05]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from trainlab.constrained import Constrained
from trainlab.constraints import NONNEGATIVE, Interval, Options

__all__ = ["ReduceOnPlateau"]

_COUNT = Interval(0, None, closed="left", integer=True)
_STATE = ("value", "best", "num_bad", "cooldown_counter", "updates")


@dataclass
class ReduceOnPlateau(Constrained):
    """A value cut by ``factor`` when ``update(metric)`` sees no improvement for ``patience`` updates."""

    init: float
    mode: str = "min"
    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    threshold_mode: str = "rel"
    cooldown: int = 0
    min_lr: float = 0.0
    eps: float = 1e-8

    value: float = field(init=False, repr=False)
    best: float = field(init=False, repr=False)
    num_bad: int = field(init=False, repr=False)
    cooldown_counter: int = field(init=False, repr=False)
    updates: int = field(init=False, repr=False)

    constraints = {
        "init": NONNEGATIVE,
        "mode": Options(("min", "max")),
        "factor": Interval(0, 1, closed="left"),
        "patience": _COUNT,
        "threshold": NONNEGATIVE,
        "threshold_mode": Options(("rel", "abs")),
        "cooldown": _COUNT,
        "min_lr": NONNEGATIVE,
        "eps": NONNEGATIVE,
    }

    def __post_init__(self) -> None:
        self.check_fields()
        self.reset()

    def reset(self) -> None:
        """Back to ``init`` with no history."""
        self.value = float(self.init)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad = self.cooldown_counter = self.updates = 0

    def is_improvement(self, metric: float) -> bool:
        """Whether ``metric`` beats ``best`` by more than ``threshold``."""
        if self.mode == "min":
            bar = (
                self.best * (1.0 - self.threshold)
                if self.threshold_mode == "rel"
                else self.best - self.threshold
            )
            return metric < bar
        bar = (
            self.best * (self.threshold + 1.0) if self.threshold_mode == "rel" else self.best + self.threshold
        )
        return metric > bar

    def update(self, metric: Any) -> float:
        """Feed one value of the monitored metric (e.g. a validation loss); return the new value."""
        current = float(metric)
        self.updates += 1
        if self.is_improvement(current):
            self.best, self.num_bad = current, 0
        else:
            self.num_bad += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad = 0
        if self.num_bad > self.patience:
            reduced = max(self.value * self.factor, self.min_lr)
            if self.value - reduced > self.eps:
                self.value = reduced
            self.cooldown_counter, self.num_bad = self.cooldown, 0
        return self.value

    def __call__(self, step: int | None = None) -> float:
        """The current value (the step is ignored: the metric drives this schedule)."""
        return self.value

    def state_dict(self) -> dict[str, Any]:
        """The state as plain numbers."""
        return {name: getattr(self, name) for name in _STATE}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in _STATE:
            setattr(self, name, state[name])
