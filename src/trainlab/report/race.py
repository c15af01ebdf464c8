"""The optimizer race's learning curves: one small panel per optimizer, training and validation MSE.

Each panel shows an optimizer at its chosen rate: the median over seeds of the
training MSE (every step) and of the validation MSE (every evaluation), each with
a band from the lowest to the highest seed, on shared logarithmic axes, the
validation target as a dashed line and the best validation step marked. A run
that stopped early holds its last value. Panels come in the table's order.

Example:
    >>> import os, tempfile
    >>> curves = {"sgd": {"train_median": [1.0, 0.6, 0.5], "train_min": [1.0, 0.5, 0.4],
    ...                   "train_max": [1.0, 0.7, 0.6], "val_steps": [0, 2], "val_median": [1.1, 0.55],
    ...                   "val_min": [1.0, 0.5], "val_max": [1.2, 0.6]}}
    >>> path = plot_race_curves(curves, ["sgd"], {"sgd": 0.1}, 0.5, os.path.join(tempfile.mkdtemp(), "c.png"))
    >>> os.path.getsize(path) > 1000
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from trainlab.report.figures import new_figure, save

__all__ = ["plot_race_curves"]

COLUMNS = 5


def plot_race_curves(curves: Mapping[str, Mapping[str, list]], order: Sequence[str], rates: Mapping[str, float],
                     target: float, path: str | Path) -> Path:
    """``curves[name]``: the medians and ranges ``optimizer_race.RaceResult.curves`` holds; one panel each."""
    names = [n for n in order if n in curves]
    rows = max(1, math.ceil(len(names) / COLUMNS))
    cols = min(COLUMNS, max(1, len(names)))
    fig, _ = new_figure(1, size=(3.1 * cols, 2.3 * rows + 0.5))
    fig.clear()
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)).ravel()
    finite = [v for n in names for k in ("train_min", "val_min", "train_max", "val_max") for v in curves[n][k]
              if math.isfinite(v) and v > 0]
    low, high = (min(finite), max(finite)) if finite else (1e-3, 10.0)
    for ax, name in zip(axes, names, strict=False):
        c = curves[name]
        steps = np.arange(len(c["train_median"]))
        ax.fill_between(steps, _clean(c["train_min"]), _clean(c["train_max"]), color="tab:blue", alpha=0.25, lw=0)
        ax.plot(steps, _clean(c["train_median"]), color="tab:blue", lw=1.2, label="train")
        vs = np.asarray(c["val_steps"])
        ax.fill_between(vs, _clean(c["val_min"]), _clean(c["val_max"]), color="tab:orange", alpha=0.25, lw=0)
        ax.plot(vs, _clean(c["val_median"]), color="tab:orange", lw=1.2, label="validation")
        if vs.size and np.isfinite(_clean(c["val_median"])).any():
            best = int(np.nanargmin(_clean(c["val_median"])))
            ax.plot([vs[best]], [c["val_median"][best]], "o", color="tab:red", ms=3)
        ax.axhline(target, color="grey", ls="--", lw=0.8)
        ax.set_yscale("log")
        ax.set_ylim(max(low * 0.8, 1e-6), min(high * 1.25, 1e6))
        ax.set_title(f"{name} (lr {rates.get(name, float('nan')):g})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if names:
        axes[0].legend(fontsize=7, loc="upper right")
    fig.supxlabel("full-batch steps", fontsize=9)
    fig.supylabel("MSE (standardized)", fontsize=9)
    fig.suptitle(f"Optimizer race: median over seeds (line) and range (band); validation target {target:g} "
                 "(dashed), best validation (dot)", fontsize=10)
    return save(fig, path)


def _clean(values: Sequence[float]) -> np.ndarray:
    """Non-finite values as NaN, so a diverged run leaves a gap instead of stretching the axis."""
    a = np.asarray(values, dtype=float)
    return np.where(np.isfinite(a), a, np.nan)
