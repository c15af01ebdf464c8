"""Classify a stationary point from the eigenvalues of the Hessian (the Brown/NVIDIA notes and the CMI lecture 5).

At a point ``x`` with ``grad f(x) = 0`` the second-order test reads the
eigenvalues ``lambda_i`` of the (symmetrized) Hessian ``H = hessian f(x)``:

- all ``lambda_i > 0``: a **minimum**; all ``lambda_i < 0``: a **maximum**;
- both signs: a **saddle** (the Brown/NVIDIA notes' non-degenerate saddle, ``x^2 - y^2``);
- **degenerate** when some ``|lambda_i| <= eig_tol * max_j |lambda_j|`` (a zero
  eigenvalue up to round-off; an all-zero Hessian is degenerate too). The Brown/NVIDIA notes:
  "Degenerate: Hessian is positive semidefinite and has 0 eigenvalue".

When the point is degenerate and the non-zero eigenvalues all have one sign
(or there are none, as at the monkey saddle ``x^3 - 3 x y^2``), the second-order
test cannot decide. The kind then comes from probing ``f`` along the null
directions ``v`` of ``H`` (each basis vector and ``probes`` random combinations,
both signs, at radius ``probe_radius``): if ``f`` rises beyond round-off in some
null direction and falls in another (or falls where a minimum would need it to
rise), the point is a saddle; otherwise it keeps the sign of the non-zero
eigenvalues (all zero and ``f`` rises everywhere: a minimum). ``method`` says
which test decided.

Tolerances (both documented defaults, both overridable):

- ``grad_tol = 1e-6``: the point must have ``||grad f(x)|| <= grad_tol``, else
  ``InvalidArgument`` saying the gradient is not zero and how large it is;
- ``eig_tol = 1e-8``: relative to the largest ``|lambda|`` as above.

``condition_number`` is ``max |lambda| / min |lambda|`` (``inf`` when degenerate):
the ill-conditioning measure of the Brown/NVIDIA notes and the CMI lecture 5.

Works for any torch function of a vector, e.g. a network's loss as a function of
its flattened parameters (see ``flat_loss``).

Example:
    >>> from trainlab import problems
    >>> from trainlab.problems import classify_stationary_point
    >>> p = classify_stationary_point(problems.get("saddle").fn, [0.0, 0.0])
    >>> p.kind, p.degenerate, p.eigenvalues.tolist(), p.condition_number
    ('saddle', False, [-2.0, 2.0], 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, check, fail
from trainlab.problems.functions import Problem

__all__ = ["StationaryPoint", "classify_stationary_point", "flat_loss"]

GRAD_TOL = 1e-6
EIG_TOL = 1e-8


@dataclass(frozen=True)
class StationaryPoint:
    """The verdict of the second-order test at ``point``."""

    point: Tensor
    kind: str  # "minimum", "maximum" or "saddle"
    degenerate: bool
    eigenvalues: Tensor  # ascending
    condition_number: float
    grad_norm: float
    method: str  # "hessian" (second-order test decided) or "probe" (degenerate: probed f)


def _as_vector(x: Tensor | Sequence[float] | float) -> Tensor:
    t = x.detach() if isinstance(x, Tensor) else torch.as_tensor(x, dtype=torch.float64)
    return t.reshape(-1).clone()


def _probe(
    fn: Callable[[Tensor], Tensor], x: Tensor, null: Tensor, radius: float, probes: int
) -> tuple[bool, bool]:
    """Does ``f`` rise / fall (beyond round-off) along the null directions of the Hessian?"""
    gen = torch.Generator().manual_seed(0)
    dirs = [null[:, i] for i in range(null.shape[1])]
    for _ in range(probes if null.shape[1] > 1 else 0):
        c = torch.randn(null.shape[1], generator=gen, dtype=null.dtype)
        dirs.append(null @ (c / torch.linalg.vector_norm(c)))
    d = torch.stack(dirs + [-v for v in dirs])
    with torch.no_grad():
        f0 = fn(x)
        diffs = torch.stack([fn(x + radius * v) for v in d]) - f0
    noise = 64 * torch.finfo(x.dtype).eps * (1.0 + abs(float(f0)))
    return bool((diffs > noise).any()), bool((diffs < -noise).any())


def classify_stationary_point(
    fn: Callable[[Tensor], Tensor] | Problem,
    x: Tensor | Sequence[float] | float,
    *,
    grad_tol: float = GRAD_TOL,
    eig_tol: float = EIG_TOL,
    probe_radius: float = 1e-3,
    probes: int = 16,
) -> StationaryPoint:
    """Classify the stationary point ``x`` of ``fn`` (a function of one vector, or a ``Problem``)."""
    check("classify_stationary_point", "grad_tol", grad_tol, NONNEGATIVE)
    check("classify_stationary_point", "eig_tol", eig_tol, NONNEGATIVE)
    check("classify_stationary_point", "probe_radius", probe_radius, POSITIVE)
    check("classify_stationary_point", "probes", probes, POSITIVE_INT)
    f = fn.fn if isinstance(fn, Problem) else fn
    if not callable(f):
        fail("classify_stationary_point", "fn", "a function of a vector or a Problem", fn)
    x = _as_vector(x)
    gnorm = float(torch.linalg.vector_norm(torch.func.grad(f)(x)))
    if not gnorm <= grad_tol:
        fail(
            "classify_stationary_point", "x",
            f"a stationary point, but the gradient there is not zero "
            f"(norm {gnorm:.3g} > grad_tol = {grad_tol:g})",
            x.tolist(),
        )
    h = torch.func.hessian(f)(x)
    h = 0.5 * (h + h.T)
    eig, vec = torch.linalg.eigh(h)
    scale = float(eig.abs().max())
    zero = eig.abs() <= eig_tol * scale
    degenerate = bool(zero.any())
    pos, neg = bool((eig[~zero] > 0).any()), bool((eig[~zero] < 0).any())
    cond = math.inf if degenerate else scale / float(eig.abs().min())
    method = "hessian"
    if pos and neg:
        kind = "saddle"
    elif not degenerate:
        kind = "minimum" if pos else "maximum"
    else:
        method = "probe"
        rises, falls = _probe(f, x, vec[:, zero], probe_radius * (1.0 + float(x.norm())), probes)
        if (rises and falls) or (pos and falls) or (neg and rises):
            kind = "saddle"
        elif pos or (not neg and rises):
            kind = "minimum"
        else:
            kind = "maximum" if (neg or falls) else "minimum"
    return StationaryPoint(x, kind, degenerate, eig, cond, gnorm, method)


def flat_loss(
    model: nn.Module, loss: Callable[[Tensor, Tensor], Tensor], inputs: Tensor, targets: Tensor
) -> tuple[Callable[[Tensor], Tensor], Tensor]:
    """``(f, theta)``: the loss of ``model`` on the data as a function of one flat parameter vector.

    ``theta`` is the model's current parameters, flattened in ``named_parameters``
    order; ``f(theta) = loss(model_theta(inputs), targets)`` via ``torch.func.functional_call``.
    """
    names, shapes = [], []
    for name, p in model.named_parameters():
        names.append(name)
        shapes.append(p.shape)
    sizes = [math.prod(s) for s in shapes]
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def f(vec: Tensor) -> Tensor:
        parts = torch.split(vec, sizes)
        params = {n: v.reshape(s) for n, v, s in zip(names, parts, shapes, strict=True)}
        return loss(torch.func.functional_call(model, params, (inputs,)), targets)

    return f, theta
