"""Seeded train/validation/test splits, normalized with statistics of the training part only.

By default features are standardized, ``x' = (x - mean_train) / std_train`` per
feature (and the same for a regression target), so no information leaks from
validation or test data; ``normalize`` picks another transform of
``trainlab.data.normalize`` (``"none"``, ``"pca"``, ``"zca"`` or a ``Normalizer``).
A constant training column is only centred by the default standardization
(``Standardize(constant="center")``), as it always was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from trainlab.constraints import Interval, check, fail
from trainlab.data.checks import check_xy
from trainlab.data.normalize import Normalizer, Standardize, make_normalizer


@dataclass
class Split:
    """One part of a data set as tensors."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class Splits:
    """Train, validation and test parts plus the normalizers fitted on train."""

    train: Split
    val: Split
    test: Split
    x_scaler: Normalizer
    y_scaler: Standardize | None


def split_indices(n: int, val: float, test: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled index arrays for train, validation and test."""
    for name, frac in (("val", val), ("test", test)):
        check("split_indices", name, frac, Interval(0, 1, closed="left"))
    if val + test >= 1:
        fail("split_indices", "val + test", "below 1 so that training data remains", val + test)
    order = np.random.default_rng(seed).permutation(n)
    n_test, n_val = int(round(test * n)), int(round(val * n))
    return order[n_test + n_val :], order[n_test : n_test + n_val], order[:n_test]


def _normalizer(normalize: str | Normalizer) -> Normalizer:
    if isinstance(normalize, Normalizer):
        return normalize
    return Standardize(constant="center") if normalize == "standard" else make_normalizer(normalize)


def split_standardized(
    X: np.ndarray,
    y: np.ndarray,
    val: float = 0.2,
    test: float = 0.0,
    seed: int = 0,
    standardize_target: bool = True,
    dtype: torch.dtype = torch.float32,
    normalize: str | Normalizer = "standard",
) -> Splits:
    """Split, then normalize features (standardize a float target) with training statistics.

    ``normalize``: a name of ``trainlab.data.normalize`` or a ``Normalizer``; it is
    fitted on the training rows here unless it is fitted already (one a run saved,
    so that a resumed run uses the statistics it started with).
    """
    check_xy("split_standardized", X, y)
    tr, va, te = split_indices(len(X), val, test, seed)
    X = np.asarray(X)
    xs = _normalizer(normalize)
    if xs.n_features is None:
        xs.fit(X[tr])
    regression = np.issubdtype(np.asarray(y).dtype, np.floating)
    y_shape = np.shape(y)[1:] or (1,)
    y2 = np.asarray(y).reshape(len(y), -1) if regression else y
    ys = Standardize(constant="center").fit(y2[tr]) if (regression and standardize_target) else None

    def part(idx: np.ndarray) -> Split:
        xv = xs.transform(torch.as_tensor(X[idx], dtype=torch.float64)).to(dtype)
        if regression:
            yv = torch.as_tensor(y2[idx], dtype=torch.float64)
            yv = ys.transform(yv) if ys is not None else yv
            yt = yv.to(dtype).reshape(len(idx), *y_shape)
        else:
            yt = torch.as_tensor(y[idx], dtype=torch.long)
        return Split(xv, yt)

    return Splits(part(tr), part(va), part(te), xs, ys)


def __getattr__(name: str):
    if name == "Standardizer":  # the class before trainlab.data.normalize
        raise AttributeError("trainlab.data.split.Standardizer was replaced by trainlab.data.Standardize "
                             "(scikit-learn's interface: Standardize(constant='center').fit(X).transform(X)).")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
