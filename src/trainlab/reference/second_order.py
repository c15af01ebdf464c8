"""Float64 NumPy references for Newton's method, BFGS and the L-BFGS two-loop recursion.

Written the way the Brown/NVIDIA and UCLA ECE 239AS notes write them (explicit inverses and identity
matrices, no shortcuts), so that they are easy to check by eye; the torch
optimizers in ``trainlab.optim.second_order`` are tested against them.

Example:
    >>> import numpy as np
    >>> from trainlab.reference.second_order import newton_step
    >>> H = np.array([[2.0, 0.0], [0.0, 4.0]]); x = np.array([1.0, 1.0])
    >>> newton_step(x, H @ x, H).tolist()      # f = x^T H x / 2: one step to the minimum
    [0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["bfgs", "bfgs_inverse_update", "lbfgs_direction", "newton", "newton_step"]

Array = np.ndarray


def newton_step(theta: Array, grad: Array, hess: Array, damping: float = 0.0) -> Array:
    """The UCLA ECE 239AS notes: ``theta <- theta - (H + alpha I)^-1 g`` (``alpha = 0``: the plain Newton step)."""
    eye = np.eye(len(theta))
    return theta - np.linalg.inv(hess + damping * eye) @ grad


def newton(grad: Callable[[Array], Array], hess: Callable[[Array], Array], theta0: Array,
           iterations: int, damping: float = 0.0) -> list[Array]:
    """The UCLA ECE 239AS notes' loop: compute g, compute H, ``theta <- theta - H^-1 g``; returns every iterate."""
    thetas = [np.asarray(theta0, dtype=np.float64)]
    for _ in range(iterations):
        theta = thetas[-1]
        thetas.append(newton_step(theta, grad(theta), hess(theta), damping))
    return thetas


def bfgs_inverse_update(h_inv: Array, s: Array, y: Array) -> Array:
    """The UCLA ECE 239AS notes: ``H^-1 <- (I - s y^T / y^T s) H^-1 (I - y s^T / y^T s) + s s^T / y^T s``."""
    eye = np.eye(len(s))
    ys = float(y @ s)
    return (eye - np.outer(s, y) / ys) @ h_inv @ (eye - np.outer(y, s) / ys) + np.outer(s, s) / ys


def lbfgs_direction(grad: Array, s_list: Sequence[Array], y_list: Sequence[Array], gamma: float) -> Array:
    """``H g`` by the two-loop recursion (Nocedal & Wright Alg. 7.4), oldest pair first, ``H_0 = gamma I``."""
    q = np.array(grad, dtype=np.float64)
    rho = [1.0 / float(y @ s) for s, y in zip(s_list, y_list, strict=True)]
    alpha = [0.0] * len(s_list)
    for i in reversed(range(len(s_list))):
        alpha[i] = rho[i] * float(s_list[i] @ q)
        q = q - alpha[i] * y_list[i]
    r = gamma * q
    for i in range(len(s_list)):
        beta = rho[i] * float(y_list[i] @ r)
        r = r + s_list[i] * (alpha[i] - beta)
    return r


def _armijo(f: Callable[[Array], float], x: Array, fx: float, g: Array, d: Array) -> float:
    alpha = 1.0
    while f(x + alpha * d) > fx + 1e-4 * alpha * float(g @ d) and alpha > 1e-12:
        alpha *= 0.5
    return alpha


def bfgs(f: Callable[[Array], float], grad: Callable[[Array], Array], x0: Array,
         tol: float = 1e-10, max_iter: int = 10_000) -> Array:
    """The Brown/NVIDIA notes' Algorithm 1 (BFGS) with a backtracking Armijo line search.

    ``H^-1 <- I``; repeat: ``d = -H^-1 g``, line search, ``s = alpha d``,
    ``y = g(x + s) - g(x)``, ``x <- x + s``, update ``H^-1``; until ``|s|_inf < tol``.
    """
    x = np.asarray(x0, dtype=np.float64)
    h_inv = np.eye(len(x))
    g = grad(x)
    for _ in range(max_iter):
        d = -h_inv @ g
        s = _armijo(f, x, f(x), g, d) * d
        g_new = grad(x + s)
        y = g_new - g
        x, g = x + s, g_new
        if float(y @ s) > 0:
            h_inv = bfgs_inverse_update(h_inv, s, y)
        if np.max(np.abs(s)) < tol:
            break
    return x
