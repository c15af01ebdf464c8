"""``NaNGuard``: survive a non-finite step instead of losing the run.

The rule, each step:

1. after back-propagation, if the loss or any gradient is NaN or infinite, drop
   the gradients (``p.grad = None``) so the optimizer skips the update;
2. after the step, if any parameter is not finite (a finite gradient can still
   overflow, or a line search can wander), restore the last good parameters
   and optimizer state, kept from the end of the previous good step;
3. on a bad step multiply every group's learning rate (and ``trainer.lr_scale``,
   which ``ScheduleCallback`` honours) by ``factor``; after ``patience`` bad steps in a
   row stop the run (``stop_reason="non_finite"``) with the last good state in
   the model.

Example:
    >>> guard = NaNGuard(factor=0.5, patience=5)
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch

from trainlab.constraints import POSITIVE_INT, Interval, check
from trainlab.train.callbacks.base import Callback, Logs

__all__ = ["NaNGuard"]


def _all_finite(tensors) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors)


def _snapshot(obj: Any, into: Any = None) -> Any:
    """A copy of nested dicts/lists of tensors, reusing ``into``'s buffers where shapes match."""
    if isinstance(obj, torch.Tensor):
        if isinstance(into, torch.Tensor) and into.shape == obj.shape and into.dtype == obj.dtype:
            return into.copy_(obj)
        return obj.detach().clone()
    if isinstance(obj, dict):
        into = into if isinstance(into, dict) else {}
        return {k: _snapshot(v, into.get(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        into = into if isinstance(into, (list, tuple)) and len(into) == len(obj) else [None] * len(obj)
        return type(obj)(_snapshot(v, i) for v, i in zip(obj, into, strict=True))
    return copy.deepcopy(obj)


class NaNGuard(Callback):
    """Skip non-finite steps, lower the rate by ``factor``, stop after ``patience`` in a row."""

    order = -10  # look at raw gradients before clipping

    def __init__(self, factor: float = 0.5, patience: int = 5) -> None:
        check("NaNGuard", "factor", factor, Interval(0, 1, closed="right"))
        check("NaNGuard", "patience", patience, POSITIVE_INT)
        self.factor, self.patience = factor, patience
        self.bad_in_row = 0
        self.skipped = 0
        self._good: dict[str, Any] | None = None

    def _remember(self, trainer) -> None:
        state = {"model": trainer.model.state_dict(), "optimizer": trainer.optimizer.state_dict()}
        self._good = _snapshot(state, self._good)

    def on_fit_start(self, trainer) -> None:
        self._remember(trainer)

    def on_after_backward(self, trainer, loss: torch.Tensor) -> None:
        grads = [p.grad for p in trainer.model.parameters() if p.grad is not None]
        if math.isfinite(float(loss.detach())) and _all_finite(grads):
            return
        trainer.skip_step = True
        for p in trainer.model.parameters():
            p.grad = None

    def on_step_end(self, trainer, logs: Logs) -> None:
        params_ok = _all_finite(trainer.model.parameters())
        if params_ok and not trainer.skip_step:
            self.bad_in_row = 0
            self._remember(trainer)
            return
        trainer.skip_step = True  # the Trainer reports a guarded step, not a divergence
        lrs = [group.get("lr") for group in getattr(trainer.optimizer, "param_groups", [])]
        if not params_ok:
            trainer.model.load_state_dict(self._good["model"])
            trainer.optimizer.load_state_dict(_snapshot(self._good["optimizer"]))
        self.bad_in_row += 1
        self.skipped += 1
        trainer.lr_scale *= self.factor
        for group, lr in zip(getattr(trainer.optimizer, "param_groups", []), lrs, strict=True):
            if lr is not None:
                group["lr"] = lr * self.factor
        if self.bad_in_row >= self.patience:
            trainer.stop("non_finite", f"{self.bad_in_row} non-finite steps in a row (last at step "
                         f"{trainer.global_step}); the model holds the last good state; "
                         f"{trainer.divergence_advice()}.")

    def state_dict(self) -> dict[str, Any]:
        return {"bad_in_row": self.bad_in_row, "skipped": self.skipped}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.bad_in_row, self.skipped = int(state["bad_in_row"]), int(state["skipped"])
