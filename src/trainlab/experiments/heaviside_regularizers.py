"""The Heaviside target with 2 and 3 hidden layers: no regularizer, L1, L2, dropout (the Brown/NVIDIA notes).

The Brown/NVIDIA "Training and Optimization" notes ("Example: Regularizers - 2/3
Hidden Layers", "Example: Dropout Regularization") fit ``f(x) = 0 (x < 0), 1
(x >= 0)`` with 2 and 3 hidden layers of 100 ReLU units, learning rate 0.01,
30000 epochs, and compare an L1 penalty (``alpha = 1e-4``), an L2 penalty
(``alpha = 1e-4``) and dropout with probabilities 0.75 / 0.01 (2 layers) and
0.75 / 0.6 / 0.01 (3 layers); they conclude "L1 seems to work better here" and,
for dropout, "3 layers seem to work better".

Set-up: from the notes - the widths, ReLU, Adam (their code's optimizer) at lr
0.01, full batch, ``alpha = 1e-4`` for L1 ``alpha sum |theta|`` and L2
``(alpha/2) sum theta^2`` over *all* parameters as their ``l1_penalty`` sums them
(biases included), dropout rates read as drop probabilities (``trainlab.nn.MLP``
explains why). Trainlab's choices, as the notes give none: 100 evenly spaced
training points on [-1, 1] (the notes' ``torch.linspace(-1, 1, 100)``), the test
error against the clean step on 1000 evenly spaced points, 1000 epochs by default
(``--epochs 30000`` runs the notes' length, 30 times longer), and several
seeds; every variant of a seed starts from the same weights. Errors are mean
squared errors in ``eval`` mode (no dropout), as the notes advise. Also measured: the
share of weights (biases left out) with ``|w| <= 1e-3`` and the share of hidden ReLU
outputs that are 0 on the test grid.

Run:
    python -m trainlab.experiments.heaviside_regularizers --out docs/figures/regularization

Example:
    >>> r = run_heaviside_regularizers(depths=(2,), seeds=1, epochs=2, width=8)
    >>> sorted(r.summary()["2 hidden layers"])
    ['L1 1e-4', 'L2 1e-4', 'dropout 0.75/0.01', 'none']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from trainlab.atomic import atomic_write
from trainlab.experiments.target_fits import Fit, fit_target, run_demo, summarize, target_data
from trainlab.nn import MLP
from trainlab.regularize import L1, L2, activation_sparsity, weight_sparsity
from trainlab.train import seed_everything

__all__ = ["DROPOUT", "HeavisideResult", "run_heaviside_regularizers", "main"]

DROPOUT = {2: [0.75, 0.01], 3: [0.75, 0.6, 0.01]}  # per hidden layer, from the notes
ALPHA = 1e-4
LR = 0.01


def _variants(depth: int) -> dict[str, tuple[list[float] | float, Any]]:
    """name -> (dropout of the MLP, penalty)."""
    drop = DROPOUT[depth]
    return {
        "none": (0.0, None),
        "L1 1e-4": (0.0, L1(ALPHA, include_bias=True, include_norm=True)),
        "L2 1e-4": (0.0, L2(ALPHA, include_bias=True, include_norm=True)),
        f"dropout {'/'.join(f'{p:g}' for p in drop)}": (drop, None),
    }


@dataclass
class HeavisideResult:
    fits: dict[str, dict[str, list[Fit]]]  # depth label -> variant -> one per seed
    train: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    epochs: int

    def summary(self) -> dict[str, dict[str, dict[str, object]]]:
        """Per depth and variant: training and test MSE (mean, std over seeds)."""
        return {depth: {name: {"train_mse": summarize([f.train_mse for f in fits]),
                               "test_mse": summarize([f.test_mse for f in fits]),
                               **{k: summarize([f.measures[k] for f in fits]) for k in fits[0].measures}}
                        for name, fits in variants.items()}
                for depth, variants in self.fits.items()}

    def plot(self, path: str | Path) -> Path:
        """One row per depth: fitted curves of the first seed (all of [-1, 1], and near the jump), errors."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        rows = len(self.fits)
        fig = Figure(figsize=(15, 3.8 * rows), dpi=80)
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, 3, squeeze=False, gridspec_kw={"width_ratios": [1, 1, 1.3]})
        colors = ("tab:gray", "tab:blue", "tab:green", "tab:red")
        x_test = self.test[0].ravel()
        for (depth, variants), (ax_fit, ax_zoom, ax_err) in zip(self.fits.items(), axes, strict=True):
            for ax, (low, high) in ((ax_fit, (-1.02, 1.02)), (ax_zoom, (-0.08, 0.08))):
                ax.plot(x_test, self.test[1].ravel(), color="black", lw=1, ls="--", label="Heaviside")
                for (name, fits), color in zip(variants.items(), colors, strict=False):
                    ax.plot(x_test, fits[0].curve, color=color, lw=1.2, label=name)
                ax.scatter(self.train[0].ravel(), self.train[1].ravel(), s=8, color="black", zorder=3,
                           label="training points")
                ax.set(xlabel="x", ylabel="y", xlim=(low, high), ylim=(-0.3, 1.3))
            ax_fit.set_title(f"{depth}: fitted curves (first seed)", fontsize=10)
            ax_zoom.set_title("near the jump", fontsize=10)
            ax_fit.legend(fontsize=7, loc="upper left")
            names = list(variants)
            pos = torch.arange(len(names), dtype=torch.float64)
            for offset, split, hatch in ((-0.2, "train_mse", ""), (0.2, "test_mse", "//")):
                stats = [summarize([getattr(f, split) for f in variants[n]]) for n in names]
                ax_err.bar(pos + offset, [s["mean"] for s in stats], width=0.4, yerr=[s["std"] for s in stats],
                           color=colors[: len(names)], hatch=hatch, edgecolor="black", capsize=3,
                           label=split.replace("_mse", ""))
            seeds = len(next(iter(variants.values())))
            ax_err.set(yscale="log", ylabel="MSE (mean +- std)")
            ax_err.set_title(f"train (plain), test (hatched): {seeds} seeds, {self.epochs} epochs", fontsize=10)
            ax_err.set_xticks(pos.tolist(), names, fontsize=8)
            ax_err.legend(fontsize=8)
        fig.tight_layout()
        atomic_write(path, lambda f: fig.savefig(f, format="png"))
        return Path(path)


def run_heaviside_regularizers(depths: Sequence[int] = (2, 3), seeds: int = 3, epochs: int = 1000,
                               width: int = 100) -> HeavisideResult:
    """Train every variant at every depth for ``seeds`` initializations."""
    train, test = target_data("heaviside", n_train=100, n_test=1000)
    fits: dict[str, dict[str, list[Fit]]] = {}
    for depth in depths:
        label = f"{depth} hidden layers"
        widths = [1, *[width] * depth, 1]
        variants = _variants(depth)
        fits[label] = {name: [] for name in variants}
        for seed in range(seeds):
            seed_everything(seed)
            start = MLP(widths, activation="relu")
            for name, (dropout, penalty) in variants.items():
                model = MLP(widths, activation="relu", dropout=dropout)
                for mine, theirs in zip(model.linears(), start.linears(), strict=True):
                    mine.load_state_dict(theirs.state_dict())
                optimizer = torch.optim.Adam(model.parameters(), lr=LR)
                fit = fit_target(model, optimizer, train, test, epochs, penalty, seed=seed)
                relus = [m for m in model if isinstance(m, torch.nn.ReLU)]
                fit.measures = {"weights_below_1e-3": weight_sparsity(model, threshold=1e-3),
                                "relu_outputs_off": activation_sparsity(model, relus, test[0], threshold=0.0)}
                fits[label][name].append(fit)
    return HeavisideResult(fits, train, test, epochs)


def _write(out: Path, seeds: int, epochs: int) -> dict[str, object]:
    result = run_heaviside_regularizers(seeds=seeds, epochs=epochs)
    result.plot(out / "heaviside-regularizers.png")
    return {"epochs": epochs, "seeds": seeds, "lr": LR, "alpha": ALPHA,
            "dropout": {str(k): v for k, v in DROPOUT.items()}, "results": result.summary()}


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    return run_demo(argv, "trainlab.experiments.heaviside_regularizers", __doc__, "heaviside-regularizers", 3, 1000,
                    _write)


if __name__ == "__main__":
    main()
