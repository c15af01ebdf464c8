"""Lanczos with full reorthogonalization and thick restart, on any symmetric operator ``x -> A x``.

The basis ``V`` (rows, orthonormal) grows one product at a time: ``w = A v_j`` is
orthogonalized against every basis vector, twice (classical Gram-Schmidt twice,
"twice is enough"), and the projections fill ``H = V^T A V``. With ``b`` start
vectors (``block=b``) the basis runs ``b`` vectors ahead of the products, a band
Lanczos that resolves eigenvalues repeated up to ``b`` times; one start vector
sees one copy of a repeated eigenvalue. Rayleigh-Ritz on the ``j`` vectors
already multiplied: ``H_j = S Theta S^T``; the Ritz pair ``(theta_i, V_j s_i)``
has residual ``||A y_i - theta_i y_i|| = ||H[j:, :j] s_i||`` (for one start vector,
``|beta_j s_{j,i}|``, Paige 1971). A pair is converged when its residual is at
most ``tol * max|theta|``; the eigenvalue error is then at most that residual, and
about its square over the gap (Parlett, *The Symmetric Eigenvalue Problem*, 1998).

When the basis reaches ``max_basis`` vectors, the thick restart of Wu & Simon
(2000, "Thick-restart Lanczos method for large symmetric eigenvalue problems",
SIAM J. Matrix Anal. Appl.) keeps the ``keep`` Ritz vectors nearest the wanted
end(s) and the vectors ahead, with ``H`` = their Ritz values on the diagonal
bordered by the coupling ``H[j:, :j] S``. A breakdown (``A`` maps the basis into
itself) continues from a random vector orthogonal to the basis, so repeated
eigenvalues and a whole spectrum (``max_basis = n``) are found: the search goes on
while the latest completed block brings a value beyond the wanted ones of the
blocks before it (each block holds one copy of a repeated eigenvalue, so the next
may hold another).

Memory: ``max_basis + block`` vectors of ``n`` numbers in the operator's dtype.

Example:
    >>> import torch
    >>> a = torch.diag(torch.arange(1.0, 101.0, dtype=torch.float64))
    >>> r = extreme_eigenpairs(lambda x: a @ x, 100, torch.float64, torch.device("cpu"), largest=2, smallest=1,
    ...                        generator=torch.Generator().manual_seed(0))
    >>> [round(v, 6) for v in r.values.tolist()], r.converged, r.products < 100
    ([100.0, 99.0, 1.0], True, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["LanczosResult", "extreme_eigenpairs", "random_unit", "tridiagonal"]

YOUNG_BLOCK = 10  # products after which a block started at a breakdown is an ordinary Krylov search


@dataclass
class LanczosResult:
    """Ritz values (``largest`` descending, then ``smallest`` ascending), vectors as rows, products used."""

    values: Tensor
    vectors: Tensor
    residuals: Tensor
    products: int
    converged: bool


def random_unit(n: int, dtype: torch.dtype, device: torch.device, generator: torch.Generator | None,
                rademacher: bool = False) -> Tensor:
    """A random unit vector (Gaussian, or +-1 entries), drawn on the CPU so a seed gives the same vector anywhere."""
    x = torch.randn(n, generator=generator, dtype=torch.float64)
    if rademacher:
        x = torch.sign(x) + (x == 0)
    return (x / torch.linalg.vector_norm(x)).to(dtype=dtype, device=device)


def _orthogonalize(w: Tensor, basis: Tensor) -> tuple[Tensor, Tensor]:
    """``w`` minus its projection on the rows of ``basis`` (twice), and the projection coefficients."""
    h = basis @ w
    w = w - basis.T @ h
    h2 = basis @ w
    return w - basis.T @ h2, h + h2


class _Basis:
    """The growing orthonormal basis ``V`` and ``H = V^T A V`` (float64, on the CPU)."""

    def __init__(self, op, n, dtype, device, capacity, generator):
        self.op, self.n, self.generator = op, n, generator
        self.V = torch.zeros(capacity, n, dtype=dtype, device=device)
        self.H = torch.zeros(capacity, capacity, dtype=torch.float64)
        self.size = 0  # vectors in the basis
        self.done = 0  # vectors already multiplied by A
        self.products = 0
        self.blocks = [0]  # where each block starts: a breakdown starts a new one from a random vector
        self.tiny = 100 * torch.finfo(dtype).eps

    def append(self, w: Tensor, scale: float) -> bool:
        """Orthogonalize ``w`` and add it (True), or drop it when nothing new is left (False)."""
        w, _ = _orthogonalize(w, self.V[: self.size])
        norm = float(torch.linalg.vector_norm(w))
        if self.size >= self.n or norm <= self.tiny * max(scale, 1e-300):
            return False
        self.V[self.size] = w / norm
        self.size += 1
        return True

    def append_random(self) -> bool:
        """A random direction orthogonal to the basis (after a breakdown)."""
        for _ in range(3):
            x = random_unit(self.n, self.V.dtype, self.V.device, self.generator)
            if self.append(x, 1.0):
                return True
        return False

    def multiply_next(self) -> float:
        """``A v_j`` for the next vector: fill column ``j`` of ``H``, append the new direction; its norm."""
        j = self.done
        w = self.op(self.V[j])
        self.products += 1
        w, h = _orthogonalize(w, self.V[: self.size])
        h = h.to(device="cpu", dtype=torch.float64)
        self.H[: self.size, j] = h
        self.H[j, : self.size] = h
        self.done += 1
        norm = float(torch.linalg.vector_norm(w))
        scale = float(h.abs().max()) if h.numel() else 0.0
        if self.size < self.n and norm > self.tiny * max(scale, norm * 1e-300, 1e-300):
            self.V[self.size] = w / norm
            self.H[self.size, j] = self.H[j, self.size] = norm
            self.size += 1
        return norm

    def ritz(self) -> tuple[Tensor, Tensor, Tensor]:
        """Ritz values (ascending), coefficient vectors and residual norms on the multiplied vectors."""
        j = self.done
        theta, s = torch.linalg.eigh(self.H[:j, :j])
        residual = torch.linalg.vector_norm(self.H[j: self.size, :j] @ s, dim=0)
        return theta, s, residual


def _check_now(done: int, max_basis: int, n: int) -> bool:
    """Rayleigh-Ritz after every product while the basis is small, then at about every 1/16 of its size."""
    return done < 64 or done % max(1, done // 16) == 0 or done in (max_basis, n)


def _wanted(count: int, largest: int, smallest: int) -> Tensor:
    """Indices (of ascending Ritz values) of the ``largest`` top then ``smallest`` bottom ones."""
    top = torch.arange(count - 1, count - 1 - largest, -1)
    return torch.cat([top, torch.arange(smallest)]).long()


def extreme_eigenpairs(
    op: Callable[[Tensor], Tensor], n: int, dtype: torch.dtype, device: torch.device, *,
    largest: int = 0, smallest: int = 0, tol: float = 1e-6, max_basis: int | None = None, block: int = 1,
    max_products: int | None = None, start: Tensor | None = None, generator: torch.Generator | None = None,
) -> LanczosResult:
    """The ``largest`` top and ``smallest`` bottom eigenpairs of the symmetric ``op`` on ``R^n``.

    ``start`` (a flat vector) seeds the first direction (a warm start); the others are random.
    """
    total = largest + smallest
    if max_basis is None:
        max_basis = max(3 * total + 20, 100)
    max_basis = min(n, max(max_basis, total + block + 1))
    capacity = min(n, max_basis + block) + 1
    basis = _Basis(op, n, dtype, device, capacity, generator)
    if start is not None:
        basis.append(start.reshape(-1).to(dtype=dtype, device=device), float(torch.linalg.vector_norm(start)))
    while basis.size < min(block, n):
        basis.append_random()
    max_products = max_products if max_products is not None else max(50 * n, 1000)
    while True:
        while basis.done < basis.size and basis.done < max_basis:
            basis.multiply_next()
            if basis.done == basis.size and basis.size < n:  # breakdown: A keeps the span invariant
                basis.append_random()
                basis.blocks.append(basis.done)
            if basis.done < total or not _check_now(basis.done, max_basis, n):
                continue
            theta, s, residual = basis.ritz()
            idx = _wanted(basis.done, largest, smallest)
            scale = float(theta.abs().max())
            ok = bool((residual[idx] <= tol * scale).all()) and _complete(basis, largest, smallest, tol * scale)
            ok = ok or basis.done == n
            if ok or basis.products >= max_products:
                if not ok:
                    warnings.warn(f"Lanczos stopped after {basis.products} products (max_products) before every "
                                  f"wanted eigenvalue reached tol={tol:g}; largest residual "
                                  f"{float(residual[idx].max()) / scale:.2g} of max|eigenvalue|", RuntimeWarning,
                                  stacklevel=3)
                y = (s[:, idx].T.to(dtype=dtype, device=device)) @ basis.V[: basis.done]
                return LanczosResult(theta[idx], y, residual[idx], basis.products, ok)
        if basis.done == basis.size:  # the whole space is spanned (n vectors)
            theta, s, residual = basis.ritz()
            idx = _wanted(basis.done, largest, smallest)
            y = (s[:, idx].T.to(dtype=dtype, device=device)) @ basis.V[: basis.done]
            return LanczosResult(theta[idx], y, residual[idx], basis.products, True)
        _restart(basis, theta, s, largest, smallest, total, max_basis)


def _complete(basis: _Basis, largest: int, smallest: int, slack: float) -> bool:
    """After a breakdown, may the search stop?

    A block started from a random vector orthogonal to the earlier blocks holds one
    copy of every distinct eigenvalue left in their complement. So once a completed
    block (one that broke down) brings nothing beyond the wanted values of the
    blocks before it, nothing left does; while it does, the block after it must
    complete too, or grow into an ordinary Krylov search (``YOUNG_BLOCK`` products).
    """
    starts = basis.blocks
    if len(starts) == 1 or basis.done - starts[-1] >= YOUNG_BLOCK:
        return True
    last, current = starts[-2], starts[-1]
    old = torch.linalg.eigvalsh(basis.H[:last, :last])
    new = torch.linalg.eigvalsh(basis.H[last:current, last:current])
    if largest and (len(old) < largest or float(new[-1]) > float(old[-largest]) + slack):
        return False
    return not (smallest and (len(old) < smallest or float(new[0]) < float(old[smallest - 1]) - slack))


def _restart(basis: _Basis, theta: Tensor, s: Tensor, largest: int, smallest: int, total: int,
             max_basis: int) -> None:
    """Thick restart: keep the Ritz vectors nearest the wanted ends and the vectors ahead."""
    j = basis.done
    keep = min(j - 1, total + max(1, (max_basis - total) // 2))
    if largest and smallest:
        top = max(largest, keep * largest // total)
        idx = _wanted(j, top, keep - top)
    else:
        idx = _wanted(j, keep if largest else 0, keep if smallest else 0)
    ahead = basis.V[j: basis.size].clone()
    coupling = basis.H[j: basis.size, :j] @ s[:, idx]
    y = s[:, idx].T.to(dtype=basis.V.dtype, device=basis.V.device) @ basis.V[:j]
    basis.V.zero_()
    basis.H.zero_()
    keep, a = len(idx), len(ahead)
    basis.V[:keep], basis.V[keep: keep + a] = y, ahead
    basis.H[:keep, :keep] = torch.diag(theta[idx])
    basis.H[keep: keep + a, :keep] = coupling
    basis.H[:keep, keep: keep + a] = coupling.T
    basis.size, basis.done = keep + a, keep
    basis.blocks = [0]


def tridiagonal(op: Callable[[Tensor], Tensor], start: Tensor, steps: int) -> tuple[Tensor, Tensor]:
    """``steps`` Lanczos steps from the unit vector ``start`` with full reorthogonalization: Ritz values and
    the squared first components of their vectors (the Gauss quadrature nodes and weights of Golub & Meurant).
    """
    n = start.numel()
    basis = _Basis(op, n, start.dtype, start.device, min(steps, n) + 1, None)
    basis.append(start.reshape(-1), 1.0)
    while basis.done < min(steps, n) and basis.done < basis.size:
        basis.multiply_next()
    theta, s = torch.linalg.eigh(basis.H[: basis.done, : basis.done])
    return theta, s[0] ** 2
