"""Figures of loss landscapes: the loss along a line, and a contour of a 2-D slice with the training path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colors

from trainlab.report.figures import new_figure, save

__all__ = ["plot_line", "plot_plane"]


def plot_line(result: Any, path: str | Path, title: str = "") -> Path:
    """Training (and validation) loss against the interpolation coefficient (Goodfellow et al. 2015's plot)."""
    fig, (ax,) = new_figure()
    ax.plot(result.alphas, result.train, color="tab:blue", marker=".", label="training loss")
    if result.validation is not None:
        ax.plot(result.alphas, result.validation, color="tab:orange", marker=".", label="validation loss")
    for a, name in ((0.0, "start"), (1.0, "end")):
        if result.alphas[0] <= a <= result.alphas[-1]:
            ax.axvline(a, color="grey", lw=0.8, ls=":")
            ax.annotate(f" {name}", (a, 0.98), xycoords=("data", "axes fraction"), ha="left", va="top", fontsize=8)
    values = np.asarray(result.train + (result.validation or []), dtype=float)
    if values.min() > 0 and values.max() / values.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("alpha  (theta = (1 - alpha) theta_start + alpha theta_end)")
    ax.set_ylabel("loss")
    ax.set_title(title or f"loss along the line (batch norm: {result.batch_norm}; barrier {result.barrier:.3g})",
                 fontsize=10)
    ax.legend(fontsize=8)
    return save(fig, path)


def plot_plane(result: Any, path: str | Path, title: str = "") -> Path:
    """Filled contour of the slice (log-spaced levels), the centre, and the projected path if any."""
    fig, (ax,) = new_figure(size=(6.0, 5.0))
    loss = np.asarray(result.loss, dtype=float)
    a, b = np.meshgrid(result.alphas, result.betas)
    positive = loss[np.isfinite(loss) & (loss > 0)]
    if positive.size and positive.max() / positive.min() > 10:
        levels = np.geomspace(positive.min(), positive.max(), 25)
        filled = ax.contourf(a, b, loss, levels=levels, norm=colors.LogNorm(), cmap="viridis")
        ticks = np.geomspace(positive.min(), positive.max(), 6)
    else:
        filled = ax.contourf(a, b, loss, levels=25, cmap="viridis")
        ticks = None
    ax.contour(a, b, loss, levels=filled.levels[::3], colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="loss", ticks=ticks, format="%.3g")
    ax.plot([0], [0], marker="*", color="red", markersize=12, label="centre", ls="none")
    if result.path is not None:
        route = np.asarray(result.path)
        on_plane = result.kind == "pca"  # other directions: a least-squares shadow of a path mostly off the plane
        ax.plot(route[:, 0], route[:, 1], color="white", lw=1.5, marker="o", markersize=3,
                label="training path" if on_plane else "training path (projected; mostly off this plane)")
        ax.plot(route[0, 0], route[0, 1], marker="s", color="orange", ls="none", label="first snapshot")
    labels = {"pca": ("PCA direction 1", "PCA direction 2"), "hessian": ("top Hessian eigenvector",
                                                                         "second Hessian eigenvector")}
    x_label, y_label = labels.get(result.kind, ("filter-normalized direction 1", "filter-normalized direction 2"))
    if result.explained_variance_ratio:
        x_label += f" ({result.explained_variance_ratio[0]:.0%} of variance)"
        y_label += f" ({result.explained_variance_ratio[1]:.0%})"
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title or f"loss on a 2-D slice (batch norm: {result.batch_norm})", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return save(fig, path)
