"""The Hessian's trace (Hutchinson) and eigenvalue density (stochastic Lanczos quadrature), from products only.

**Trace** (Hutchinson 1989, "A stochastic estimator of the trace of the influence
matrix for Laplacian smoothing splines"): for ``v`` with independent +-1 entries
(Rademacher), ``E[v^T H v] = tr H``; the estimate is the mean of ``samples`` such
quadratic forms and its standard error ``s / sqrt(samples)`` (``s`` the sample
standard deviation), which shrinks like ``1 / sqrt(samples)``. The variance of one
form is ``2 (||H||_F^2 - sum_i H_ii^2)``. Cost: ``samples`` HVPs.

**Density** (stochastic Lanczos quadrature: Lin, Saad & Yang 2016, "Approximating
spectral densities of large matrices", SIAM Review; Ghorbani, Krishnan & Xiao 2019,
"An investigation into neural net optimization via Hessian eigenvalue density",
ICML): for a unit random start ``v``, ``steps`` Lanczos steps give Ritz values
``theta_j`` and weights ``tau_j`` (squared first components of their vectors) with
``sum_j tau_j f(theta_j) = v^T f(H) v`` exactly for polynomials ``f`` of degree
``< 2 steps`` (Gauss quadrature, Golub & Meurant). Averaging ``runs`` starts and
smoothing each node with a Gaussian of width ``sigma`` estimates the density of
the ``n`` eigenvalues, ``phi(t) = (1/n) sum_i N(t; lambda_i, sigma^2)``; it
integrates to 1. Cost: ``runs * steps`` HVPs; memory ``steps`` vectors of ``n``.

Example:
    >>> import torch
    >>> w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> loss = lambda: (torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64) * w ** 2).sum()   # H = diag(2, 4, 6)
    >>> t = trace(loss, [w], samples=4)
    >>> t.estimate, t.standard_error                    # a diagonal H: every Rademacher form is exact
    (12.0, 0.0)
    >>> d = density(loss, [w], runs=2, steps=3)
    >>> sorted(round(x, 6) for x in d.nodes[0].tolist()), round(float(d.weights.sum(1)[0]), 6)
    ([2.0, 4.0, 6.0], 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from trainlab.constraints import POSITIVE, POSITIVE_INT, Interval, Optional, check
from trainlab.diagnose.hvp import FlatOperator
from trainlab.diagnose.lanczos import random_unit, tridiagonal

__all__ = ["SpectralDensity", "TraceEstimate", "density", "trace"]


@dataclass(frozen=True)
class TraceEstimate:
    """Hutchinson's estimate of ``tr H``, its standard error, and the HVPs spent."""

    estimate: float
    standard_error: float
    samples: int
    hvp_count: int


@dataclass(frozen=True)
class SpectralDensity:
    """A smoothed eigenvalue density on ``grid``, with the quadrature it came from (``runs x steps``)."""

    grid: Tensor
    density: Tensor
    nodes: Tensor  # Ritz values of each run (float64)
    weights: Tensor  # their Gauss weights; each run's sum to 1
    sigma: float
    hvp_count: int

    def cdf(self, t: Tensor) -> Tensor:
        """The unsmoothed quadrature's fraction of eigenvalues ``<= t`` (averaged over runs)."""
        t = torch.as_tensor(t, dtype=torch.float64).reshape(-1, 1, 1)
        return ((self.nodes <= t) * self.weights).sum((1, 2)) / self.nodes.shape[0]

    def fraction_below(self, value: float) -> float:
        """The estimated fraction of eigenvalues below ``value`` (e.g. the index of a saddle, ``value < 0``)."""
        return float(((self.nodes < value) * self.weights).sum() / self.nodes.shape[0])


def trace(loss_fn: Callable[[], Tensor], params: Sequence[Tensor], samples: int = 100,
          generator: torch.Generator | None = None) -> TraceEstimate:
    """Hutchinson's estimate of the Hessian's trace with Rademacher probes, and its standard error."""
    check("trace", "samples", samples, Interval(2, None, integer=True))
    op = FlatOperator(loss_fn, params, "trace")
    forms = []
    for _ in range(samples):
        v = (2 * torch.randint(0, 2, (op.n,), generator=generator) - 1).to(dtype=op.dtype, device=op.device)
        forms.append(float(torch.dot(v, op(v))))
    values = torch.tensor(forms, dtype=torch.float64)
    return TraceEstimate(float(values.mean()), float(values.std() / math.sqrt(samples)), samples, op.count)


def density(loss_fn: Callable[[], Tensor], params: Sequence[Tensor], runs: int = 10, steps: int = 80,
            points: int = 1000, sigma: float | None = None, generator: torch.Generator | None = None) -> SpectralDensity:
    """The Hessian's eigenvalue density by stochastic Lanczos quadrature on a grid of ``points``.

    ``sigma`` (default: 1% of the spread of the nodes) is the Gaussian smoothing
    width; ``steps`` is capped at the number of parameters.
    """
    check("density", "runs", runs, POSITIVE_INT)
    check("density", "steps", steps, POSITIVE_INT)
    check("density", "points", points, Interval(2, None, integer=True))
    check("density", "sigma", sigma, Optional(POSITIVE, none="1% of the spectrum's spread"))
    op = FlatOperator(loss_fn, params, "density")
    steps = min(steps, op.n)
    nodes = torch.zeros(runs, steps, dtype=torch.float64)
    weights = torch.zeros(runs, steps, dtype=torch.float64)
    for r in range(runs):
        theta, tau = tridiagonal(op, random_unit(op.n, op.dtype, op.device, generator, rademacher=True), steps)
        nodes[r, : len(theta)], weights[r, : len(theta)] = theta, tau  # a breakdown leaves zero weights
    used = nodes[weights > 0]
    lo, hi = float(used.min()), float(used.max())
    width = sigma if sigma is not None else 0.01 * max(hi - lo, abs(hi), 1e-12)
    grid = torch.linspace(lo - 4 * width, hi + 4 * width, points, dtype=torch.float64)
    z = (grid.reshape(-1, 1, 1) - nodes) / width
    dens = (weights * torch.exp(-0.5 * z**2)).sum((1, 2)) / (runs * width * math.sqrt(2 * math.pi))
    return SpectralDensity(grid, dens, nodes, weights, width, op.count)
