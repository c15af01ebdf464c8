"""``TensorBoardLogger``: the run's losses, learning rate and metrics as TensorBoard scalars.

Writes with ``torch.utils.tensorboard.SummaryWriter`` (needs the ``tensorboard``
package: the optional extra ``pip install 'trainlab[tensorboard]'``). Per step:
``step/loss``, ``step/lr``, ``step/grad_norm``; per epoch every number of the
epoch row (``epoch/train_loss``, ``epoch/val_loss``, ``epoch/val_accuracy``...),
at the global step. View with ``tensorboard --logdir DIR``.

Example (nothing is written before the fit starts):
    >>> import tempfile
    >>> logger = TensorBoardLogger(tempfile.mkdtemp())  # Trainer(..., callbacks=[logger])
    >>> logger.writer is None
    True
"""

from __future__ import annotations

import math
import os

from trainlab.train.callbacks.base import Callback, Logs

__all__ = ["MissingExtra", "TensorBoardLogger"]

_STEP_KEYS = ("loss", "lr", "grad_norm")


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""

    def __init__(self, what: str, extra: str, package: str) -> None:
        self.extra = extra
        super().__init__(f"{what} needs the '{package}' package, which is not installed; install the extra with  "
                         f"pip install 'trainlab[{extra}]'")


def _summary_writer():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise MissingExtra("TensorBoard logging", "tensorboard", "tensorboard") from None
    return SummaryWriter


class TensorBoardLogger(Callback):
    """Log scalars of the run to the TensorBoard folder ``log_dir``."""

    order = 92  # after the callbacks that change the History, before Checkpoint

    def __init__(self, log_dir: str | os.PathLike[str]) -> None:
        self.log_dir = os.fspath(log_dir)
        self._writer_class = _summary_writer()  # fails here, before training, when the extra is missing
        self.writer = None

    def on_fit_start(self, trainer) -> None:
        # purge_step drops events after the resumed step, so a resumed run's curves do not fold back
        self.writer = self._writer_class(self.log_dir, purge_step=trainer.global_step or None)

    def _scalar(self, tag: str, value: object, step: int) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            self.writer.add_scalar(tag, float(value), step)

    def on_step_end(self, trainer, logs: Logs) -> None:
        for key in _STEP_KEYS:
            self._scalar(f"step/{key}", logs.get(key), trainer.global_step)

    def on_epoch_end(self, trainer, logs: Logs) -> None:
        for key, value in logs.items():
            if key not in ("epoch", "step"):
                self._scalar(f"epoch/{key}", value, trainer.global_step)
        self.writer.flush()

    def on_fit_end(self, trainer) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
