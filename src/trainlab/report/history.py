"""The loss figure of a run: batch and epoch losses, and the learning rate, against steps.

``plot_history`` draws a ``History``; ``LossFigure`` is the Trainer callback that
draws it when a fit ends (the ``loss.png`` of a run folder).

Drawn with ``trainlab.report.figures`` (Agg canvas, atomic write), so it works
headless whatever ``MPLBACKEND`` says.

Example:
    >>> import os, tempfile
    >>> from trainlab.train.history import History
    >>> h = History()
    >>> h.add_step(step=1, epoch=0, loss=1.0, lr=0.1, grad_norm=2.0, time=0.01)
    >>> h.add_epoch({"epoch": 1, "step": 1, "train_loss": 0.9, "val_loss": 1.1})
    >>> path = os.path.join(tempfile.mkdtemp(), "loss.png")
    >>> plot_history(h, path); os.path.getsize(path) > 1000
    True
"""

from __future__ import annotations

import math
import os

from trainlab.report.figures import new_figure, save
from trainlab.train.callbacks.base import Callback
from trainlab.train.history import History

__all__ = ["LossFigure", "plot_history"]


def plot_history(history: History, path: str | os.PathLike[str], title: str = "") -> None:
    """Save a two-panel PNG: losses (log scale when positive) and learning rate, per step."""
    fig, (ax_loss, ax_lr) = new_figure(2, panel=(5.0, 4.0))
    steps = history["step"]
    ax_loss.plot(steps, history["loss"], lw=0.6, alpha=0.4, color="tab:gray", label="batch loss")
    epoch_steps = [row["step"] for row in history.epochs]
    values = [v for v in history["loss"] if math.isfinite(v)]
    for key, color in (("train_loss", "tab:blue"), ("val_loss", "tab:orange")):
        if key in history.columns():
            ax_loss.plot(epoch_steps, history[key], marker="." if len(epoch_steps) < 60 else None,
                         color=color, label=key.replace("_", " "))
            values += [v for v in history[key] if math.isfinite(v)]
    if values and min(values) > 0:
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="step", ylabel="loss", title=title or "loss")
    ax_loss.legend(loc="best", fontsize=8)
    ax_lr.plot(steps, history["lr"], color="tab:green")
    ax_lr.set(xlabel="step", ylabel="learning rate", title="learning rate")
    if history.stop_reason:
        fig.suptitle(f"stopped: {history.stop_reason}", fontsize=9)
    save(fig, path)


class LossFigure(Callback):
    """Draw ``plot_history(trainer.history, path, title)`` when a fit ends."""

    order = 95  # after the callbacks that change the History

    def __init__(self, path: str | os.PathLike[str], title: str = "") -> None:
        self.path, self.title = os.fspath(path), title

    def on_fit_end(self, trainer) -> None:
        plot_history(trainer.history, self.path, title=self.title)
