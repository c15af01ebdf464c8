"""The loss figure of a run: batch and epoch losses, accuracy, and a changing learning rate, against steps.

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

from typing import TYPE_CHECKING

from trainlab.train.callbacks.base import Callback
from trainlab.train.history import History

if TYPE_CHECKING:  # pragma: no cover - matplotlib is imported when a figure is drawn, not with the callback
    from matplotlib.figure import Figure

__all__ = ["LossFigure", "history_figure", "plot_history"]


def _finite(values: list[float]) -> list[float]:
    """Non-finite values as NaN: matplotlib leaves a gap instead of stretching the axis to inf."""
    return [v if math.isfinite(v) else math.nan for v in values]


def _rate_changes(rates: list[float]) -> bool:
    finite = {v for v in rates if math.isfinite(v)}
    return len(finite) > 1


def _first_non_finite(history: History) -> float | None:
    """The step at which the loss first stopped being finite (a diverged run), or None."""
    for step, loss in zip(history["step"], history["loss"]):
        if not math.isfinite(loss):
            return step
    for row in history.epochs:
        if any(not math.isfinite(v) for k, v in row.items() if k.endswith("_loss")):
            return row["step"]
    return None


def _loss_panel(ax, history: History, title: str, diverged_at: float | None) -> None:
    steps = history["step"]
    epoch_steps = [row["step"] for row in history.epochs]
    faint = len(epoch_steps) > 1  # the batch loss is the background of the epoch curves, or the only curve
    ax.plot(steps, _finite(history["loss"]), lw=0.6 if faint else 1.2, alpha=0.4 if faint else 1.0,
            color="tab:gray", marker=None if len(steps) > 60 else ".", label="batch loss")
    values = [v for v in history["loss"] if math.isfinite(v)]
    for key, color in (("train_loss", "tab:blue"), ("val_loss", "tab:orange")):
        if key in history.columns():
            ax.plot(epoch_steps, _finite(history[key]), marker="." if len(epoch_steps) < 60 else None,
                    color=color, label=key.replace("_", " "))
            values += [v for v in history[key] if math.isfinite(v)]
    if values and min(values) > 0:
        ax.set_yscale("log")
    if diverged_at is not None:
        ax.axvline(diverged_at, color="tab:red", ls="--", lw=1, label=f"not finite from step {diverged_at:g}")
        if values:  # the axis spans the finite losses up to divergence, however large
            low, high = min(values), max(values)
            if ax.get_yscale() == "log":
                ax.set_ylim(low / 3, high * 10)
            else:
                pad = 0.05 * (high - low) or 1.0
                ax.set_ylim(low - pad, high + pad)
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.legend(loc="best", fontsize=8)


def _accuracy_panel(ax, history: History) -> None:
    epoch_steps = [row["step"] for row in history.epochs]
    for key, color in (("train_accuracy", "tab:blue"), ("val_accuracy", "tab:orange")):
        if key in history.columns():
            ax.plot(epoch_steps, _finite(history[key]), marker="." if len(epoch_steps) < 60 else None,
                    color=color, label=key.replace("_", " "))
    ax.set(xlabel="step", ylabel="accuracy", title="accuracy", ylim=(-0.02, 1.02))
    ax.legend(loc="lower right", fontsize=8)


def plot_history(history: History, path: str | os.PathLike[str], title: str = "") -> None:
    """Save ``history_figure(history, title)`` as a PNG at ``path``."""
    from trainlab.report.figures import save

    save(history_figure(history, title), path)


def history_figure(history: History, title: str = "") -> Figure:
    """The run's figure: the losses (log scale when positive), then the panels that say something.

    An accuracy panel when the history has accuracy (classification); a
    learning-rate panel only when the rate changed (a constant rate is named in
    the loss panel's title instead). A run whose loss stopped being finite shows
    its losses up to that step, with a dashed line where it diverged.
    """
    rates = history["lr"]
    accuracy = any(k.endswith("accuracy") for k in history.columns())
    changes = _rate_changes(rates)
    from trainlab.report.figures import new_figure

    fig, axes = new_figure(1 + accuracy + changes, panel=(5.0, 4.0))
    finite_rates = [v for v in rates if math.isfinite(v)]
    heading = title or "loss"
    if finite_rates and not changes:
        heading += f"\nlearning rate {finite_rates[0]:g} (constant)"
    diverged_at = _first_non_finite(history)
    _loss_panel(axes[0], history, heading, diverged_at)
    if accuracy:
        _accuracy_panel(axes[1], history)
    if changes:
        ax_lr = axes[-1]
        ax_lr.plot(history["step"], _finite(rates), color="tab:green")
        ax_lr.set(xlabel="step", ylabel="learning rate", title="learning rate")
    if history.stop_reason:
        fig.suptitle(f"stopped: {history.stop_reason}", fontsize=9)
    return fig


class LossFigure(Callback):
    """Draw ``plot_history(trainer.history, path, title)`` when a fit ends."""

    order = 95  # after the callbacks that change the History

    def __init__(self, path: str | os.PathLike[str], title: str = "") -> None:
        self.path, self.title = os.fspath(path), title

    def on_fit_end(self, trainer) -> None:
        plot_history(trainer.history, self.path, title=self.title)
