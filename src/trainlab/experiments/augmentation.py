"""Data augmentation on digits: what each transform looks like, and what it does to the test error.

Training rows are few (``n_train`` per seed), so the network overfits them; each
augmentation of ``trainlab.regularize.augment`` is applied to every training step
and two test errors are compared with no augmentation, over several seeds: on the
rest of the digits as they are, and on the same test digits moved by
``PERTURBATION`` (one fixed draw per seed: what an invariance buys). Mirroring is
not label-preserving for digits (a mirrored 2 is no 2), so ``flip`` is the control
that should not help.

Set-up (trainlab's choice): pixels / 16 (the augmentations work in pixel units
0-16: ``Augment.with_scaling(0, 16)``), a 64-256-10 ReLU MLP, Adam (lr 3e-3), full
batch (each step sees a fresh draw of every training row), ``epochs`` steps. ``python -m trainlab.experiments.augmentation
--out docs/figures/regularization`` writes ``augmentation.json``,
``augmentation.png`` (the test errors) and ``augmentation_examples.png``.

Example:
    >>> r = augmentation_study(settings={"none": None, "shift": "shift"}, seeds=[0], epochs=1, n_train=50)
    >>> sorted(r["test_error"])
    ['none', 'shift']
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from trainlab.data.bundled import load_bundled
from trainlab.experiments.digits_lab import PIXEL_SCALE, digits_split, fit_classifier, mean_spread, scores, write_json
from trainlab.nn import MLP
from trainlab.regularize import parse_augment

__all__ = ["SETTINGS", "augmentation_study", "main", "plot_augmentation", "plot_examples"]

SETTINGS: dict[str, str | None] = {
    "none": None, "flip": "flip", "shift": "shift", "rotate": "rotate:degrees=10", "distort": "distort:strength=0.2",
    "brightness": "brightness:strength=0.3", "noise": "noise:std=0.1", "shift+rotate": "shift,rotate:degrees=10",
}
PERTURBATION = "shift,rotate:degrees=10"  # applied to the test digits for the second test error


def augmentation_study(settings: Mapping[str, str | None] = SETTINGS, seeds: Sequence[int] = (0, 1, 2, 3, 4),
                       epochs: int = 300, n_train: int = 200) -> dict[str, Any]:
    """``{"test_error" | "perturbed_test_error" | "train_error" | "test_loss": {name: mean_spread}}``."""
    out: dict[str, Any] = {"setup": {"data": "digits / 16", "n_train": n_train, "epochs": epochs,
                                     "model": "64-256-10 relu", "optimizer": "Adam lr 3e-3, full batch",
                                     "seeds": list(seeds), "settings": dict(settings), "perturbation": PERTURBATION},
                           "test_error": {}, "perturbed_test_error": {}, "train_error": {}, "test_loss": {}}
    perturb = parse_augment(PERTURBATION).with_scaling(0.0, PIXEL_SCALE)
    for name, spec in settings.items():
        rows: dict[str, list[float]] = {key: [] for key in out if key != "setup"}
        for seed in seeds:
            split = digits_split(seed, n_train=n_train)
            augment = None if spec is None else parse_augment(spec).with_scaling(0.0, PIXEL_SCALE)
            torch.manual_seed(seed)
            model = MLP([64, 256, 10])
            fit_classifier(model, torch.optim.Adam(model.parameters(), lr=3e-3), split, epochs, None, seed,
                           augment=augment)
            test = scores(model, split.x_test, split.y_test)
            moved = perturb(split.x_test, torch.Generator().manual_seed(10_000 + seed))
            rows["test_error"].append(test["error"])
            rows["test_loss"].append(test["loss"])
            rows["perturbed_test_error"].append(scores(model, moved, split.y_test)["error"])
            rows["train_error"].append(scores(model, split.x_train, split.y_train)["error"])
        for key, values in rows.items():
            out[key][name] = mean_spread(values)
    return out


def plot_augmentation(result: dict[str, Any], path: str) -> None:
    """Both test errors per augmentation (mean +- std over seeds), the no-augmentation levels as lines."""
    import matplotlib.pyplot as plt

    names = list(result["test_error"])
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    for offset, key, color, label in [(-0.2, "test_error", "tab:blue", "test digits as they are"),
                                      (0.2, "perturbed_test_error", "tab:red",
                                       f"test digits moved by {result['setup']['perturbation']}")]:
        mean = [result[key][n]["mean"] for n in names]
        std = [result[key][n]["std"] for n in names]
        ax.bar([i + offset for i in range(len(names))], mean, width=0.4, yerr=std, capsize=3, color=color,
               alpha=0.8, label=label)
        ax.axhline(result[key]["none"]["mean"], color=color, lw=0.8, ls="--")
    ax.legend(fontsize=8)
    ax.set_xticks(range(len(names)), ["training: " + names[0], *names[1:]], rotation=20, fontsize=8)
    ax.set_ylabel("test error")
    setup = result["setup"]
    ax.set_title(f"Augmentation on digits ({setup['n_train']} training rows, {len(setup['seeds'])} seeds, "
                 "mean +- std)", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_examples(path: str, settings: Mapping[str, str | None] = SETTINGS, n: int = 6, seed: int = 0) -> None:
    """The first ``n`` digits (top row) and one random draw of each augmentation below, as in training."""
    import matplotlib.pyplot as plt

    X, _ = load_bundled("digits")
    x = torch.as_tensor(X[:n], dtype=torch.float64) / PIXEL_SCALE  # as the networks see them
    rows = [(name, spec) for name, spec in settings.items()]
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 0.95))
    for r, (name, spec) in enumerate(rows):
        augment = None if spec is None else parse_augment(spec).with_scaling(0.0, PIXEL_SCALE)
        images = PIXEL_SCALE * (x if augment is None else augment(x, torch.Generator().manual_seed(seed)))
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(images[c].reshape(8, 8).numpy(), cmap="gray_r", vmin=0, vmax=PIXEL_SCALE)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout(pad=0.2)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.augmentation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/regularization")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = augmentation_study(seeds=range(args.seeds), epochs=args.epochs)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "augmentation.json"), result)
    plot_augmentation(result, os.path.join(args.out, "augmentation.png"))
    plot_examples(os.path.join(args.out, "augmentation_examples.png"))
    return result


if __name__ == "__main__":
    main()
