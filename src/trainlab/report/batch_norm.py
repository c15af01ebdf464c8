"""Figures of the batch-norm study (``trainlab.experiments.batch_norm``): the rate sweep and the learning curves."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from trainlab.report.figures import new_figure, save

__all__ = ["plot_curves", "plot_sweep"]

STYLE = {False: ("plain", "tab:blue"), True: ("batch norm", "tab:red")}


def plot_sweep(study: Any, path: str | Path) -> Path:
    """Final training loss per rate (median and range over the seeds that stayed finite) and the share of
    stable seeds."""
    fig, (loss_ax, stable_ax) = new_figure(2)
    finite = [v for r in study.runs for v in r.losses if math.isfinite(v)]
    ceiling = 2 * max(finite)
    for batch_norm, (label, color) in STYLE.items():
        rows = [[r.losses[-1] for r in study.select(batch_norm, lr)] for lr in study.lrs]
        kept = [(lr, [v for v in f if math.isfinite(v)]) for lr, f in zip(study.lrs, rows, strict=True)]
        kept = [(lr, f) for lr, f in kept if f]
        if kept:
            lrs = [lr for lr, _ in kept]
            loss_ax.plot(lrs, [np.median(f) for _, f in kept], "o-", color=color, label=label)
            loss_ax.vlines(lrs, [min(f) for _, f in kept], [max(f) for _, f in kept], color=color, alpha=0.5)
        diverged = [lr for lr, f in zip(study.lrs, rows, strict=True) if not all(map(math.isfinite, f))]
        loss_ax.plot(diverged, [ceiling] * len(diverged), "x", color=color, markersize=9)
        share = [sum(r.stable for r in study.select(batch_norm, lr)) / len(study.seeds) for lr in study.lrs]
        offset = 1.08 if batch_norm else 1 / 1.08
        stable_ax.plot(np.array(study.lrs) * offset, share, "o-", color=color, label=label)
    loss_ax.axhline(study.target, color="gray", lw=0.8, ls="--", label=f"target {study.target:g}")
    loss_ax.set(xscale="log", yscale="log", xlabel="learning rate (SGD)", ylabel="final training cross-entropy")
    loss_ax.set_title(f"median and range over the seeds still finite ({len(study.seeds)} seeds); "
                      "x: a seed diverged", fontsize=9)
    loss_ax.legend(fontsize=8)
    stable_ax.set(xscale="log", xlabel="learning rate (SGD)", ylabel="share of seeds stable", ylim=(-0.05, 1.05))
    stable_ax.set_title("stable: finite, final loss <= half the initial loss", fontsize=9)
    stable_ax.legend(fontsize=8)
    fig.suptitle(f"MLP {'-'.join(map(str, study.widths))} (ReLU, {study.init} init) on digits, "
                 f"batch {study.batch_size}", fontsize=10)
    return save(fig, path)


def _band(ax: Any, runs: list[Any], color: str, label: str) -> None:
    steps = runs[0].steps
    full = [r for r in runs if len(r.losses) == len(steps) and all(map(math.isfinite, r.losses))]
    if full:
        values = np.array([r.losses for r in full])
        ax.plot(steps, np.median(values, 0), color=color, label=f"{label} ({len(full)}/{len(runs)} seeds finite)")
        ax.fill_between(steps, values.min(0), values.max(0), color=color, alpha=0.2)
    for r in runs:
        if r not in full:
            ax.plot(r.steps, np.minimum(r.losses, 1e3), color=color, lw=0.6, ls=":")


def plot_curves(study: Any, path: str | Path) -> Path:
    """Training loss against steps at the rate fastest for each network (median, min-max band over seeds)."""
    rates = [lr for lr in (study.fastest_lr(False), study.fastest_lr(True)) if lr is not None]
    rates = sorted(set(rates)) or [study.lrs[len(study.lrs) // 2]]
    fig, axes = new_figure(len(rates))
    for ax, lr in zip(axes, rates, strict=True):
        for batch_norm, (label, color) in STYLE.items():
            _band(ax, study.select(batch_norm, lr), color, label)
        ax.axhline(study.target, color="gray", lw=0.8, ls="--", label=f"target {study.target:g}")
        which = [STYLE[bn][0] for bn in (False, True) if study.fastest_lr(bn) == lr]
        ax.set(yscale="log", xlabel="SGD step", ylabel="training cross-entropy (eval mode)")
        ax.set_title(f"learning rate {lr:g}" + (f": fastest for {' and '.join(which)}" if which else ""), fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle(f"MLP {'-'.join(map(str, study.widths))} (ReLU, {study.init} init) on digits, "
                 f"batch {study.batch_size}", fontsize=10)
    return save(fig, path)
