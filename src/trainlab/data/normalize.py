"""Input normalization fitted on the training split: standardization, PCA and ZCA whitening.

Three transforms with scikit-learn's interface (``fit(X)`` returns the transform,
``transform``, ``fit_transform``, ``inverse_transform``), torch tensors in and out
(the output has the input's dtype: float64 stays float64; the statistics are
float64). With ``mu`` the training mean and ``C = (X - mu)^T (X - mu) / n`` the
training covariance (the population form, ``1/n``, as ``numpy.std``), ``C = U diag(l) U^T``:

=============== ======================================= =================================
name            ``transform(x)``                        the transformed training data
=============== ======================================= =================================
``none``        ``x``                                   unchanged
``standard``    ``(x - mu) / sigma`` per column         mean 0, variance 1 per column
``pca``         ``(x - mu) U diag(l + eps)^(-1/2)``     covariance ``I`` (``eps = 0``);
                                                        columns along principal axes
``zca``         ``(x - mu) U diag(l + eps)^(-1/2) U^T`` covariance ``I`` (``eps = 0``);
                                                        the whitening closest to ``x - mu``
=============== ======================================= =================================

The ZCA matrix ``W = C^(-1/2)`` is symmetric; among all whitening matrices it
changes the data least (it minimizes ``E ||W (x - mu) - (x - mu)||^2``; Bell & Sejnowski
1997, Kessy, Lewin & Strimmer 2018). The Brown/NVIDIA "Training and Optimization" notes,
after LeCun et al. 1998 ("Efficient BackProp"), list the three aims: mean subtraction,
equal scales, decorrelation (whitening).

Rank deficiency. A constant column has no scale and a column that repeats another
(or any linear dependence) makes ``C`` singular, so ``C^(-1/2)`` does not exist:

- ``Standardize()`` refuses a zero-variance column; ``Standardize(constant="center")``
  only centres it (scale 1) - the rule ``split_standardized`` has always used;
- ``PCAWhiten()`` / ``ZCAWhiten()`` (``eps = 0``) refuse a singular covariance
  (an eigenvalue at most ``RANK_RTOL * max(l)``), naming the rank found;
  ``eps > 0`` adds ``eps`` to every eigenvalue: the result is finite, and the
  training covariance is ``diag(l / (l + eps))`` in the rotated frame instead of ``I``.

Non-finite values, a transform with another number of columns than fitted, and a
transform before ``fit`` each raise one error naming the argument. ``state_dict()``
holds plain tensors and numbers (``torch.load(..., weights_only=True)`` reads it);
``normalizer_from_state`` rebuilds a fitted normalizer from it.

Example:
    >>> import torch
    >>> X = torch.tensor([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 4.0]], dtype=torch.float64)
    >>> Z = ZCAWhiten().fit_transform(X)
    >>> torch.allclose(Z.T @ Z / len(Z), torch.eye(2, dtype=torch.float64))
    True
    >>> torch.allclose(make_normalizer("zca").fit(X).inverse_transform(Z), X)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trainlab.constraints import NONNEGATIVE, Options, check, fail, unknown_name
from trainlab.data.checks import check_finite

__all__ = ["NORMALIZERS", "RANK_RTOL", "Identity", "Normalizer", "NotFitted", "PCAWhiten", "Standardize",
           "ZCAWhiten", "make_normalizer", "normalizer_from_state", "normalizer_names"]

RANK_RTOL = 1e-12  # an eigenvalue at most this times the largest counts as zero (eps = 0)


class NotFitted(RuntimeError):
    """``transform`` or ``state_dict`` of a normalizer that was never fitted."""


def _as_float64(owner: str, X: Any) -> np.ndarray:
    """``X`` (tensor or array) as a float64 NumPy matrix, after the shape and finiteness checks."""
    arr = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    if arr.ndim != 2 or arr.shape[0] == 0:
        fail(owner, "X", "a 2-D tensor (rows x features) with at least one row", f"shape {tuple(arr.shape)}")
    check_finite(owner, "X", arr)
    return arr.astype(np.float64, copy=False)


def _constant_columns(X: np.ndarray) -> list[int]:
    """Indices of the columns whose values are all equal (zero variance)."""
    return np.flatnonzero(X.max(axis=0) == X.min(axis=0)).tolist()


def _as_tensor(X: Any) -> torch.Tensor:
    t = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X))
    return t if t.is_floating_point() else t.to(torch.float64)


class Normalizer:
    """The interface: ``fit``, ``transform``, ``fit_transform``, ``inverse_transform``, state."""

    name = ""
    _stats: tuple[str, ...] = ()  # fitted float64 tensors, in state_dict
    _settings: tuple[str, ...] = ()  # constructor arguments, in state_dict

    def __init__(self) -> None:
        self.n_features: int | None = None

    @property
    def owner(self) -> str:
        return type(self).__name__

    # -- to implement -------------------------------------------------------
    def _fit(self, X: np.ndarray) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _forward(self, X: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def _backward(self, Z: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    # -- the scikit-learn interface -----------------------------------------
    def fit(self, X: Any) -> Normalizer:
        """Learn the statistics of ``X`` (rows are samples); returns ``self``."""
        arr = _as_float64(self.owner, X)
        self._fit(arr)
        self.n_features = arr.shape[1]
        return self

    def _checked(self, X: Any, name: str = "X") -> torch.Tensor:
        if self.n_features is None:
            raise NotFitted(f"{self.owner} is not fitted yet: call fit(X) on the training data first.")
        t = _as_tensor(X)
        if t.ndim != 2 or t.shape[1] != self.n_features:
            fail(self.owner, name, f"a 2-D tensor with {self.n_features} columns (as fitted)",
                 f"shape {tuple(t.shape)}")
        check_finite(self.owner, name, t)
        return t

    def transform(self, X: Any) -> torch.Tensor:
        """``X`` normalized with the fitted statistics, in ``X``'s dtype."""
        t = self._checked(X)
        return self._forward(t.to(torch.float64)).to(t.dtype)

    def fit_transform(self, X: Any) -> torch.Tensor:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> torch.Tensor:
        """Back to the data's units: ``inverse_transform(transform(X)) == X`` (to rounding)."""
        t = self._checked(Z, "Z")
        return self._backward(t.to(torch.float64)).to(t.dtype)

    # -- state ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"name", "n_features", settings..., statistics...}``: tensors and numbers only."""
        if self.n_features is None:
            raise NotFitted(f"{self.owner} is not fitted yet: there is no state to save.")
        state: dict[str, Any] = {"name": self.name, "n_features": self.n_features}
        state.update({k: getattr(self, k) for k in self._settings})
        state.update({k: getattr(self, k).clone() for k in self._stats})
        return state

    def load_state_dict(self, state: dict[str, Any]) -> Normalizer:
        """Take the fitted statistics of ``state`` (from ``state_dict``); returns ``self``."""
        want = {"name", "n_features", *self._settings, *self._stats}
        if not isinstance(state, dict) or set(state) != want or state["name"] != self.name:
            fail(f"{self.owner}.load_state_dict", "state", f"a state_dict of {self.owner} with keys {sorted(want)}",
                 sorted(state) if isinstance(state, dict) else type(state).__name__)
        for k in self._settings:
            setattr(self, k, state[k])
        for k in self._stats:
            setattr(self, k, torch.as_tensor(state[k], dtype=torch.float64).clone())
        self.n_features = int(state["n_features"])
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._settings)
        return f"{self.owner}({args})"


class Identity(Normalizer):
    """No normalization (``"none"``): ``transform(x) = x``; it still checks columns and finiteness."""

    name = "none"

    def _fit(self, X: np.ndarray) -> None:
        pass

    def _forward(self, X: torch.Tensor) -> torch.Tensor:
        return X

    _backward = _forward


class Standardize(Normalizer):
    """``(x - mean) / std`` per column, with the training mean and (population) standard deviation.

    ``constant="error"`` refuses a zero-variance column; ``"center"`` only centres it.

    >>> import torch
    >>> Standardize().fit_transform(torch.tensor([[1.0], [3.0]])).ravel().tolist()
    [-1.0, 1.0]
    """

    name = "standard"
    _stats = ("mean", "scale")
    _settings = ("constant",)

    def __init__(self, constant: str = "error") -> None:
        super().__init__()
        check("Standardize", "constant", constant, Options(("error", "center")))
        self.constant = constant

    def _fit(self, X: np.ndarray) -> None:
        mean, std = X.mean(axis=0), X.std(axis=0)
        constant = _constant_columns(X)
        if self.constant == "error" and len(constant):
            fail(self.owner, "X", "features with nonzero variance (or Standardize(constant='center'))",
                 f"constant columns {constant}")
        self.mean = torch.as_tensor(mean)
        self.scale = torch.as_tensor(np.where(std > 0, std, 1.0))

    def _forward(self, X: torch.Tensor) -> torch.Tensor:
        return (X - self.mean) / self.scale

    def _backward(self, Z: torch.Tensor) -> torch.Tensor:
        return Z * self.scale + self.mean


class _Whiten(Normalizer):
    """The eigen-decomposition ``C = U diag(l) U^T`` of the training covariance, shared by PCA and ZCA."""

    _stats = ("mean", "components", "variances")
    _settings = ("eps",)

    def __init__(self, eps: float = 0.0) -> None:
        super().__init__()
        check(self.owner, "eps", eps, NONNEGATIVE)
        self.eps = float(eps)

    def _fit(self, X: np.ndarray) -> None:
        n, d = X.shape
        if n < 2:
            fail(self.owner, "X", "at least 2 rows to estimate a covariance", f"{n} row")
        mean = X.mean(axis=0)
        centered = X - mean
        if n >= d:  # the SVD of the centred data: no squared condition number, as C = X^T X / n would give
            _, singular, vt = np.linalg.svd(centered, full_matrices=False)
            values, vectors = singular**2 / n, vt.T
        else:  # fewer rows than columns (always rank-deficient): every axis of C, for eps > 0
            values, vectors = np.linalg.eigh(centered.T @ centered / n)
        order = np.argsort(values, kind="stable")[::-1]  # largest variance first, as PCA lists components
        values, vectors = np.clip(values[order], 0.0, None), vectors[:, order]
        vectors *= np.where(vectors[np.abs(vectors).argmax(axis=0), range(d)] < 0, -1.0, 1.0)  # a fixed sign
        if self.eps == 0:
            constant = _constant_columns(X)
            small = values <= RANK_RTOL * values[0]
            if len(constant) or small.any():
                what = f"constant columns {constant}" if len(constant) else \
                    f"a covariance of rank {d - int(small.sum())} for {d} columns (duplicated or dependent columns)"
                fail(self.owner, "X", "of full column rank (no constant or linearly dependent columns), "
                     f"or whiten with eps > 0, e.g. {self.owner}(eps=1e-6)", what)
        self.mean = torch.as_tensor(mean)
        # contiguous, as a loaded state is: the same memory layout gives the same bits in every matmul
        self.components = torch.as_tensor(np.ascontiguousarray(vectors))  # columns: principal axes
        self.variances = torch.as_tensor(np.ascontiguousarray(values))

    @property
    def _scales(self) -> torch.Tensor:
        return torch.sqrt(self.variances + self.eps)


class PCAWhiten(_Whiten):
    """PCA whitening: project on the principal axes, divide each by its standard deviation.

    ``z = (x - mu) U diag(l + eps)^(-1/2)``: the columns of ``z`` are uncorrelated with
    variance 1 (``eps = 0``), ordered by decreasing variance. With ``eps = 0`` this is
    scikit-learn's ``PCA(whiten=True)`` up to the sign of each component and its
    ``1/(n - 1)`` covariance (its output is this one times ``sqrt((n - 1) / n)``).
    """

    name = "pca"

    def _forward(self, X: torch.Tensor) -> torch.Tensor:
        return (X - self.mean) @ self.components / self._scales

    def _backward(self, Z: torch.Tensor) -> torch.Tensor:
        return (Z * self._scales) @ self.components.T + self.mean


class ZCAWhiten(_Whiten):
    """ZCA (Mahalanobis) whitening: ``z = (x - mu) W`` with the symmetric ``W = U diag(l + eps)^(-1/2) U^T``.

    ``W = C^(-1/2)`` when ``eps = 0``: the whitened data has identity covariance and,
    of all whitenings, stays closest to the centred input (Bell & Sejnowski 1997).
    """

    name = "zca"

    @property
    def matrix(self) -> torch.Tensor:
        """The whitening matrix ``W`` (symmetric)."""
        return (self.components / self._scales) @ self.components.T

    def _forward(self, X: torch.Tensor) -> torch.Tensor:
        return (X - self.mean) @ self.matrix

    def _backward(self, Z: torch.Tensor) -> torch.Tensor:
        return Z @ ((self.components * self._scales) @ self.components.T) + self.mean


NORMALIZERS: dict[str, type[Normalizer]] = {c.name: c for c in (Identity, Standardize, PCAWhiten, ZCAWhiten)}


def normalizer_names() -> list[str]:
    """``["none", "standard", "pca", "zca"]``."""
    return list(NORMALIZERS)


def make_normalizer(name: str, **settings: Any) -> Normalizer:
    """A new (unfitted) normalizer by name; ``settings`` go to its constructor (e.g. ``eps``)."""
    if name not in NORMALIZERS:
        raise unknown_name("normalization", name, normalizer_names())
    return NORMALIZERS[name](**settings)


def normalizer_from_state(state: dict[str, Any]) -> Normalizer:
    """The fitted normalizer a ``state_dict()`` was taken from."""
    name = state.get("name") if isinstance(state, dict) else None
    if name not in NORMALIZERS:
        fail("normalizer_from_state", "state", f"a normalizer state_dict with a name in {normalizer_names()}", name)
    return NORMALIZERS[name]().load_state_dict(state)
