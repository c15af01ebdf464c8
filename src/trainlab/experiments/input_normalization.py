"""Training with and without input normalization: the same network, the same seeds, the same steps.

The Brown/NVIDIA "Training and Optimization" notes ("Data Normalization - Example",
after LeCun et al. 1998, "Efficient BackProp") fit ``y = x sin(20x)/10`` (plus 1 for
``x > 0``) without and with normalized inputs and show the normalized run converging
faster; they give the function but no network, optimizer or numbers. Set-up here
(trainlab's choice):

- **lecture target**: ``x_sin_20x`` at 100 evenly spaced ``x`` in [-1, 1] (the notes'
  ``torch.linspace(-1, 1, 100)``), fed to the network as ``x_raw = offset + scale x``
  (default ``10 + 2x``, values in [8, 12]: a feature far from zero, as raw measurements
  are). "none" trains on ``x_raw``; "standard" on ``(x_raw - mean) / std`` of the
  training points (``trainlab.data.normalize``). A 1-50-50-1 tanh MLP, Adam (lr 1e-2),
  full batch, ``steps`` steps; every seed starts both runs from the same weights
  (all runs of a problem train at once as one ``StackedMLP``). The target stays in its
  own units.
- **real data**: scikit-learn's wine data (178 wines, 13 features on scales from ~0.1
  (hue) to ~1000 (proline)), a seeded 70/30 split, each normalization of
  ``trainlab.data.normalize`` ("none", "standard", "pca", "zca") fitted on the training
  rows only, a 13-32-32-3 tanh MLP with cross-entropy, Adam (lr 1e-3), full batch.

Per seed: the training-loss curve and the first step at which the loss reaches
``target`` (``None`` if it never does); the figure shows each curve's mean over seeds
with the min-max band, and the steps per seed.

Example:
    >>> from trainlab.experiments.input_normalization import run_lecture_target
    >>> result = run_lecture_target(seeds=2, steps=50)
    >>> [c.name for c in result.curves]
    ['none', 'standard']
    >>> result.curves[1].losses.shape  # seeds x (steps + 1)
    (2, 51)
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from trainlab.constraints import POSITIVE, POSITIVE_INT, check
from trainlab.data import load_bundled, make_normalizer, make_target, split_standardized
from trainlab.nn import MLP
from trainlab.train.batched import StackedMLP, train_stacked_history
from trainlab.train.descent import descend

__all__ = ["Curves", "Comparison", "run_lecture_target", "run_wine", "plot_comparison", "summary"]


@dataclass
class Curves:
    """One normalization's training-loss curves over seeds (``losses[seed, step]``)."""

    name: str
    losses: np.ndarray
    steps_to_target: list[int | None]
    val_metric: list[float] = field(default_factory=list)  # per seed (wine: validation accuracy)

    def reached(self) -> int:
        return sum(s is not None for s in self.steps_to_target)


@dataclass
class Comparison:
    """The runs of one problem under several input normalizations."""

    problem: str
    setup: dict
    target: float
    curves: list[Curves]


def _seeded(widths: Sequence[int], seed: int) -> MLP:
    torch.manual_seed(seed)
    return MLP(list(widths), activation="tanh")


def run_lecture_target(seeds: int = 5, steps: int = 2000, offset: float = 10.0, scale: float = 2.0,
                       lr: float = 1e-2, width: int = 50, target: float = 0.01) -> Comparison:
    """The notes' x sin(20x)/10 target, raw inputs ``offset + scale x`` vs standardized."""
    check("run_lecture_target", "seeds", seeds, POSITIVE_INT)
    check("run_lecture_target", "steps", steps, POSITIVE_INT)
    check("run_lecture_target", "scale", scale, POSITIVE)
    X, y = make_target("x_sin_20x", n=100)
    raw = torch.as_tensor(offset + scale * X)
    names = ("none", "standard")
    inputs = [make_normalizer(name).fit_transform(raw).float() for name in names]
    models = [_seeded([1, width, width, 1], s) for _ in names for s in range(seeds)]
    stacked = StackedMLP.from_models(models)  # run r: normalization r // seeds, seed r % seeds
    x = torch.stack([inputs[r // seeds] for r in range(len(models))])
    yt = torch.as_tensor(y, dtype=torch.float32).expand(len(models), -1, -1)
    history = train_stacked_history(stacked, x, yt, torch.optim.Adam(stacked.parameters(), lr=lr), steps)
    losses, reached = history.losses.double().numpy().T, history.steps_to(target)
    curves = [Curves(name, losses[i * seeds:(i + 1) * seeds], reached[i * seeds:(i + 1) * seeds])
              for i, name in enumerate(names)]
    setup = {"data": "x_sin_20x, 100 points on [-1, 1]", "inputs": f"{offset:g} + {scale:g} x",
             "model": f"1-{width}-{width}-1 tanh MLP", "optimizer": f"Adam lr {lr:g}, full batch",
             "loss": "MSE (target in its own units)", "steps": steps, "seeds": seeds}
    return Comparison("x sin(20x)/10 (+1 for x > 0)", setup, target, curves)


def run_wine(seeds: int = 5, steps: int = 2000, lr: float = 1e-3, width: int = 32, target: float = 0.1,
             names: Sequence[str] = ("none", "standard", "pca", "zca")) -> Comparison:
    """Wine (features on very different scales): each normalization fitted on the training split only."""
    check("run_wine", "seeds", seeds, POSITIVE_INT)
    check("run_wine", "steps", steps, POSITIVE_INT)
    X, y = load_bundled("wine")
    curves = []
    for name in names:
        parts = split_standardized(X, y, val=0.3, seed=0, normalize=name)
        losses, reached, accuracy = [], [], []
        for s in range(seeds):
            model = _seeded([X.shape[1], width, width, 3], s)
            result = descend(model, F.cross_entropy, parts.train.x, parts.train.y,
                             torch.optim.Adam(model.parameters(), lr=lr), max_iter=steps)
            losses.append(result.losses)
            reached.append(result.iterations_to(target))
            with torch.no_grad():
                accuracy.append(float((model(parts.val.x).argmax(1) == parts.val.y).double().mean()))
        curves.append(Curves(name, np.array(losses), reached, accuracy))
    setup = {"data": "wine (sklearn), 70/30 split, normalization fitted on the training rows",
             "model": f"13-{width}-{width}-3 tanh MLP", "optimizer": f"Adam lr {lr:g}, full batch",
             "loss": "cross-entropy", "steps": steps, "seeds": seeds}
    return Comparison("wine", setup, target, curves)


def _steps_text(c: Curves) -> str:
    return ", ".join("-" if s is None else str(s) for s in c.steps_to_target)


def summary(comparisons: Sequence[Comparison]) -> dict:
    """The numbers the doc quotes: per normalization, steps to target per seed and final losses."""
    out = {}
    for comp in comparisons:
        rows = {}
        for c in comp.curves:
            final = c.losses[:, -1]
            reached = [s for s in c.steps_to_target if s is not None]
            rows[c.name] = {
                "steps_to_target": c.steps_to_target,
                "steps_to_target_median": statistics.median(reached) if len(reached) == len(c.steps_to_target)
                else None,
                "reached": f"{c.reached()}/{len(c.steps_to_target)}",
                "final_loss_mean": float(final.mean()), "final_loss_min": float(final.min()),
                "final_loss_max": float(final.max()),
            }
            if c.val_metric:
                rows[c.name]["val_accuracy_mean"] = float(np.mean(c.val_metric))
                rows[c.name]["val_accuracy_min"] = float(np.min(c.val_metric))
        out[comp.problem] = {"setup": comp.setup, "target_loss": comp.target, "normalizations": rows}
    return out


COLORS = {"none": "tab:red", "standard": "tab:blue", "pca": "tab:green", "zca": "tab:purple"}


def plot_comparison(comparisons: Sequence[Comparison], path: str | os.PathLike[str]) -> None:
    """One panel of learning curves per problem (mean over seeds, min-max band), steps to target per seed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from trainlab.atomic import atomic_write

    fig = Figure(figsize=(5 * len(comparisons) + 4, 4.2), dpi=90)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(comparisons) + 1, gridspec_kw={"width_ratios": [5] * len(comparisons) + [4]})
    for ax, comp in zip(axes, comparisons):
        for c in comp.curves:
            steps = np.arange(c.losses.shape[1])
            color = COLORS.get(c.name)
            ax.plot(steps, c.losses.mean(0), color=color, label=f"{c.name} (reached {c.reached()}/{len(c.losses)})")
            ax.fill_between(steps, c.losses.min(0), c.losses.max(0), color=color, alpha=0.2, lw=0)
        ax.axhline(comp.target, color="gray", ls=":", lw=1, label=f"target {comp.target:g}")
        ax.set_yscale("log")
        ax.set(xlabel="step", ylabel="training loss", title=f"{comp.problem}\n(mean and min-max over "
               f"{comp.setup['seeds']} seeds)")
        ax.legend(fontsize=8)
    ax = axes[-1]
    labels = []
    for i, (comp, c) in enumerate((comp, c) for comp in comparisons for c in comp.curves):
        horizon = c.losses.shape[1] - 1
        hits = [horizon * 1.05 if s is None else s for s in c.steps_to_target]
        ax.scatter(hits, [i] * len(hits), color=COLORS.get(c.name), marker="o", zorder=3)
        labels.append(f"{comp.problem.split(' (')[0]}: {c.name}")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xscale("log")
    ax.set(xlabel="steps (right edge: never reached)", title="steps to the target loss, per seed")
    ax.invert_yaxis()
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png"))


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m trainlab.experiments.input_normalization --out docs/figures/normalization``."""
    import argparse

    from trainlab.atomic import atomic_write_text

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/figures/normalization", help="folder for the figure and JSON")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2000, help="steps on the lecture target")
    parser.add_argument("--wine-steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for these sizes)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    comparisons = [run_lecture_target(seeds=args.seeds, steps=args.steps),
                   run_wine(seeds=args.seeds, steps=args.wine_steps)]
    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "input_normalization.png")
    plot_comparison(comparisons, figure)
    numbers = summary(comparisons)
    atomic_write_text(os.path.join(args.out, "input_normalization.json"), json.dumps(numbers, indent=1))
    for comp in comparisons:
        print(f"{comp.problem}: steps to loss {comp.target:g} per seed")
        for c in comp.curves:
            acc = f"   val accuracy {np.mean(c.val_metric):.3f}" if c.val_metric else ""
            print(f"  {c.name:9s} {_steps_text(c):40s} final {c.losses[:, -1].mean():.4g}{acc}")
    print("figure:", figure)


if __name__ == "__main__":
    main()
