"""Extreme eigenvalues of a loss's Hessian by Lanczos, and the dense Hessian for small models.

``eigenvalues(loss_fn, params, k=5, which="largest")`` runs thick-restart Lanczos
with full reorthogonalization (``trainlab.diagnose.lanczos``) on ``v -> H v``
(``trainlab.diagnose.hvp``); the Hessian is never formed.

* ``which="largest"``: the ``k`` largest eigenvalues, descending;
* ``which="smallest"``: the ``k`` smallest (most negative), ascending;
* ``which="both"``: the ``k`` largest descending, then the ``k`` smallest
  ascending, from one Lanczos run (Lanczos converges at both ends at once).

``tol`` bounds each Ritz pair's residual ``||H y - theta y|| <= tol * max|theta|``,
so each eigenvalue is within ``tol * max|lambda|`` (usually far closer: the error
is about the residual squared over the gap). In float32 ``tol`` is raised to
``100 eps`` (1.2e-5), what products in float32 can resolve. An eigenvalue repeated
exactly (as at symmetric initializations, where hidden units are interchangeable)
is found with all its copies: one Krylov space holds one copy, so after its
breakdown the search goes on from a new random vector. ``block=b`` starts from
``b`` vectors, which also separates eigenvalues repeated up to ``b`` times to
round-off only.

Memory: ``hvp``'s (one gradient's graph) plus the Lanczos basis, ``max_basis + block``
vectors of ``n`` numbers (default ``max_basis`` = ``max(3 k + 20, 100)``, at most
``n``, with ``k`` counting both ends: a large basis pays off for eigenvalues inside
a cluster, such as the smallest ones of a trained network, which sit in the bulk
near zero; pass a smaller one to save memory on a large model). ``dense_hessian`` holds ``n^2`` numbers and refuses a
model whose ``8 n^2`` bytes exceed ``DENSE_HESSIAN_LIMIT`` (the limit ``trainlab
train`` uses for Newton and BFGS).

Example:
    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], dtype=torch.float64)
    >>> w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    >>> loss = lambda: 0.5 * ((x @ w) ** 2).sum()        # H = X^T X = [[2, 1], [1, 5]]
    >>> spec = eigenvalues(loss, [w], k=1, which="both")
    >>> [round(v, 6) for v in spec.values.tolist()], spec.hvp_count
    ([5.302776, 1.697224], 2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from trainlab.constraints import NONNEGATIVE, POSITIVE_INT, Interval, Optional, Options, check, fail
from trainlab.diagnose.hvp import FlatOperator
from trainlab.diagnose.lanczos import extreme_eigenpairs
from trainlab.train.run_checks import DENSE_HESSIAN_LIMIT

__all__ = ["DENSE_HESSIAN_LIMIT", "Spectrum", "dense_hessian", "eigenvalues", "effective_tol"]

_WHICH = Options(("largest", "smallest", "both"))


@dataclass
class Spectrum:
    """The eigenvalues found, their unit eigenvectors (rows, flat in ``params`` order) and the HVPs spent."""

    values: Tensor
    vectors: Tensor | None
    hvp_count: int
    which: str
    residuals: Tensor  # ||H y - theta y|| of each pair
    converged: bool

    @property
    def largest(self) -> Tensor:
        """The largest eigenvalues found, descending (empty for ``which="smallest"``)."""
        return self.values[: self._top()]

    @property
    def smallest(self) -> Tensor:
        """The smallest eigenvalues found, ascending (empty for ``which="largest"``)."""
        return self.values[self._top():]

    def _top(self) -> int:
        return {"largest": len(self.values), "smallest": 0, "both": len(self.values) // 2}[self.which]


def effective_tol(tol: float, dtype: torch.dtype) -> float:
    """``tol``, raised to ``100 eps`` of ``dtype`` (what products in that precision resolve)."""
    return max(tol, 100 * torch.finfo(dtype).eps)


def eigenvalues(
    loss_fn: Callable[[], Tensor], params: Sequence[Tensor], k: int = 5, which: str = "largest", tol: float = 1e-6,
    vectors: bool = False, max_hvps: int | None = None, generator: torch.Generator | None = None, *,
    block: int = 1, start: Tensor | None = None, max_basis: int | None = None,
) -> Spectrum:
    """The ``k`` extreme eigenvalues of the Hessian of ``loss_fn()`` in ``params`` (see the module docstring).

    ``start``: a flat vector to start from (warm start, e.g. the previous top
    eigenvector); ``max_hvps``: stop there (with a warning) if not converged.
    """
    check("eigenvalues", "which", which, _WHICH)
    check("eigenvalues", "k", k, POSITIVE_INT)
    check("eigenvalues", "tol", tol, NONNEGATIVE)
    check("eigenvalues", "max_hvps", max_hvps, Optional(POSITIVE_INT))
    check("eigenvalues", "block", block, POSITIVE_INT)
    op = FlatOperator(loss_fn, params, "eigenvalues")
    ends = 2 if which == "both" else 1
    if k * ends > op.n:
        fail("eigenvalues", "k", f"an integer in [1, {op.n // ends}] (the Hessian of the {op.n} parameters has "
             f"{op.n} eigenvalues{'; which=both asks for 2 k' if ends == 2 else ''})", k)
    check("eigenvalues", "max_basis", max_basis, Optional(Interval(k * ends + 1, None, integer=True)))
    if start is not None and start.numel() != op.n:
        fail("eigenvalues", "start", f"a flat vector of {op.n} numbers (the parameters in order)",
             f"{start.numel()} numbers")
    largest = k if which in ("largest", "both") else 0
    smallest = k if which in ("smallest", "both") else 0
    r = extreme_eigenpairs(op, op.n, op.dtype, op.device, largest=largest, smallest=smallest,
                           tol=effective_tol(tol, op.dtype), max_basis=max_basis, block=block,
                           max_products=max_hvps, start=start, generator=generator)
    values = r.values.to(dtype=op.dtype)
    return Spectrum(values, r.vectors if vectors else None, op.count, which, r.residuals, r.converged)


def dense_hessian(loss_fn: Callable[[], Tensor], params: Sequence[Tensor],
                  limit: int = DENSE_HESSIAN_LIMIT) -> Tensor:
    """The ``n x n`` Hessian, one HVP per column (symmetrized); refused when ``8 n^2`` bytes exceed ``limit``.

    Example:
        >>> w = torch.ones(2, dtype=torch.float64, requires_grad=True)
        >>> dense_hessian(lambda: (w[0] * w[1]) ** 2, [w]).tolist()
        [[2.0, 4.0], [4.0, 2.0]]
    """
    op = FlatOperator(loss_fn, params, "dense_hessian")
    need = 8 * op.n * op.n
    if need > limit:
        fail("dense_hessian", "params", f"at most {int((limit / 8) ** 0.5):,} parameters for a dense Hessian "
             f"(the {op.n:,} given need an {op.n:,} x {op.n:,} matrix: {need / 2**30:,.1f} GiB, over the "
             f"{limit / 2**30:g} GiB limit); use eigenvalues, trace or density, which need only products",
             f"{op.n:,} parameters")
    eye = torch.eye(op.n, dtype=op.dtype, device=op.device)
    h = torch.stack([op(eye[i]) for i in range(op.n)])
    return 0.5 * (h + h.T)
