"""Stochastic and mini-batch gradient descent in float64 NumPy (the UCLA ECE 239AS and SUTD 50.039 notes).

``grad(x, idx)`` returns the gradient of the loss on the samples ``idx``. Every
epoch the order is a fresh ``rng.permutation(n)`` of a ``numpy.random.default_rng(seed)``
generator, cut into consecutive batches (the last may be smaller); this is the
protocol ``trainlab.train.descent.descend`` follows, so the two can be compared.

Example:
    >>> import numpy as np
    >>> from trainlab.reference import sgd
    >>> X = np.array([[1.0], [2.0]]); y = np.array([2.0, 4.0])
    >>> g = lambda w, i: 2 * X[i].T @ (X[i] @ w - y[i]) / len(i)
    >>> round(float(sgd(g, np.zeros(1), n=2, lr=0.05, steps=200)[-1, 0]), 6)
    2.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["minibatch_sgd", "sgd"]

BatchGrad = Callable[[np.ndarray, np.ndarray], np.ndarray]


def minibatch_sgd(
    grad: BatchGrad, x0: np.ndarray, n: int, batch_size: int, lr: float, steps: int, seed: int = 0
) -> np.ndarray:
    """Mini-batch SGD: each epoch shuffle, then ``x <- x - lr * grad(x, batch)`` per batch."""
    rng = np.random.default_rng(seed)
    x = np.array(x0, dtype=np.float64).reshape(-1).copy()
    path = [x.copy()]
    while len(path) <= steps:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            x = x - lr * grad(x, batch)
            path.append(x.copy())
            if len(path) > steps:
                break
    return np.array(path)


def sgd(grad: BatchGrad, x0: np.ndarray, n: int, lr: float, steps: int, seed: int = 0) -> np.ndarray:
    """Single-sample SGD (Robbins & Monro 1951), the order reshuffled each epoch."""
    return minibatch_sgd(grad, x0, n, 1, lr, steps, seed)
