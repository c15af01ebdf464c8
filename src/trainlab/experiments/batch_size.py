"""Small batches as a regularizer: the generalization gap per batch size, several seeds.

The UCLA ECE 239AS notes list the noise of stochastic gradients among the
regularizers; Keskar et al. (2017, "On large-batch training for deep learning:
generalization gap and sharp minima", ICLR) measured a larger test-minus-train
gap for large batches. The learning rate must move with the batch size for the
comparison to mean anything (with one rate for all, large batches take too few
steps and merely underfit); the rule here is the square-root rule for Adam

    lr(B) = base_lr * sqrt(B / base_batch)

(Hoffer et al. 2017, "Train longer, generalize better: closing the generalization
gap in large batch training of neural networks", NeurIPS; Malladi et al. 2022,
"On the SDEs and scaling rules for adaptive gradient algorithms", NeurIPS), with
which every batch size reaches zero training error in the same number of epochs,
so the test error is the gap.

Set-up (trainlab's choice): scikit-learn's digits, pixels / 16, ``n_train`` rows
drawn per seed and the rest as test set; a 64-128-128-10 ReLU MLP; Adam; the same
number of epochs for every batch size (the largest, ``n_train``, is full batch).
Measured at the end, per seed: training and test cross-entropy and error, and the
gaps test - train. Numbers and the figure: ``python -m
trainlab.experiments.batch_size --out docs/figures/regularization``.

Example:
    >>> r = batch_size_study(batch_sizes=[8, 64], seeds=[0], epochs=2, n_train=64)
    >>> sorted(r["batches"]), r["setup"]["rule"]
    (['64', '8'], 'lr = 0.001 * sqrt(B / 8)')
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from typing import Any

import torch

from trainlab.experiments.digits_lab import digits_split, fit_classifier, mean_spread, scores, write_json
from trainlab.nn import MLP

__all__ = ["batch_size_study", "learning_rate", "main", "plot_batch_size"]


def learning_rate(batch: int, base_lr: float, base_batch: int) -> float:
    """The square-root rule: ``base_lr * sqrt(batch / base_batch)``."""
    return base_lr * math.sqrt(batch / base_batch)


def batch_size_study(batch_sizes: Sequence[int] = (16, 32, 64, 128, 256, 600), seeds: Sequence[int] = (0, 1, 2, 3, 4),
                     epochs: int = 100, n_train: int = 600, base_lr: float = 1e-3,
                     base_batch: int = 8) -> dict[str, Any]:
    """``{"batches": {B: {metric: mean_spread}}}`` plus the set-up.

    Every batch size trains on the same split and initialization per seed, so the
    differences to the smallest batch size (``gap_error_minus_smallest``...) are
    paired, seed by seed.
    """
    out: dict[str, Any] = {"setup": {"data": "digits / 16", "n_train": n_train, "epochs": epochs,
                                     "model": "64-128-128-10 relu", "optimizer": "Adam", "seeds": list(seeds),
                                     "rule": f"lr = {base_lr:g} * sqrt(B / {base_batch})"}, "batches": {}}
    per_seed: dict[int, dict[str, list[float]]] = {}
    for batch in batch_sizes:
        lr = learning_rate(batch, base_lr, base_batch)
        rows: dict[str, list[float]] = {}
        for seed in seeds:
            split = digits_split(seed, n_train=n_train)
            torch.manual_seed(seed)
            model = MLP([64, 128, 128, 10])
            fit_classifier(model, torch.optim.Adam(model.parameters(), lr=lr), split, epochs,
                           None if batch >= n_train else batch, seed)
            train, test = scores(model, split.x_train, split.y_train), scores(model, split.x_test, split.y_test)
            values = {"train_loss": train["loss"], "test_loss": test["loss"], "train_error": train["error"],
                      "test_error": test["error"], "gap_loss": test["loss"] - train["loss"],
                      "gap_error": test["error"] - train["error"]}
            for k, v in values.items():
                rows.setdefault(k, []).append(v)
        per_seed[batch] = rows
        out["batches"][str(batch)] = {"lr": lr, **{k: mean_spread(v) for k, v in rows.items()}}
        for key in ("gap_error", "gap_loss"):
            smallest = per_seed[batch_sizes[0]][key]
            out["batches"][str(batch)][f"{key}_minus_smallest"] = mean_spread(
                [a - b for a, b in zip(rows[key], smallest, strict=True)])
    return out


def plot_batch_size(result: dict[str, Any], path: str) -> None:
    """Train/test error, and the two gaps less the smallest batch's (paired by seed), per batch size.

    Lines: the mean over seeds; bands: +-1 standard deviation over seeds.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    rows = result["batches"]
    sizes = sorted(rows, key=int)
    panels = [("error", ["train_error", "test_error"]),
              (f"gap in error (test - train) minus B={sizes[0]}'s, same seed", ["gap_error_minus_smallest"]),
              (f"gap in cross-entropy minus B={sizes[0]}'s, same seed", ["gap_loss_minus_smallest"])]
    b = [int(s) for s in sizes]
    for ax, (title, keys) in zip(axes, panels, strict=True):
        for key, color in zip(keys, ["tab:blue", "tab:orange"]):
            mean = [rows[s][key]["mean"] for s in sizes]
            std = [rows[s][key]["std"] for s in sizes]
            ax.plot(b, mean, marker="o", color=color, label=key.split("_")[0] if len(keys) > 1 else None)
            ax.fill_between(b, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                            color=color, alpha=0.2)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size B (largest: full batch)")
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[1:]:
        ax.axhline(0, color="k", lw=0.8)
    axes[0].legend()
    setup = result["setup"]
    fig.suptitle(f"Batch size on digits ({setup['n_train']} training rows, {setup['epochs']} epochs, Adam with "
                 f"{setup['rule']}, {len(setup['seeds'])} seeds: mean +- std)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.batch_size", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/regularization")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = batch_size_study(epochs=args.epochs, seeds=range(args.seeds))
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "batch_size.json"), result)
    plot_batch_size(result, os.path.join(args.out, "batch_size.png"))
    return result


if __name__ == "__main__":
    main()
