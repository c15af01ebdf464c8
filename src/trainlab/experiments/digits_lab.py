"""The shared set-up of the regularization experiments on scikit-learn's 8x8 digits.

Pixels are scaled to ``[0, 1]`` (``x / 16``; every split the same way, nothing fitted
on test data), labels stay 0-9. ``digits_split`` draws a training set of
``n_train`` rows (stratified when ``per_class``) and keeps the rest for testing;
``fit_classifier`` trains with the ``Trainer`` and cross-entropy; ``scores`` gives
the loss and error of a model on a split; ``mean_spread`` summarizes seeds.

Example:
    >>> split = digits_split(seed=0, n_train=100)
    >>> tuple(split.x_train.shape), tuple(split.x_test.shape)
    ((100, 64), (1697, 64))
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from trainlab.atomic import atomic_write_text
from trainlab.data.bundled import load_bundled
from trainlab.train import Trainer

__all__ = ["PIXEL_SCALE", "DigitsSplit", "digits_split", "fit_classifier", "mean_spread", "scores", "write_json"]

PIXEL_SCALE = 16.0  # digits' pixels are 0..16


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    return load_bundled("digits")


@dataclass
class DigitsSplit:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def digits_split(seed: int, n_train: int | None = None, classes: Sequence[int] | None = None,
                 per_class: int | None = None) -> DigitsSplit:
    """Digits of ``classes`` (all by default, relabelled ``0..k-1`` in that order), split at random by ``seed``.

    ``per_class`` takes that many training rows of each class; otherwise ``n_train`` rows.
    """
    X, y = _digits()
    classes = list(range(10)) if classes is None else list(classes)
    keep = np.isin(y, classes)
    X, y = X[keep] / PIXEL_SCALE, np.array([classes.index(int(v)) for v in y[keep]])
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    if per_class is not None:
        train = np.concatenate([perm[y[perm] == c][:per_class] for c in range(len(classes))])
    else:
        train = perm[: len(X) if n_train is None else n_train]
    test = np.setdiff1d(np.arange(len(X)), train)
    t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    return DigitsSplit(t(X[train]), torch.as_tensor(y[train]), t(X[test]), torch.as_tensor(y[test]))


def fit_classifier(model: torch.nn.Module, optimizer: Any, split: DigitsSplit, epochs: int, batch_size: int | None,
                   seed: int, **trainer_args: Any) -> Trainer:
    """Train ``model`` on the training part with cross-entropy; return the Trainer."""
    trainer = Trainer(model, optimizer, loss="cross_entropy", epochs=epochs, batch_size=batch_size, seed=seed,
                      eval_train=False, **trainer_args)
    trainer.fit((split.x_train, split.y_train))
    return trainer


@torch.no_grad()
def scores(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """``{"loss": cross-entropy, "error": 1 - accuracy}`` in ``eval`` mode."""
    was = model.training
    model.eval()
    out = model(x)
    model.train(was)
    return {"loss": float(torch.nn.functional.cross_entropy(out, y)),
            "error": float((out.argmax(1) != y).float().mean())}


def mean_spread(values: Sequence[float]) -> dict[str, float]:
    """Mean, standard deviation (ddof 1; 0 for one value), min and max over seeds."""
    a = np.asarray(values, dtype=float)
    std = float(a.std(ddof=1)) if len(a) > 1 else 0.0
    return {"mean": float(a.mean()), "std": std, "min": float(a.min()), "max": float(a.max()), "n": len(a)}


def write_json(path: str, numbers: dict[str, Any]) -> None:
    """Write ``numbers`` (rounded to 6 significant digits) atomically."""
    def rounded(v: Any) -> Any:
        if isinstance(v, float):
            return float(f"{v:.6g}") if math.isfinite(v) else str(v)
        if isinstance(v, dict):
            return {k: rounded(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [rounded(x) for x in v]
        return v

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    atomic_write_text(path, json.dumps(rounded(numbers), indent=1))
