"""Data augmentation on digits: what each transform looks like, and what it does to the test error.

Training rows are few (``n_train`` per seed), so the network overfits them; each
augmentation of ``trainlab.regularize.augment`` is applied to every training batch
and the test error (on the rest of the digits, never augmented) is compared with
no augmentation, over several seeds. Mirroring is not label-preserving for digits
(a mirrored 2 is no 2), so ``flip`` is the control that should not help.

Set-up (trainlab's choice): pixels / 16 (the augmentations work in pixel units
0-16: ``Augment.with_scaling(0, 16)``), a 64-128-10 ReLU MLP, Adam (lr 1e-3),
batches of 32, ``epochs`` epochs. ``python -m trainlab.experiments.augmentation
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
    "none": None, "flip": "flip", "shift": "shift", "rotate": "rotate:degrees=15", "distort": "distort:strength=0.3",
    "brightness": "brightness:strength=0.3", "noise": "noise:std=0.1",
    "shift+rotate+distort": "shift,rotate:degrees=15,distort:strength=0.3",
}


def augmentation_study(settings: Mapping[str, str | None] = SETTINGS, seeds: Sequence[int] = (0, 1, 2, 3, 4),
                       epochs: int = 100, n_train: int = 200) -> dict[str, Any]:
    """``{"test_error": {name: mean_spread}, "train_error": ..., "runs": ...}`` for each augmentation."""
    out: dict[str, Any] = {"setup": {"data": "digits / 16", "n_train": n_train, "epochs": epochs,
                                     "model": "64-128-10 relu", "optimizer": "Adam lr 1e-3, batches of 32",
                                     "seeds": list(seeds), "settings": dict(settings)},
                           "test_error": {}, "train_error": {}, "test_loss": {}}
    for name, spec in settings.items():
        rows: dict[str, list[float]] = {"test_error": [], "train_error": [], "test_loss": []}
        for seed in seeds:
            split = digits_split(seed, n_train=n_train)
            augment = None if spec is None else parse_augment(spec).with_scaling(0.0, PIXEL_SCALE)
            torch.manual_seed(seed)
            model = MLP([64, 128, 10])
            fit_classifier(model, torch.optim.Adam(model.parameters(), lr=1e-3), split, epochs, 32, seed,
                           augment=augment)
            test = scores(model, split.x_test, split.y_test)
            rows["test_error"].append(test["error"])
            rows["test_loss"].append(test["loss"])
            rows["train_error"].append(scores(model, split.x_train, split.y_train)["error"])
        for key, values in rows.items():
            out[key][name] = mean_spread(values)
    return out


def plot_augmentation(result: dict[str, Any], path: str) -> None:
    """Test error per augmentation (mean +- std over seeds), the no-augmentation level as a line."""
    import matplotlib.pyplot as plt

    names = list(result["test_error"])
    mean = [result["test_error"][n]["mean"] for n in names]
    std = [result["test_error"][n]["std"] for n in names]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.bar(range(len(names)), mean, yerr=std, capsize=3, color=["grey"] + ["tab:blue"] * (len(names) - 1))
    ax.axhline(result["test_error"]["none"]["mean"], color="k", lw=0.8, ls="--")
    ax.set_xticks(range(len(names)), names, rotation=20, fontsize=8)
    ax.set_ylabel("test error")
    setup = result["setup"]
    ax.set_title(f"Augmentation on digits ({setup['n_train']} training rows, {len(setup['seeds'])} seeds, "
                 "mean +- std)", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_examples(path: str, settings: Mapping[str, str | None] = SETTINGS, n: int = 6, seed: int = 0) -> None:
    """The first ``n`` digits (top row) and one random draw of each augmentation below."""
    import matplotlib.pyplot as plt

    X, _ = load_bundled("digits")
    x = torch.as_tensor(X[:n], dtype=torch.float64)
    rows = [(name, spec) for name, spec in settings.items()]
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 0.95))
    for r, (name, spec) in enumerate(rows):
        images = x if spec is None else parse_augment(spec)(x, torch.Generator().manual_seed(seed))
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
    parser.add_argument("--epochs", type=int, default=100)
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
