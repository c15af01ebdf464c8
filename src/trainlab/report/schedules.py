"""Figures of schedules and of the learning-rate range test (headless: matplotlib's Agg canvas).

Every function draws on its own ``Figure`` (no pyplot state, no display needed),
writes a PNG of ``size`` inches at ``dpi`` (640 x 400 pixels by default) and
returns the path.

Example:
    >>> import tempfile, pathlib
    >>> from trainlab.schedules import Cosine, Exponential
    >>> from trainlab.report.schedules import plot_schedules
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "two.png"
    >>> curves = {"cosine": Cosine(0.1, 100), "exponential": Exponential(0.1, gamma=0.97)}
    >>> plot_schedules(curves, 100, out).name
    'two.png'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from trainlab.report.figures import DPI, SIZE, new_figure, save

__all__ = ["DPI", "SIZE", "draw_schedules", "new_figure", "plot_range_test", "plot_schedules", "save"]


def draw_schedules(
    ax: Any,
    curves: Mapping[str, Callable[[int], float]],
    steps: int,
    *,
    logy: bool = False,
    marker: str | None = None,
    title: str | None = None,
    ylabel: str = "learning rate",
) -> None:
    """Draw ``schedule(t)`` for ``t = 0..steps`` of each labelled schedule on ``ax``."""
    t = np.arange(steps + 1)
    for label, schedule in curves.items():
        ax.plot(t, [schedule(int(k)) for k in t], marker=marker, markersize=3, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if len(curves) > 1:
        ax.legend()


def plot_schedules(
    curves: Mapping[str, Callable[[int], float]],
    steps: int,
    path: str | Path,
    *,
    title: str | None = None,
    logy: bool = False,
    marker: str | None = None,
    ylabel: str = "learning rate",
) -> Path:
    """One panel with every schedule of ``curves`` over ``steps`` steps."""
    fig, (ax,) = new_figure()
    draw_schedules(ax, curves, steps, logy=logy, marker=marker, title=title, ylabel=ylabel)
    return save(fig, path)


def plot_range_test(result: Any, path: str | Path, title: str | None = None) -> Path:
    """Loss against learning rate (log axis): raw, smoothed, and the suggestion marked."""
    fig, (ax,) = new_figure()
    lrs, losses, smoothed = np.asarray(result.lrs), np.asarray(result.losses), np.asarray(result.smoothed)
    ax.plot(lrs, losses, color="0.7", linewidth=1, label="loss")
    ax.plot(lrs, smoothed, color="C0", linewidth=2, label="smoothed")
    finite = smoothed[np.isfinite(smoothed)]
    if len(finite):  # keep the blow-up from flattening the interesting part
        low, high = float(np.min(finite)), float(finite[0])
        ax.set_ylim(low * 0.8 if low > 0 else low, max(high, low) * 1.5 + 1e-12)
    ax.set_xscale("log")
    ax.axvline(
        result.suggestion,
        color="C3",
        linestyle="--",
        label=f"suggestion {result.suggestion:.3g} ({result.rule})",
    )
    marks: dict[float, list[str]] = {}  # rules that give the same rate share one line
    for name, value in result.candidates.items():
        if name != result.rule:
            marks.setdefault(value, []).append(name)
    for value, names in marks.items():
        ax.axvline(value, color="0.4", linestyle=":", linewidth=1)
        ax.annotate(
            " = ".join(names),
            (value, 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize=8,
            color="0.3",
        )
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title(title or f"Learning-rate range test (confidence {result.confidence})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return save(fig, path)
