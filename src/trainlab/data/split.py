"""Seeded train/validation/test splits and standardization fitted on the training part only.

Standardization: ``x' = (x - mean_train) / std_train`` per feature (and the same
for a regression target), so no information leaks from validation or test data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from trainlab.constraints import Interval, check, fail
from trainlab.data.checks import check_xy


@dataclass
class Split:
    """One part of a data set as tensors."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class Splits:
    """Train, validation and test parts plus the scalers fitted on train."""

    train: Split
    val: Split
    test: Split
    x_scaler: Standardizer
    y_scaler: Standardizer | None


class Standardizer:
    """Per-column ``(v - mean) / std`` with statistics of the data it was fitted on."""

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean, self.std = mean, np.where(std > 0, std, 1.0)

    @classmethod
    def fit(cls, v: np.ndarray) -> Standardizer:
        return cls(v.mean(axis=0), v.std(axis=0))

    def transform(self, v: np.ndarray) -> np.ndarray:
        return (v - self.mean) / self.std

    def inverse(self, v: np.ndarray) -> np.ndarray:
        return v * self.std + self.mean


def split_indices(n: int, val: float, test: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled index arrays for train, validation and test."""
    for name, frac in (("val", val), ("test", test)):
        check("split_indices", name, frac, Interval(0, 1, closed="left"))
    if val + test >= 1:
        fail("split_indices", "val + test", "below 1 so that training data remains", val + test)
    order = np.random.default_rng(seed).permutation(n)
    n_test, n_val = int(round(test * n)), int(round(val * n))
    return order[n_test + n_val :], order[n_test : n_test + n_val], order[:n_test]


def split_standardized(
    X: np.ndarray,
    y: np.ndarray,
    val: float = 0.2,
    test: float = 0.0,
    seed: int = 0,
    standardize_target: bool = True,
    dtype: torch.dtype = torch.float32,
) -> Splits:
    """Split, then standardize features (and a float target) with training statistics."""
    check_xy("split_standardized", X, y)
    tr, va, te = split_indices(len(X), val, test, seed)
    xs = Standardizer.fit(X[tr])
    regression = np.issubdtype(np.asarray(y).dtype, np.floating)
    ys = Standardizer.fit(y[tr]) if (regression and standardize_target) else None

    def part(idx: np.ndarray) -> Split:
        xv = torch.as_tensor(xs.transform(X[idx]), dtype=dtype)
        yv = y[idx]
        if regression:
            yv = ys.transform(yv) if ys is not None else yv
            yt = torch.as_tensor(yv, dtype=dtype).reshape(len(idx), *(np.shape(y)[1:] or (1,)))
        else:
            yt = torch.as_tensor(yv, dtype=torch.long)
        return Split(xv, yt)

    return Splits(part(tr), part(va), part(te), xs, ys)
