"""The race GIF keeps every optimizer's colour; the saddle's symmetric-log axis has readable ticks."""

from __future__ import annotations

import matplotlib
import numpy as np
from PIL import Image

from trainlab.report.figures import new_figure
from trainlab.report.trajectories import gif_palette, quantize, symlog_axis


def rgb(color):
    return tuple(int(round(255 * v)) for v in matplotlib.colors.to_rgb(color))


def test_every_line_colour_survives_the_gif_palette():
    fig, (ax,) = new_figure()
    gx, gy = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-2, 2, 200))
    ax.contourf(gx, gy, gx**2 - gy**2, levels=40, cmap="viridis")
    colors = [matplotlib.colormaps["tab10"](i) for i in range(10)]
    for i, c in enumerate(colors):
        ax.plot([-1.8, 1.8], [-1.8 + 0.4 * i, -1.6 + 0.4 * i], lw=3, color=c)
    fig.canvas.draw()
    image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    quantized = quantize(image, gif_palette(image, colors)).convert("RGB")
    pixels = {tuple(p) for p in np.asarray(quantized).reshape(-1, 3)}
    assert all(rgb(c) in pixels for c in colors)
    # a palette fitted to the frame alone loses some of them (the bug this fixes)
    alone = {tuple(p) for p in np.asarray(image.quantize(colors=64).convert("RGB")).reshape(-1, 3)}
    assert not all(rgb(c) in alone for c in colors)


def test_symlog_ticks_are_plain_numbers_over_the_data_range():
    fig, (ax,) = new_figure()
    values = np.array([1.0, 0.3, 1e-20, 0.0, -0.02, -1.4])
    ax.plot(values)
    ticks = symlog_axis(ax, values)
    assert ticks == [-1.0, -0.1, -0.01, -0.001, 0.0, 0.001, 0.01, 0.1, 1.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["-1", "-0.1", "-0.01", "-0.001", "0", "0.001",
                                                             "0.01", "0.1", "1"]
