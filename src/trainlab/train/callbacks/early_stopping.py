"""``EarlyStopping``: stop when a monitored metric stops improving; keep the best model.

The rule (the UCLA ECE 239AS notes, "stopping early"; the SUTD 50.039 notes): after each epoch compare
``logs[monitor]`` with the best value so far. An improvement by more than
``min_delta`` resets the wait counter (and, with ``restore_best_weights``, keeps
a copy of the weights); otherwise the counter grows, and when it reaches
``patience`` the run stops (``stop_reason="early_stopping"``). At the end of the
fit, ``restore_best_weights`` puts the best weights back into the model.

Example:
    >>> stopper = EarlyStopping(monitor="val_loss", patience=10, min_delta=1e-4)
"""

from __future__ import annotations

from typing import Any

import torch

from trainlab.constraints import BOOL, POSITIVE_INT, check
from trainlab.train.callbacks.base import Logs, MonitorCallback

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stop after ``patience`` epochs without an improvement of ``monitor``."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        check("EarlyStopping", "patience", patience, POSITIVE_INT)
        check("EarlyStopping", "restore_best_weights", restore_best_weights, BOOL)
        self.patience, self.restore_best_weights = patience, restore_best_weights
        self.wait = 0
        self.best_epoch = 0
        self.best_weights: dict[str, torch.Tensor] | None = None

    def on_epoch_end(self, trainer, logs: Logs) -> None:
        if self.improved(self.value(logs)):
            self.wait, self.best_epoch = 0, int(logs["epoch"])
            if self.restore_best_weights:
                self.best_weights = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            trainer.stop("early_stopping", f"{self.monitor} did not improve by more than {self.min_delta:g} for "
                         f"{self.patience} epochs; best {self.best:.6g} at epoch {self.best_epoch}")

    def on_fit_end(self, trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "wait": self.wait, "best_epoch": self.best_epoch,
                "best_weights": self.best_weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.wait, self.best_epoch = int(state["wait"]), int(state["best_epoch"])
        self.best_weights = state["best_weights"]
