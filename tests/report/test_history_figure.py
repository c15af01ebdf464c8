"""The run figure: accuracy for classification, a rate panel only when the rate changes, divergence shown."""

from __future__ import annotations

import math

import numpy as np

from trainlab.report.history import history_figure, plot_history
from trainlab.train.history import History


def history(losses, rates, accuracy=False, per_epoch=2):
    h = History()
    for i, (loss, lr) in enumerate(zip(losses, rates), start=1):
        h.add_step(step=i, epoch=(i - 1) // per_epoch, loss=loss, lr=lr, grad_norm=1.0, time=0.01 * i)
        if i % per_epoch == 0:
            row = {"epoch": i // per_epoch, "step": i, "train_loss": loss, "val_loss": loss * 1.1}
            if accuracy:
                row.update(train_accuracy=0.5, val_accuracy=0.4)
            h.add_epoch(row)
    return h


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_a_constant_rate_gets_no_panel_but_is_named():
    fig = history_figure(history([1.0, 0.8, 0.6, 0.5], [0.01] * 4), title="run")
    assert len(fig.axes) == 1 and "learning rate 0.01 (constant)" in titles(fig)[0]


def test_a_changing_rate_and_accuracy_get_their_panels():
    fig = history_figure(history([1.0, 0.8, 0.6, 0.5], [0.1, 0.05, 0.02, 0.01], accuracy=True))
    assert titles(fig) == ["loss", "accuracy", "learning rate"]
    acc = fig.axes[1]
    assert [line.get_label() for line in acc.get_lines()] == ["train accuracy", "val accuracy"]


def test_a_diverged_run_shows_its_loss_up_to_divergence():
    losses = [1.0, 400.0, 1.5e11, 8.6e36, math.inf, math.nan]
    fig = history_figure(history(losses, [3.0] * 6, per_epoch=10))
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert np.isfinite([low, high]).all() and low <= 1.0 and high >= 8.6e36
    batch = ax.get_lines()[0]
    assert list(np.asarray(batch.get_ydata())[:4]) == losses[:4]
    assert any("not finite from step 5" in line.get_label() for line in ax.get_lines())


def test_plot_history_writes_a_png(tmp_path):
    path = tmp_path / "loss.png"
    plot_history(history([1.0, 0.5], [0.1, 0.1]), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
