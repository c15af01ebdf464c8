"""``Checkpoint``: save the whole run every N steps, at the best epoch, and at the end.

Files in ``directory``: ``step-00000050.pt`` every ``every`` steps (the newest
``keep_last`` are kept), ``best.pt`` whenever ``monitor`` improves (with
``save_best=True``), and the step checkpoint of the final step when the fit ends
(marked finished, so resuming it does nothing). Each file is the Trainer's
``state_dict()`` written atomically (``trainlab.train.checkpoint``), so a run
killed at any moment resumes from its newest file exactly.

This callback runs after every other one (``order = 100``): the state it saves
already includes what the others did in the same hook.

Example:
    >>> ckpt = Checkpoint("runs/demo/checkpoints", every=50, save_best=True, keep_last=3)
"""

from __future__ import annotations

import os
from typing import Any

from trainlab.constraints import BOOL, POSITIVE_INT, Optional, check
from trainlab.atomic import remove_stale_temporaries
from trainlab.train.callbacks.base import Logs, MonitorCallback
from trainlab.train.checkpoint import checkpoint_path, list_checkpoints, save_checkpoint

__all__ = ["Checkpoint"]

_OPTIONAL_INT = Optional(POSITIVE_INT)


class Checkpoint(MonitorCallback):
    """Write checkpoints to ``directory`` every ``every`` steps, on improvement, and at the end."""

    order = 100

    def __init__(
        self,
        directory: str | os.PathLike[str],
        every: int | None = None,
        save_best: bool = False,
        monitor: str = "val_loss",
        mode: str = "min",
        min_delta: float = 0.0,
        keep_last: int | None = None,
        save_last: bool = True,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        check("Checkpoint", "every", every, _OPTIONAL_INT)
        check("Checkpoint", "keep_last", keep_last, _OPTIONAL_INT)
        check("Checkpoint", "save_best", save_best, BOOL)
        check("Checkpoint", "save_last", save_last, BOOL)
        self.directory = os.fspath(directory)
        self.every, self.save_best, self.keep_last, self.save_last = every, save_best, keep_last, save_last
        self.saved: list[str] = []  # paths written in this session, oldest first

    @property
    def best_path(self) -> str:
        return os.path.join(self.directory, "best.pt")

    def save(self, trainer, path: str) -> None:
        """Write ``trainer.state_dict()`` to ``path`` atomically."""
        save_checkpoint(path, trainer.state_dict())
        self.saved.append(path)

    def _save_step(self, trainer) -> None:
        self.save(trainer, checkpoint_path(self.directory, trainer.global_step))
        if self.keep_last is not None:
            for _, old in list_checkpoints(self.directory)[: -self.keep_last]:
                os.remove(old)

    def on_fit_start(self, trainer) -> None:
        if self.save_best:
            super().on_fit_start(trainer)
        os.makedirs(self.directory, exist_ok=True)
        remove_stale_temporaries(self.directory)

    def on_step_end(self, trainer, logs: Logs) -> None:
        if self.every is not None and trainer.global_step % self.every == 0:
            self._save_step(trainer)

    def on_epoch_end(self, trainer, logs: Logs) -> None:
        if self.save_best and self.improved(self.value(logs)):
            self.save(trainer, self.best_path)

    def on_fit_end(self, trainer) -> None:
        if self.save_last:
            self._save_step(trainer)

    def state_dict(self) -> dict[str, Any]:
        return super().state_dict() if self.save_best else {}
