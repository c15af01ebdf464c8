"""The figure of the hybrid comparison (``trainlab.experiments.hybrid``): curves, spread over seeds, fits.

Three panels: the training MSE against gradient evaluations (median over seeds,
shaded between the lowest and highest seed); the test MSE of every seed per method
(dots, the median as a bar); and each method's fit at seed 0 beside the target.

Example:
    >>> import tempfile
    >>> from trainlab.experiments.hybrid import hybrid_study
    >>> study = hybrid_study("J1", ["adam", "lsgd"], seeds=2, steps=5)
    >>> plot_hybrid(study, tempfile.mkdtemp() + "/j1.png").name
    'j1.png'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from trainlab.report.figures import new_figure, save

__all__ = ["plot_hybrid"]


def _band(runs: list[Any], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each seed's loss on ``grid`` (last value held), then median, min and max across seeds."""
    curves = np.stack([np.interp(grid, r.evaluations, r.losses) for r in runs])
    return np.median(curves, 0), curves.min(0), curves.max(0)


def plot_hybrid(study: Any, path: str | Path) -> Path:
    """Write the three-panel figure of ``study`` (``trainlab.experiments.hybrid.Study``: ``task``, ``params``,
    ``runs`` per method, ``labels``) to ``path``."""
    fig, (ax_loss, ax_test, ax_fit) = new_figure(3, size=(16.0, 4.6))
    task, seeds = study.task, len(next(iter(study.runs.values())))
    x, y, x_test, y_test = study.task.data(0)
    if task.test_seed_offset:  # noisy test points (fresh noise): dots, a line through them would be a scribble
        ax_fit.scatter(x_test, y_test, s=2, color="0.6", label="test points")
    else:
        ax_fit.plot(x_test, y_test, color="black", lw=0.8, label="test points")
    ax_fit.scatter(x, y, s=6, color="black", zorder=3, label="training points")
    for i, (method, runs) in enumerate(study.runs.items()):
        label, color = study.labels[method], f"C{i}"
        grid = np.arange(1, study.params["steps"] + 1)
        median, low, high = _band(runs, grid)
        ax_loss.plot(grid, median, color=color, label=label)
        ax_loss.fill_between(grid, low, high, color=color, alpha=0.2)
        tests = [r.test_mse for r in runs]
        ax_test.scatter([i] * len(tests), tests, color=color, s=18, zorder=3)
        ax_test.hlines(np.median(tests), i - 0.3, i + 0.3, color=color, lw=2)
        with torch.no_grad():
            ax_fit.plot(x_test, runs[0].net(x_test), color=color, lw=1.2, label=label)
    ax_loss.set(xscale="log", yscale="log", xlabel="gradient evaluations", ylabel="training MSE",
                title=f"{task.name}: median over {seeds} seeds, band min-max")
    ax_loss.legend(fontsize=8)
    ax_test.set(yscale="log", ylabel="test MSE", title="test MSE per seed (bar: median)",
                xticks=range(len(study.runs)), xticklabels=list(study.labels.values()))
    ax_test.tick_params(axis="x", labelsize=8, rotation=15)
    ax_fit.set(xlabel="x", ylabel="y", title="fits at seed 0")
    ax_fit.legend(fontsize=7)
    for ax in (ax_loss, ax_test, ax_fit):
        ax.grid(True, alpha=0.3)
    return save(fig, path)
