"""Figures of optimizer trajectories on analytic problems (the UCLA ECE 239AS notes' videos).

- ``plot_paths``: a 2-D problem's contours (log-spaced levels of ``f - f*`` when
  the minimum is known, linear levels otherwise) with every trajectory, the
  minima (stars) and the starts (circles) marked; a 1-D problem (the SUTD 50.039 notes'
  quartic) gets its curve with the iterates on it.
- ``plot_losses``: ``f(x_t) - f*`` against the iteration, log scale (``f`` itself on
  a symmetric-log scale for problems without a minimum).
- ``plot_paths_and_losses``: both side by side (the demonstrations' figures).
- ``animate``: the race as an animated GIF (at most ``frames`` frames, the paths
  subsampled evenly in iterations), like the UCLA ECE 239AS notes' videos.
- ``write_csv``: every path as rows ``label, run, iteration, x1..xn, loss, grad_norm``.

Every figure is drawn on its own ``Figure`` with the Agg canvas (no display, no
pyplot state) at ``SIZE`` inches and ``DPI`` dots per inch: 640 x 480 pixels.

Example:
    >>> import tempfile, pathlib
    >>> from trainlab import problems
    >>> from trainlab.problems.runner import run
    >>> from trainlab.report.trajectories import plot_paths
    >>> traj = run(problems.get("quartic"), "gd", 5.0, lr=0.1, steps=100)
    >>> plot_paths([traj], pathlib.Path(tempfile.mkdtemp()) / "quartic.png").name
    'quartic.png'
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import torch
from matplotlib.colors import LogNorm
from PIL import Image

from trainlab.constraints import Interval, check, fail
from trainlab.deprecation import relocated
from trainlab.problems.functions import Problem
from trainlab.problems.runner import Trajectory
from trainlab.report import figures

__all__ = ["SIZE", "DPI", "new_figure", "save", "draw_paths", "plot_paths", "draw_losses", "plot_losses",
           "plot_paths_and_losses", "animate", "frame_indices", "write_csv", "colors_for", "gif_palette", "quantize"]

SIZE = (6.4, 4.8)
DPI = figures.DPI
_FRAMES = Interval(2, 1000, closed="both", integer=True)


# Trajectory figures are 640 x 480 pixels per panel.
new_figure = functools.partial(figures.new_figure, panel=SIZE)
save = figures.save


def colors_for(trajectories: Sequence[Trajectory]) -> dict[str, Any]:
    """One color per label (the same optimizer from two starts shares its color)."""
    labels = list(dict.fromkeys(t.label for t in trajectories))
    cmap = matplotlib.colormaps["tab10"]
    return {label: cmap(i % 10) for i, label in enumerate(labels)}


def _one_problem(trajectories: Sequence[Trajectory]) -> Problem:
    if not trajectories:
        fail("plot", "trajectories", "at least one Trajectory", trajectories)
    problem = trajectories[0].problem
    if any(t.problem is not problem and t.problem.name != problem.name for t in trajectories):
        fail("plot", "trajectories", "trajectories on one problem",
             sorted({t.problem.name for t in trajectories}))
    return problem


def _window(problem: Problem, trajectories: Sequence[Trajectory]) -> list[tuple[float, float]]:
    """The plotting domain, widened to show every start."""
    out = []
    for d, (lo, hi) in enumerate(problem.domain[: problem.dim]):
        starts = [float(t.start[d]) for t in trajectories]
        lo, hi = min([lo, *starts]), max([hi, *starts])
        pad = 0.05 * (hi - lo) if (lo, hi) != problem.domain[d] else 0.0
        out.append((lo - pad, hi + pad))
    return out


GAP_FLOOR = float(np.finfo(np.float64).eps)


def _gap(problem: Problem, values: np.ndarray) -> tuple[np.ndarray, str]:
    """``f - f*`` where the minimum is known (for log scales), else ``f``."""
    if problem.minima and problem.bounded_below:
        fmin = min(float(problem.value(torch.tensor(m, dtype=torch.float64))) for m in problem.minima)
        return values - fmin, "f(x) - f*"
    return values, "f(x)"


def _mark(ax: Any, problem: Problem, trajectories: Sequence[Trajectory], dims: int) -> None:
    """Stars at the minima, crosses at the other known stationary points, circles at the starts."""

    def place(points: Sequence[Sequence[float]], style: str, label: str, **kw: Any) -> None:
        if not points:
            return
        xs = [p[0] for p in points]
        ys = [p[1] if dims == 2 else float(problem.value(torch.tensor(p, dtype=torch.float64)))
              for p in points]
        ax.plot(xs, ys, style, markeredgecolor="black", zorder=5, label=label, **kw)

    place(problem.minima, "*", "minimum", color="gold", markersize=15)
    place(problem.stationary, "X", "saddle / other stationary", color="black", markersize=8)
    starts = sorted({tuple(float(v) for v in t.start) for t in trajectories})
    place(starts, "o", "start", color="white", markersize=8, linestyle="none")


def draw_paths(ax: Any, trajectories: Sequence[Trajectory], levels: int = 30) -> list[Any]:
    """Draw the landscape and every path on ``ax``; returns the path lines, one per trajectory."""
    problem = _one_problem(trajectories)
    colors = colors_for(trajectories)
    lines: list[Any] = []
    seen: set[str] = set()
    if problem.dim == 1:
        (lo, hi), = _window(problem, trajectories)
        grid = torch.linspace(lo, hi, 400, dtype=torch.float64)
        ax.plot(grid.numpy(), problem.value(grid[:, None]).numpy(), color="0.3", lw=1.5, label="f(x)")
        for t in trajectories:
            x = t.path[:, 0].numpy()
            (line,) = ax.plot(x, t.losses.numpy(), "o-", ms=3, lw=0.6, alpha=0.8, color=colors[t.label],
                              label=t.label if t.label not in seen else None)
            lines.append(line)
            seen.add(t.label)
        ax.set(xlabel="x", ylabel="f(x)", xlim=(lo, hi))
    elif problem.dim == 2:
        (x0, x1), (y0, y1) = _window(problem, trajectories)
        gx, gy = torch.meshgrid(torch.linspace(x0, x1, 300, dtype=torch.float64),
                                torch.linspace(y0, y1, 300, dtype=torch.float64), indexing="xy")
        z, _ = _gap(problem, problem.value(torch.stack([gx, gy], -1)).numpy())
        if problem.minima and problem.bounded_below:
            z = np.maximum(z, 1e-12)
            lv = np.logspace(math.log10(max(z.min(), 1e-6)), math.log10(z.max()), levels)
            ax.contour(gx.numpy(), gy.numpy(), z, levels=lv, norm=LogNorm(), cmap="viridis", linewidths=0.7)
        else:
            ax.contour(gx.numpy(), gy.numpy(), z, levels=levels, cmap="viridis", linewidths=0.7)
        for t in trajectories:
            p = t.path.numpy()
            (line,) = ax.plot(p[:, 0], p[:, 1], "-", lw=1.4, color=colors[t.label],
                              label=t.label if t.label not in seen else None)
            lines.append(line)
            seen.add(t.label)
        ax.set(xlabel="x1", ylabel="x2", xlim=(x0, x1), ylim=(y0, y1))
    else:
        fail("plot_paths", "trajectories", "trajectories on a 1-D or 2-D problem",
             f"a {problem.dim}-D problem")
    _mark(ax, problem, trajectories, problem.dim)
    ax.set_title(problem.name)
    ax.legend(fontsize=7, loc="best")
    return lines


def plot_paths(trajectories: Sequence[Trajectory], path: str | Path, levels: int = 30) -> Path:
    """Contours (2-D) or the curve (1-D) with every trajectory, written as a PNG."""
    fig, (ax,) = new_figure()
    draw_paths(ax, trajectories, levels)
    return save(fig, path)


def symlog_axis(ax: Any, values: np.ndarray, decades: int = 4) -> list[float]:
    """A symmetric-log value axis with readable ticks: 0 and +-10^k over the data's range.

    The linear band around 0 spans ``10^-decades`` of the largest ``|value|``, and the
    ticks are labelled as plain numbers (``-1``, ``0.01``), not ``-10^0``. Returns the ticks.
    """
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    high = math.ceil(math.log10(top))
    low = high - decades
    ax.set_yscale("symlog", linthresh=10.0**low)
    lows, highs = float(np.nanmin(values)), float(np.nanmax(values))
    powers = [10.0**k for k in range(low, high + 1)]
    ticks = sorted({0.0, *(p for p in powers if p <= highs * 1.01), *(-p for p in powers if -p >= lows * 1.01)})
    ax.set_yticks(ticks, [f"{v:g}" for v in ticks])
    return ticks


def draw_losses(ax: Any, trajectories: Sequence[Trajectory]) -> None:
    """``f(x_t) - f*`` (log scale) or ``f(x_t)`` (symmetric log) against ``t`` on ``ax``.

    Gaps below ``GAP_FLOOR`` (float64 machine epsilon, the rounding level of ``f``
    near ``f*``) are drawn at it, so a run that reaches ``f*`` exactly does not
    stretch the axis over hundreds of decades.
    """
    problem = _one_problem(trajectories)
    colors = colors_for(trajectories)
    seen: set[str] = set()
    ylabel = "f(x)"
    shown: list[np.ndarray] = []
    for t in trajectories:
        y, ylabel = _gap(problem, t.losses.numpy())
        if ylabel != "f(x)":  # a gap of 0 (or below rounding) would drag the log axis to 1e-300
            y = np.maximum(y, GAP_FLOOR)
        ax.plot(np.arange(len(y)), y, lw=1.2, color=colors[t.label],
                label=t.label if t.label not in seen else None)
        seen.add(t.label)
        shown.append(np.asarray(y, dtype=float))
    if ylabel != "f(x)":
        ax.set_yscale("log")
    else:
        symlog_axis(ax, np.concatenate(shown) if shown else np.zeros(1))
    ax.set(xlabel="iteration", ylabel=ylabel, title=f"{problem.name}: loss")
    ax.legend(fontsize=7, loc="best")


def plot_losses(trajectories: Sequence[Trajectory], path: str | Path) -> Path:
    """Loss against iteration (log scale), written as a PNG."""
    fig, (ax,) = new_figure()
    draw_losses(ax, trajectories)
    return save(fig, path)


def plot_paths_and_losses(trajectories: Sequence[Trajectory], path: str | Path) -> Path:
    """The paths (left) and the losses (right) side by side, written as a 1280 x 480 PNG."""
    fig, (left, right) = new_figure(2)
    draw_paths(left, trajectories)
    draw_losses(right, trajectories)
    return save(fig, path)


def frame_indices(length: int, frames: int) -> list[int]:
    """At most ``frames`` iteration indices spread evenly over ``0 .. length - 1``, last included."""
    return sorted({round(k * (length - 1) / max(frames - 1, 1)) for k in range(frames)})


def gif_palette(image: Image.Image, reserved: Sequence[Any], size: int = 64) -> np.ndarray:
    """A ``(size, 3)`` uint8 palette: the ``reserved`` colours exactly, then ``image``'s own.

    A palette fitted to a frame alone (median cut) spends its entries on the
    landscape and merges line colours that lie close to it or to each other;
    reserving each optimizer's colour keeps them distinct.
    """
    exact: list[tuple[int, int, int]] = []
    for c in reserved:
        rgb = tuple(int(round(255 * v)) for v in matplotlib.colors.to_rgb(c))
        if rgb not in exact:
            exact.append(rgb)
    rest = image.quantize(colors=max(size - len(exact), 2)).getpalette()[: 3 * (size - len(exact))]
    return np.concatenate([np.array(exact, dtype=np.uint8).reshape(-1, 3),
                           np.array(rest, dtype=np.uint8).reshape(-1, 3)])


def quantize(image: Image.Image, palette: np.ndarray) -> Image.Image:
    """``image`` as a ``P`` image of ``palette``: every pixel its nearest entry, exact colours exactly.

    (Pillow's own palette mapping looks colours up in a coarse cache and can send
    an exact palette colour to a neighbour.)
    """
    rgb = np.asarray(image.convert("RGB"))
    colors, inverse = np.unique(rgb.reshape(-1, 3), axis=0, return_inverse=True)
    dist = ((colors[:, None, :].astype(np.int32) - palette[None, :, :].astype(np.int32)) ** 2).sum(-1)
    out = Image.fromarray(dist.argmin(1).astype(np.uint8)[inverse.reshape(-1)].reshape(rgb.shape[:2]), "P")
    out.putpalette(palette.reshape(-1).tolist())
    return out


def animate(trajectories: Sequence[Trajectory], path: str | Path, frames: int = 120, fps: int = 15) -> Path:
    """The race as an animated GIF: each path grows frame by frame over its faint full path.

    The landscape is rendered once; each frame restores it and draws only the
    moving lines (Agg blitting), and Pillow writes the frames with one shared
    palette holding every optimizer's colour exactly (``gif_palette``): seconds, where redrawing whole figures frame by frame takes a minute.
    """
    check("animate", "frames", frames, _FRAMES)
    check("animate", "fps", fps, Interval(1, 100, closed="both", integer=True))
    problem = _one_problem(trajectories)
    fig, (ax,) = new_figure()
    for line in draw_paths(ax, trajectories):
        line.set_alpha(0.2)
    colors = colors_for(trajectories)
    idx = frame_indices(max(t.iterations + 1 for t in trajectories), frames)
    moving = []
    for t in trajectories:
        (line,) = ax.plot([], [], "-", lw=2.2, color=colors[t.label], animated=True)
        (head,) = ax.plot([], [], "o", ms=6, color=colors[t.label], markeredgecolor="black", animated=True)
        ys = t.path[:, 1] if problem.dim == 2 else t.losses
        moving.append((t.path[:, 0].numpy(), ys.numpy(), line, head))
    text = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9, animated=True)
    canvas = fig.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)

    def render(it: int) -> Image.Image:
        canvas.restore_region(background)
        for xs, ys, line, head in moving:
            n = min(it + 1, len(xs))
            line.set_data(xs[:n], ys[:n])
            head.set_data(xs[n - 1 : n], ys[n - 1 : n])
            ax.draw_artist(line)
            ax.draw_artist(head)
        text.set_text(f"iteration {it}")
        ax.draw_artist(text)
        return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())

    palette = gif_palette(render(idx[-1]), [colors[t.label] for t in trajectories] + [(0, 0, 0, 1)])
    images = [quantize(render(it), palette) for it in idx]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return path


def write_csv(trajectories: Sequence[Trajectory], path: str | Path) -> Path:
    """Every path as CSV rows: ``label, run, iteration, x1..xn, loss, grad_norm``."""
    problem = _one_problem(trajectories)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        coords = [f"x{i + 1}" for i in range(problem.dim)]
        w.writerow(["label", "run", "iteration", *coords, "loss", "grad_norm"])
        for r, t in enumerate(trajectories):
            rows = zip(t.path.tolist(), t.losses.tolist(), t.grad_norms.tolist(), strict=True)
            for it, (x, f, g) in enumerate(rows):
                w.writerow([t.label, r, it, *(repr(v) for v in x), repr(f), repr(g)])
    return path


__getattr__ = relocated(__name__, {"plot_race": "trainlab.report.trajectories:plot_paths_and_losses"})  # old name
