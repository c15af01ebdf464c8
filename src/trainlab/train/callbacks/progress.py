"""``ProgressBar``: a rich progress bar on a terminal, a line per few epochs in a log.

On an interactive terminal it shows one bar over all steps of the run with the
epoch, the latest batch loss and the latest validation loss. When the output is
a file or a pipe (CI, ``nohup``) it prints ``epoch 10/100  step 120  train_loss
... val_loss ...`` about ``lines`` times per run instead, so logs stay short.

Example:
    >>> bar = ProgressBar()
"""

from __future__ import annotations

import math

from typing import TYPE_CHECKING

from trainlab.constraints import POSITIVE_INT, check
from trainlab.train.callbacks.base import Callback, Logs

if TYPE_CHECKING:  # pragma: no cover - rich is imported when a bar is made, not with trainlab.train
    from rich.console import Console
    from rich.progress import Progress

__all__ = ["ProgressBar"]


def _fmt(logs: Logs, key: str) -> str:
    v = logs.get(key)
    return "" if v is None else f"  {key} {v:.4g}"


class ProgressBar(Callback):
    """Show training progress on ``console`` (default: standard output)."""

    def __init__(self, console: Console | None = None, lines: int = 10) -> None:
        check("ProgressBar", "lines", lines, POSITIVE_INT)
        if console is None:
            from rich.console import Console

            console = Console()
        self.console = console
        self.lines = lines
        self._progress: Progress | None = None
        self._task = None
        self._val = ""

    def on_fit_start(self, trainer) -> None:
        if not self.console.is_terminal:
            start = f" (resumed at epoch {trainer.epoch}, step {trainer.global_step})" if trainer.started else ""
            self.console.print(f"training {trainer.epochs} epochs{start}")
            return
        n = len(trainer.train_data.x)
        per_epoch = 1 if trainer.batch_size is None else math.ceil(n / trainer.batch_size)
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self._progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
        )
        self._progress.start()
        self._task = self._progress.add_task("train", total=per_epoch * trainer.epochs,
                                             completed=trainer.global_step, epoch=trainer.epoch + 1, info="")

    def on_step_end(self, trainer, logs: Logs) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=trainer.global_step, epoch=min(trainer.epoch + 1,
                                  trainer.epochs), info=f"loss {logs['loss']:.4g}{self._val}")

    def on_epoch_end(self, trainer, logs: Logs) -> None:
        self._val = _fmt(logs, "val_loss")
        if self._progress is None:
            every = max(1, trainer.epochs // self.lines)
            if logs["epoch"] % every == 0 or logs["epoch"] == trainer.epochs:
                self.console.print(f"epoch {logs['epoch']}/{trainer.epochs}  step {logs['step']}"
                                   f"{_fmt(logs, 'train_loss')}{_fmt(logs, 'val_loss')}")

    def on_fit_end(self, trainer) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self.console.print(f"stopped: {trainer.history.stop_reason} - {trainer.history.message}")
