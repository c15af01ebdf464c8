"""Several runs' learning curves overlaid in one figure (``trainlab runs compare``).

One colour per run: its validation loss solid, its training loss dashed, against
the step, on a log scale when every loss is positive and they span more than a
factor ``LOG_SPAN``. Curves come from each run's ``history.csv``
(``trainlab.report.run_view.read_curves``).

Example:
    >>> import os, tempfile
    >>> curves = {"a": {"step": [1, 2, 3], "train_loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.5]},
    ...           "b": {"step": [1, 2, 3], "train_loss": [1.0, 0.8, 0.6]}}
    >>> path = compare_figure(curves, os.path.join(tempfile.mkdtemp(), "compare.png"))
    >>> os.path.getsize(path) > 1000
    True
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from trainlab.report.figures import new_figure, save

__all__ = ["LOG_SPAN", "compare_figure"]

LOG_SPAN = 20  # a log axis when the losses span more than this factor
_STYLES = (("val_loss", "-", "validation"), ("train_loss", "--", "training"))


def compare_figure(curves: Mapping[str, Mapping[str, list[float]]], path: str | os.PathLike[str],
                   title: str = "runs compared") -> str:
    """Draw the losses of each run (label -> history columns) into one PNG at ``path``; return the path."""
    fig, (ax,) = new_figure(size=(7.5, 4.5))
    values: list[float] = []
    colors = [f"C{i % 10}" for i in range(len(curves))]
    for (label, columns), color in zip(curves.items(), colors):
        x = columns.get("step") or columns.get("epoch")
        for column, style, what in _STYLES:
            if x and column in columns:
                ys = [v if math.isfinite(v) else math.nan for v in columns[column]]
                ax.plot(x, ys, ls=style, color=color, lw=1.4, label=f"{label}: {what}")
                values += [v for v in ys if math.isfinite(v)]
    if values and min(values) > 0 and max(values) > LOG_SPAN * min(values):
        ax.set_yscale("log")
    if not values:
        ax.text(0.5, 0.5, "no learning curves (history.csv) in these runs", ha="center", va="center",
                transform=ax.transAxes)
    else:
        ax.legend(fontsize=8, loc="best")
    ax.set(xlabel="step", ylabel="loss", title=title)
    return str(save(fig, path))
