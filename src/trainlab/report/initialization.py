"""Figures of the initialization lab: activations, exploding products, symmetry, per-layer variance."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trainlab.report.figures import DPI, new_figure, save

__all__ = ["plot_activations", "plot_growth", "plot_symmetry", "plot_layer_histograms", "plot_layer_variances",
           "plot_depth_profile"]


def _grid(rows: int, cols: int, panel: tuple[float, float] = (3.2, 2.4)) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(panel[0] * cols, panel[1] * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, np.asarray(fig.subplots(rows, cols, squeeze=False))


def plot_activations(path: str | Path, names: Sequence[str] | None = None) -> Path:
    """Every registered activation (solid) with its derivative (dashed) on [-4, 4]."""
    from trainlab.nn.activations import ACTIVATION_REGISTRY

    names = list(names or ACTIVATION_REGISTRY)
    cols = 5
    fig, axes = _grid(math.ceil(len(names) / cols), cols)
    x = torch.linspace(-4, 4, 401, dtype=torch.float64)
    for ax, name in zip(axes.flat, names, strict=False):
        a = ACTIVATION_REGISTRY[name]
        ax.plot(x, a.function(x), label="f(x)")
        ax.plot(x, a.derivative(x), ls="--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(f"{name} (gain {a.gain:.3g})", fontsize=10)
        ax.set_ylim(-1.5, 4.2)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    return save(fig, path)


def plot_growth(study: Any, path: str | Path, examples: Sequence[Any] = ()) -> Path:
    """Left: log10 |product| after k factors for example seeds, against the closed-form slope;
    right: the per-factor growth over all seeds, against the closed form."""
    fig, (ax, hist) = new_figure(2)
    for i, r in enumerate(examples):
        k = np.arange(1, r.n + 1)
        ax.plot(k, np.asarray(r.log_norms) / math.log(10), lw=1, label=f"{r.factor}, seed {r.seed}" if i < 6 else None)
    if examples:
        k = np.arange(0, examples[0].n + 1)
        ax.plot(k, k * study.theory / math.log(10), color="black", ls="--", label="closed form (slope)")
    ax.set_xlabel("factors multiplied")
    ax.set_ylabel("log10 ||W_k ... W_1 e_1||")
    ax.legend(fontsize=8)
    hist.hist(study.growth, bins=40, color="tab:blue", alpha=0.8)
    hist.axvline(study.theory, color="black", ls="--", label=f"0.5 (log 2 + digamma({study.size}/2)) = {study.theory:.4f}")
    hist.axvline(study.mean, color="tab:red", label=f"mean over {len(study.growth)} seeds = {study.mean:.4f}")
    hist.set_xlabel("growth per factor, log ||P v|| / n")
    hist.set_title(f"{study.n} {study.size}x{study.size} {study.factor} factors", fontsize=10)
    hist.legend(fontsize=8)
    return save(fig, path)


def plot_symmetry(result: Any, path: str | Path) -> Path:
    """Largest difference between two hidden units after each step, per initialization scheme."""
    fig, (ax,) = new_figure()
    for name, spread in result.differences.items():
        values = np.maximum(np.asarray(spread), 1e-18)
        ax.semilogy(values, label=f"{name} (final loss {result.losses[name]:.3f})")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("max difference between hidden units")
    ax.set_title(f"MLP {'-'.join(map(str, result.widths))}, {result.activation} (1e-18 stands for exactly 0)",
                 fontsize=10)
    ax.legend(fontsize=8)
    return save(fig, path)


def plot_layer_histograms(study: Any, path: str | Path, what: str = "activations", when: str = "init") -> Path:
    """Glorot & Bengio 2010 figures 3-7 style: one histogram per hidden layer, per init x activation."""
    fig, axes = _grid(len(study.activations), len(study.inits), panel=(3.6, 2.6))
    for i, act in enumerate(study.activations):
        for j, scheme in enumerate(study.inits):
            ax = axes[i, j]
            for s in study.stats[(scheme, act)][when]:
                values = getattr(s, what).numpy()
                if what == "gradients":
                    limit = np.percentile(np.abs(values), 99) or 1.0
                    values = np.clip(values, -limit, limit)
                ax.hist(values, bins=60, histtype="step", density=True, label=f"layer {s.layer}")
            ax.set_title(f"{act}, {scheme} init", fontsize=9)
            ax.tick_params(labelsize=7)
            if what == "activations" and act != "relu":
                ax.set_yscale("log")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"{what} per hidden layer at initialization (digits, {study.depth} x {study.width} MLP)",
                 fontsize=10)
    return save(fig, path)


def plot_layer_variances(study: Any, path: str | Path) -> Path:
    """Variance of activations and back-propagated gradients by layer, at init (solid) and trained (dotted)."""
    fig, axes = _grid(2, len(study.activations), panel=(4.0, 3.0))
    for j, act in enumerate(study.activations):
        for k, scheme in enumerate(study.inits):
            color = f"C{k}"
            for when, style in (("init", "-"), ("trained", ":")):
                rows = study.stats[(scheme, act)][when]
                layers = [s.layer for s in rows]
                label = f"{scheme}, {'init' if when == 'init' else f'after {study.steps} steps'}"
                axes[0, j].semilogy(layers, [s.activation_var for s in rows], style, color=color, marker="o",
                                    ms=3, label=label)
                axes[1, j].semilogy(layers, [s.gradient_var for s in rows], style, color=color, marker="o",
                                    ms=3, label=label)
        axes[0, j].set_title(f"{act}: activation variance", fontsize=9)
        axes[1, j].set_title(f"{act}: back-propagated gradient variance", fontsize=9)
        axes[1, j].set_xlabel("hidden layer")
    axes[0, 0].legend(fontsize=7)
    return save(fig, path)


def plot_depth_profile(profile: Any, path: str | Path) -> Path:
    """Activation and gradient variance per layer at initialization, one line per scheme."""
    fig, (left, right) = new_figure(2)
    for scheme in profile.activation_var:
        layers = np.arange(1, len(profile.activation_var[scheme]) + 1)
        left.semilogy(layers, np.maximum(profile.activation_var[scheme], 1e-300), marker="o", ms=3, label=scheme)
        right.semilogy(layers, np.maximum(profile.gradient_var[scheme], 1e-300), marker="o", ms=3, label=scheme)
    left.set_title(f"activation variance ({profile.activation}, width {profile.width})", fontsize=10)
    right.set_title("back-propagated gradient variance", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel("hidden layer")
    left.legend(fontsize=8)
    return save(fig, path)
