"""Figure of spectral bias: the error per frequency over training steps, over seeds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colors

from trainlab.report.figures import new_figure, save

__all__ = ["plot_spectral_bias"]


def plot_spectral_bias(runs: Sequence[Any], path: str | Path, threshold: float = 0.1) -> Path:
    """Left: heat map frequency x step of the mean relative error; right: each frequency's mean and range."""
    fig, (heat, curves) = new_figure(2)
    errors = np.array([r.errors for r in runs])  # (seeds, records, frequencies)
    steps, ks = np.asarray(runs[0].steps), runs[0].frequencies
    mean = errors.mean(axis=0)
    image = heat.imshow(np.clip(mean.T, 1e-2, None), aspect="auto", origin="lower", cmap="magma_r",
                        norm=colors.LogNorm(vmin=1e-2, vmax=1),
                        extent=(steps[0], steps[-1], -0.5, len(ks) - 0.5), interpolation="nearest")
    heat.set_yticks(range(len(ks)), [str(k) for k in ks])
    heat.set_xlabel("training step")
    heat.set_ylabel("frequency k")
    heat.set_title(f"|residual_k| / |target_k|, mean of {len(runs)} seeds", fontsize=10)
    fig.colorbar(image, ax=heat, label="relative error (log scale)")
    colours = [f"C{j}" for j in range(len(ks))]
    for j, k in enumerate(ks):
        curves.plot(steps, mean[:, j], color=colours[j], label=f"k = {k}")
        curves.fill_between(steps, errors[:, :, j].min(axis=0), errors[:, :, j].max(axis=0), color=colours[j],
                            alpha=0.2, lw=0)
    curves.axhline(threshold, color="grey", ls="--", lw=1, label=f"learned ({threshold})")
    curves.set_yscale("log")
    curves.set_xlabel("training step")
    curves.set_ylabel("relative error (band: min-max over seeds)")
    curves.legend(fontsize=8)
    return save(fig, path)
