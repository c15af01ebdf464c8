"""The one way trainlab makes and saves a figure: matplotlib's Agg canvas, atomic PNG writes.

Figures never touch a display (no pyplot, whatever ``MPLBACKEND`` says). ``save``
renders the canvas at exactly ``figsize * DPI`` pixels, keeps its true colours
(a palette would merge neighbouring line colours) and writes through
``trainlab.atomic`` so a reader never sees half a PNG.

Example:
    >>> import os, tempfile
    >>> fig, (ax,) = new_figure()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> path = save(fig, os.path.join(tempfile.mkdtemp(), "line.png"))
    >>> from PIL import Image; Image.open(path).size
    (640, 400)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from trainlab.atomic import atomic_write

__all__ = ["DPI", "SIZE", "new_figure", "save"]

SIZE = (6.4, 4.0)  # inches per panel
DPI = 100


def new_figure(
    ncols: int = 1, size: tuple[float, float] | None = None, panel: tuple[float, float] = SIZE
) -> tuple[Figure, list[Any]]:
    """A headless figure with ``ncols`` axes side by side, ``panel`` inches each (or ``size`` in all)."""
    size = size or (panel[0] * ncols, panel[1])
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, list(fig.subplots(1, ncols, squeeze=False)[0])


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as an RGB PNG of exactly its pixel size, atomically; return the path."""
    path = Path(path)
    fig.canvas.draw()
    image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    atomic_write(path, lambda f: image.save(f, format="PNG", optimize=True))
    return path
