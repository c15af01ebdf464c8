"""Classify a critical point of a network's loss from its Hessian's extreme eigenvalues (second-order test).

At parameters where the gradient (nearly) vanishes, the Hessian's spectrum says
what the point is (the Brown/NVIDIA "Training and Optimization" notes; the CMI
"Lecture 5: Training Deep Neural Networks II" on saddles in high dimension,
after Dauphin et al. 2014, "Identifying and attacking the saddle point problem
in high-dimensional non-convex optimization", NeurIPS). With ``z = eig_tol * max|lambda|``:

- **minimum**: ``lambda_min > z`` (all eigenvalues positive);
- **maximum**: ``lambda_max < -z``;
- **saddle**: ``lambda_min < -z < z < lambda_max``;
- **degenerate**: otherwise: semidefinite with an eigenvalue within ``z`` of zero
  (flat directions, e.g. the rescaling symmetry of a deep linear network), where
  the second-order test cannot decide.

Only the two ends of the spectrum are needed for the kind (one Lanczos run,
``which="both"``). The **index**, the fraction of negative eigenvalues
(``< -z``), needs the whole spectrum: exact (Lanczos run to all ``n``
eigenvalues, ``n`` HVPs) when ``n <= exact_limit``, else estimated by stochastic
Lanczos quadrature (``index_method`` says which). The gradient norm the point was
judged at is reported; with ``grad_tol`` set, a larger one is refused.

``eig_tol`` defaults to ``1e-5`` in float64 (``1.2e-3`` in float32): a hundred
times the accuracy Lanczos is run to, so round-off never decides the kind.

Example:
    >>> import torch
    >>> w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    >>> p = classify_critical_point(lambda: w[0] ** 2 - 3 * w[1] ** 2, [w])
    >>> p.kind, p.index, p.grad_norm, p.index_method
    ('saddle', 0.5, 0.0, 'exact')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from trainlab.constraints import NONNEGATIVE, POSITIVE_INT, Optional, check, fail
from trainlab.diagnose.hvp import FlatOperator, scalar_loss
from trainlab.diagnose.lanczos import extreme_eigenpairs
from trainlab.diagnose.spectrum import effective_tol
from trainlab.diagnose.stochastic import density

__all__ = ["CriticalPoint", "classify_critical_point"]

LANCZOS_TOL = 1e-7


@dataclass(frozen=True)
class CriticalPoint:
    """The verdict of the second-order test, with what it was judged on."""

    kind: str  # "minimum", "saddle", "maximum" or "degenerate"
    index: float  # fraction of eigenvalues below -zero_tol
    grad_norm: float
    smallest: float  # the extreme eigenvalues
    largest: float
    zero_tol: float  # |lambda| <= zero_tol counts as zero
    index_method: str  # "exact" (every eigenvalue) or "slq" (stochastic Lanczos quadrature)
    hvp_count: int


def _grad_norm(loss_fn: Callable[[], Tensor], params: list[Tensor]) -> float:
    with torch.enable_grad():
        grads = torch.autograd.grad(scalar_loss("classify_critical_point", loss_fn()), params, allow_unused=True)
    norms = [torch.linalg.vector_norm(g.detach()).double() for g in grads if g is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


def classify_critical_point(
    loss_fn: Callable[[], Tensor], params: Sequence[Tensor], *, grad_tol: float | None = None,
    eig_tol: float | None = None, exact_limit: int = 1000, runs: int = 10, steps: int = 80,
    generator: torch.Generator | None = None,
) -> CriticalPoint:
    """Minimum, saddle (with its index), maximum or degenerate, from the Hessian of ``loss_fn()`` in ``params``."""
    owner = "classify_critical_point"
    check(owner, "grad_tol", grad_tol, Optional(NONNEGATIVE, none="report the gradient norm only"))
    check(owner, "eig_tol", eig_tol, Optional(NONNEGATIVE, none="100 times the Lanczos accuracy"))
    check(owner, "exact_limit", exact_limit, POSITIVE_INT)
    op = FlatOperator(loss_fn, params, owner)
    gnorm = _grad_norm(loss_fn, op.params)
    if grad_tol is not None and not gnorm <= grad_tol:
        fail(owner, "params", f"a critical point, but the gradient there is not zero (norm {gnorm:.3g} > "
             f"grad_tol = {grad_tol:g})", f"parameters with gradient norm {gnorm:.3g}")
    tol = effective_tol(LANCZOS_TOL, op.dtype)
    eig_tol = 100 * tol if eig_tol is None else eig_tol
    exact = op.n <= exact_limit
    count = op.n if exact else 1
    r = extreme_eigenpairs(op, op.n, op.dtype, op.device, largest=count if exact else 1,
                           smallest=0 if exact else 1, tol=tol, max_basis=op.n if exact else None,
                           generator=generator)
    values = r.values.double()
    hi, lo = float(values.max()), float(values.min())
    zero = eig_tol * max(abs(hi), abs(lo))
    if exact:
        index, method = float((values < -zero).double().mean()), "exact"
    else:
        index = density(loss_fn, op.params, runs=runs, steps=steps, generator=generator).fraction_below(-zero)
        method = "slq"
    if lo > zero:
        kind = "minimum"
    elif hi < -zero:
        kind = "maximum"
    elif lo < -zero and hi > zero:
        kind = "saddle"
    else:
        kind = "degenerate"
    hvps = op.count + (runs * min(steps, op.n) if not exact else 0)
    return CriticalPoint(kind, index, gnorm, lo, hi, zero, method, hvps)
