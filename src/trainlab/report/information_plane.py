"""Figure of the information plane: each layer's (I(X;T), I(T;Y)) over training, coloured by epoch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colors

from trainlab.report.figures import new_figure, save

__all__ = ["plot_information_plane"]

ESTIMATORS = (("binned", "binning (30 bins)"), ("kde", "KDE upper bound"))


def plot_information_plane(runs: Sequence[Any], path: str | Path, unit: str = "epoch") -> Path:
    """One panel per run (columns) and estimator (rows); a line per layer, its points coloured by epoch."""
    fig, _ = new_figure(len(runs), size=(5.0 * len(runs), 8.2))
    fig.clear()
    axes = fig.subplots(2, len(runs), squeeze=False)
    norm = colors.LogNorm(vmin=min(min(r.epochs) for r in runs) + 1, vmax=max(max(r.epochs) for r in runs) + 1)
    scatter = None
    for col, run in enumerate(runs):
        for row, (key, label) in enumerate(ESTIMATORS):
            ax = axes[row][col]
            epochs = np.asarray(run.epochs) + 1
            for layer, name in enumerate(run.layers):
                points = np.asarray(getattr(run, key)[layer])
                ax.plot(points[:, 0], points[:, 1], color="grey", lw=0.7, alpha=0.6)
                scatter = ax.scatter(points[:, 0], points[:, 1], c=epochs, cmap="viridis", norm=norm, s=14,
                                     zorder=3)
                ax.annotate(name.split(" (")[0].replace("layer ", "L"), points[-1], fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
            ax.set_xlabel("I(X;T) (bits)")
            ax.set_ylabel("I(T;Y) (bits)")
            ax.set_title(f"{run.activation}, {label}", fontsize=10)
    fig.colorbar(scatter, ax=axes, shrink=0.6, label=f"{unit} + 1")
    return save(fig, path)
