"""Figures of the collapse study: trained deep narrow nets, and the depth x width collapse map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trainlab.report.figures import new_figure, save

__all__ = ["plot_collapse_runs", "plot_collapse_map"]


def plot_collapse_runs(result: Any, path: str | Path) -> Path:
    """Left: the target and some trained nets (collapsed in red, others in blue); right: the rates."""
    fig, (ax, bars) = new_figure(2)
    x = result.x
    for i, ys in enumerate(result.examples.get("collapsed", [])):
        ax.plot(x, ys, color="tab:red", alpha=0.6, lw=1, label="collapsed runs" if i == 0 else None)
    for i, ys in enumerate(result.examples.get("other", [])):
        ax.plot(x, ys, color="tab:blue", alpha=0.6, lw=1, label="other runs" if i == 0 else None)
    ax.plot(x, result.examples["target"][0], color="black", lw=2, label=f"target ({result.target})")
    ax.axhline(result.target_mean, color="grey", ls="--", lw=1, label="target mean")
    ax.axhline(result.target_median, color="grey", ls=":", lw=1, label="target median")
    ax.set_xlabel("x")
    ax.set_title(f"depth {result.depth}, width {result.width}, {result.loss}, {result.init} init")
    ax.legend(fontsize=8)
    low, high = result.confidence_interval
    rates = [result.dead_at_init_rate, result.collapse_rate]
    bars.bar(["dead at init", "collapsed after training"], rates, color=["tab:grey", "tab:red"])
    bars.errorbar([1], [result.collapse_rate], yerr=[[result.collapse_rate - low], [high - result.collapse_rate]],
                  color="black", capsize=6)
    for i, r in enumerate(rates):
        bars.text(i - 0.3, r + 0.02, f"{r:.1%}", ha="center")
    bars.set_ylim(0, 1.08)
    bars.set_title(f"{result.runs} runs, {result.steps} Adam steps (95% Wilson interval)")
    return save(fig, path)


def plot_collapse_map(grid: Any, path: str | Path) -> Path:
    """Heatmaps of the dead-at-initialization and the collapse rate over depth (rows) x width (columns)."""
    fig, axes = new_figure(2, panel=(5.2, 4.6))
    for ax, values, title in ((axes[0], grid.dead_at_init, "dead at initialization"),
                              (axes[1], grid.collapse, f"collapsed after {grid.steps} Adam steps")):
        data = np.asarray(values)
        image = ax.imshow(data, cmap="Reds", vmin=0, vmax=1, origin="lower", aspect="auto")
        ax.set_xticks(range(len(grid.widths)), [str(w) for w in grid.widths])
        ax.set_yticks(range(len(grid.depths)), [str(d) for d in grid.depths])
        ax.set_xlabel("width")
        ax.set_ylabel("depth (hidden layers)")
        ax.set_title(f"{title} ({grid.runs} runs per cell)", fontsize=10)
        for (i, j), v in np.ndenumerate(data):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if v > 0.6 else "black")
    fig.colorbar(image, ax=axes, shrink=0.8, label="fraction of runs")
    return save(fig, path)
