"""Batch normalization forward and backward in float64 NumPy, term by term as the UCLA lecture derives them.

The UCLA ECE 239AS lecture notes ("Regularization and optimization") draw the
batch-norm computational graph for one feature over a mini-batch of ``m``
values ``x^(j)`` and backpropagate through every node (Ioffe & Szegedy 2015):

    mu = 1/m sum_j x^(j)                 sigma^2 = 1/m sum_j (x^(j) - mu)^2
    a^(j) = x^(j) - mu                   e^(j) = sigma^2 + eps,  c^(j) = sqrt(e^(j)),  b^(j) = 1 / c^(j)
    xhat^(j) = a^(j) b^(j)               y^(j) = gamma xhat^(j) + beta

    dl/dbeta  = sum_j dl/dy^(j)          dl/dgamma = sum_j dl/dy^(j) xhat^(j)
    dl/dxhat^(j) = dl/dy^(j) gamma
    dl/da^(j) = 1/sqrt(sigma^2 + eps) dl/dxhat^(j)                         (through a)
    dl/db^(j) = (x^(j) - mu) dl/dxhat^(j)                                   (red)
    dl/dc^(j) = -1/(sigma^2 + eps) (x^(j) - mu) dl/dxhat^(j)                (blue)
    dl/de^(j) = -1/2 (sigma^2 + eps)^(-3/2) (x^(j) - mu) dl/dxhat^(j)      (purple)
    dl/dsigma^2 = sum_j dl/de^(j)
    dl/dmu = -1/sqrt(sigma^2 + eps) sum_j dl/dxhat^(j) - (2/m sum_j (x^(j) - mu)) dl/dsigma^2
    dl/dx^(j) = dl/da^(j) + 2 (x^(j) - mu)/m dl/dsigma^2 + 1/m dl/dmu

Every feature (column) is handled at once: ``x`` is ``(m, C)``; the sums run
over the rows. ``trainlab.nn.BatchNorm1d`` uses the simplified closed form of
the last line and is tested equal to this.

Example:
    >>> import numpy as np
    >>> from trainlab.reference.batch_norm import batch_norm_backward, batch_norm_forward
    >>> x = np.array([[1.0], [3.0]])
    >>> y, cache = batch_norm_forward(x, gamma=np.array([2.0]), beta=np.array([0.5]), eps=0.0)
    >>> y[:, 0].tolist()
    [-1.5, 2.5]
    >>> dx, dgamma, dbeta = batch_norm_backward(np.array([[1.0], [0.0]]), cache)
    >>> dx[:, 0].tolist(), dgamma.tolist(), dbeta.tolist()
    ([0.0, 0.0], [-1.0], [1.0])
"""

from __future__ import annotations

import numpy as np

__all__ = ["batch_norm_forward", "batch_norm_backward"]


def batch_norm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, dict[str, np.ndarray | float]]:
    """``y = gamma xhat + beta`` with batch statistics of ``x`` (``(m, C)``), and the cache for backward."""
    x = np.asarray(x, dtype=np.float64)
    m = x.shape[0]
    mu = x.sum(axis=0) / m
    sigma2 = ((x - mu) ** 2).sum(axis=0) / m
    a = x - mu
    e = sigma2 + eps
    c = np.sqrt(e)
    b = 1.0 / c
    xhat = a * b
    y = gamma * xhat + beta
    cache = {"x": x, "mu": mu, "sigma2": sigma2, "eps": eps, "e": e, "c": c, "xhat": xhat,
             "gamma": np.asarray(gamma, np.float64)}
    return y, cache


def batch_norm_backward(
    dy: np.ndarray, cache: dict[str, np.ndarray | float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dl/dx, dl/dgamma, dl/dbeta)`` from ``dl/dy``, each term named as in the lecture's graph."""
    x, mu, sigma2, eps = cache["x"], cache["mu"], cache["sigma2"], cache["eps"]
    e, c, xhat, gamma = cache["e"], cache["c"], cache["xhat"], cache["gamma"]
    dy = np.asarray(dy, dtype=np.float64)
    m = x.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dxhat = dy * gamma
    da = 1.0 / np.sqrt(sigma2 + eps) * dxhat
    db = (x - mu) * dxhat  # red
    dc = -1.0 / c**2 * db  # blue: db/dc = -1/c^2
    de = 1.0 / (2.0 * np.sqrt(e)) * dc  # purple: dc/de = 1/(2 sqrt(e))
    dsigma2 = de.sum(axis=0)
    dmu = -1.0 / np.sqrt(sigma2 + eps) * dxhat.sum(axis=0) - (2.0 / m * (x - mu).sum(axis=0)) * dsigma2
    dx = da + 2.0 * (x - mu) / m * dsigma2 + 1.0 / m * dmu
    return dx, dgamma, dbeta
