"""``HistoryLogger``: keep the run's History on disk as CSV or JSON while it trains.

After every epoch (and at the start and end of the fit) the file is rewritten
atomically from the History, so it always matches the run: a run killed
mid-epoch leaves a complete file, and a resumed run rewrites it from the
checkpoint's History (dropping rows of the lost epochs). ``.csv`` files hold the
epoch rows (``steps=True``: the step rows); ``.json`` files hold everything.

Example:
    >>> log = HistoryLogger("runs/demo/history.csv")
"""

from __future__ import annotations

import os

from trainlab.constraints import BOOL, check, fail
from trainlab.train.callbacks.base import Callback, Logs

__all__ = ["HistoryLogger"]


class HistoryLogger(Callback):
    """Write ``trainer.history`` to ``path`` (format from the suffix: ``.csv`` or ``.json``)."""

    order = 90  # before Checkpoint, after the callbacks that change the History

    def __init__(self, path: str | os.PathLike[str], steps: bool = False) -> None:
        self.path = os.fspath(path)
        self.format = os.path.splitext(self.path)[1].lower().lstrip(".")
        if self.format not in ("csv", "json"):
            fail("HistoryLogger", "path", "a file name ending in .csv or .json", self.path)
        check("HistoryLogger", "steps", steps, BOOL)
        self.steps = steps

    def write(self, trainer) -> None:
        if self.format == "csv":
            trainer.history.to_csv(self.path, steps=self.steps)
        else:
            trainer.history.to_json(self.path)

    def on_fit_start(self, trainer) -> None:
        self.write(trainer)

    def on_epoch_end(self, trainer, logs: Logs) -> None:
        self.write(trainer)

    def on_fit_end(self, trainer) -> None:
        self.write(trainer)
