"""Analytic test functions with gradients, Hessians and known stationary points.

Each ``Problem`` wraps a torch function of a point ``x`` (shape ``(..., dim)``,
so a grid of points evaluates in one call) with its known minima, a plotting
domain and standard starting points. Gradients and Hessians come from autograd.

======================  ====================================================  =================
name                    f(x)                                                  source
======================  ====================================================  =================
quartic                 319/8400 x^4 + 43/4200 x^3 - 6799/8400 x^2            SUTD 50.039 notes
                        - 299/840 x + 6
elliptic                x1^2 + 2 x2^2                                         Brown/NVIDIA notes, CMI lecture 5
quadratic (factory)     1/2 sum_i lambda_i (R x)_i^2, lambda from 1 to kappa   CMI lecture 5
beale                   (1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2     UCLA ECE 239AS notes
rosenbrock (factory)    sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2              Rosenbrock 1960
himmelblau              (x^2+y-11)^2 + (x+y^2-7)^2                            Himmelblau 1972
rastrigin (factory)     10 n + sum x_i^2 - 10 cos(2 pi x_i)                   Rastrigin 1974
saddle                  x^2 - y^2          (non-degenerate saddle at 0)       Brown/NVIDIA notes, CMI lecture 5
monkey_saddle           x^3 - 3 x y^2      (degenerate saddle at 0)           Brown/NVIDIA notes
======================  ====================================================  =================

Taught in the lectures (full references in docs/references.md): Beale 1958 in the UCLA ECE 239AS
notes.

Example:
    >>> from trainlab.problems import get
    >>> beale = get("beale")
    >>> float(beale.value([3.0, 0.5]))
    0.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from trainlab.constraints import Interval, POSITIVE_INT, check

__all__ = [
    "Problem",
    "quartic",
    "elliptic",
    "quadratic",
    "beale",
    "rosenbrock",
    "himmelblau",
    "rastrigin",
    "saddle",
    "monkey_saddle",
]


def _as_point(x: Tensor | Sequence[float] | float, dim: int) -> Tensor:
    t = torch.as_tensor(x, dtype=torch.float64) if not isinstance(x, Tensor) else x
    if t.ndim == 0:
        t = t.reshape(1)
    if t.shape[-1] != dim:
        raise ValueError(f"a point of this problem has {dim} coordinates, got shape {tuple(t.shape)}")
    return t


@dataclass(frozen=True)
class Problem:
    """A differentiable test function of ``dim`` variables with what is known about it.

    ``fn`` maps a tensor of shape ``(..., dim)`` to shape ``(...)``.
    ``minima`` lists known local minima, the global ones first; ``stationary``
    lists other known stationary points (saddles, maxima).
    """

    name: str
    dim: int
    fn: Callable[[Tensor], Tensor]
    minima: tuple[tuple[float, ...], ...]
    domain: tuple[tuple[float, float], ...]
    starts: tuple[tuple[float, ...], ...]
    description: str = ""
    source: str = ""
    stationary: tuple[tuple[float, ...], ...] = field(default_factory=tuple)
    bounded_below: bool = True

    def value(self, x: Tensor | Sequence[float] | float) -> Tensor:
        """``f(x)`` for one point or a batch of points."""
        return self.fn(_as_point(x, self.dim))

    def grad(self, x: Tensor | Sequence[float] | float) -> Tensor:
        """The gradient at one point (shape ``(dim,)``)."""
        x = _as_point(x, self.dim).detach()
        return torch.func.grad(self.fn)(x)

    def hessian(self, x: Tensor | Sequence[float] | float) -> Tensor:
        """The Hessian at one point (shape ``(dim, dim)``)."""
        x = _as_point(x, self.dim).detach()
        return torch.func.hessian(self.fn)(x)

    @property
    def global_minimum(self) -> tuple[float, ...] | None:
        return self.minima[0] if self.minima else None

    @property
    def minimum_value(self) -> float | None:
        if not self.minima:
            return None
        return float(self.value(torch.tensor(self.minima[0], dtype=torch.float64)))

    def nearest_minimum(self, x: Tensor | Sequence[float]) -> tuple[tuple[float, ...], float]:
        """The known minimum closest to ``x`` and the distance to it."""
        if not self.minima:
            raise ValueError(f"problem {self.name!r} has no minimum")
        p = _as_point(x, self.dim).detach().to(torch.float64).reshape(-1)
        best = min(self.minima, key=lambda m: float(torch.linalg.vector_norm(p - torch.tensor(m))))
        return best, float(torch.linalg.vector_norm(p - torch.tensor(best, dtype=torch.float64)))

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, dim={self.dim})"


def _polish(fn: Callable[[Tensor], Tensor], points: Sequence[Sequence[float]]) -> tuple[tuple[float, ...], ...]:
    """Refine approximate stationary points to machine precision with Newton's method."""
    out = []
    for p in points:
        x = torch.tensor(p, dtype=torch.float64)
        for _ in range(50):
            g = torch.func.grad(fn)(x)
            if float(torch.linalg.vector_norm(g)) < 1e-15:
                break
            x = x - torch.linalg.solve(torch.func.hessian(fn)(x), g)
        out.append(tuple(float(v) for v in x))
    return tuple(out)


# -- the SUTD 50.039 notes' quartic -----------------------------------------------------------
def _quartic(x: Tensor) -> Tensor:
    v = x[..., 0]
    return 319 / 8400 * v**4 + 43 / 4200 * v**3 - 6799 / 8400 * v**2 - 299 / 840 * v + 6


def _quartic_stationary() -> list[float]:
    # f'(x) = 1276/8400 x^3 + 129/4200 x^2 - 13598/8400 x - 299/840
    roots = np.roots([1276 / 8400, 129 / 4200, -13598 / 8400, -299 / 840])
    return sorted(float(r.real) for r in roots)


@functools.cache  # the stationary points are polished once; a Problem is immutable
def quartic() -> Problem:
    """The SUTD 50.039 notes' quartic: a global minimum near 3.27 and a local one near -3.25."""
    left, middle, right = _polish(_quartic, [[r] for r in _quartic_stationary()])
    return Problem(
        "quartic", 1, _quartic, minima=(right, left), domain=((-6.0, 6.0),), starts=((5.0,), (-5.0,)),
        description="local vs global minimum", source="SUTD 50.039 notes", stationary=(middle,),
    )


# -- quadratics --------------------------------------------------------------------
def elliptic() -> Problem:
    """``x1^2 + 2 x2^2``: Hessian diag(2, 4), condition number 2 (the Brown/NVIDIA notes and the CMI lecture 5)."""
    return Problem(
        "elliptic", 2, lambda x: x[..., 0] ** 2 + 2 * x[..., 1] ** 2, minima=((0.0, 0.0),),
        domain=((-6.0, 6.0), (-3.5, 3.5)), starts=((-5.0, -2.5),),
        description="x1^2 + 2 x2^2, condition number 2", source="Brown/NVIDIA notes, CMI lecture 5",
    )


def quadratic(condition: float = 10.0, dim: int = 2, angle: float = 0.0) -> Problem:
    """``1/2 sum_i lambda_i (R x)_i^2`` with eigenvalues log-spaced from 1 to ``condition``.

    ``angle`` rotates the axes in the first two coordinates (radians), so the
    ellipses need not line up with the coordinate axes.
    """
    check("quadratic", "condition", condition, Interval(1, None, closed="left"))
    check("quadratic", "dim", dim, POSITIVE_INT)
    lam = torch.logspace(0, math.log10(condition), dim, dtype=torch.float64) if dim > 1 else torch.ones(1, dtype=torch.float64)
    rot = torch.eye(dim, dtype=torch.float64)
    if dim >= 2 and angle:
        c, s = math.cos(angle), math.sin(angle)
        rot[:2, :2] = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    hess = rot.T @ torch.diag(lam) @ rot

    def fn(x: Tensor) -> Tensor:
        return 0.5 * torch.einsum("...i,ij,...j->...", x, hess.to(x.dtype), x)

    return Problem(
        f"quadratic(condition={condition:g}, dim={dim})", dim, fn, minima=((0.0,) * dim,),
        domain=((-2.0, 2.0),) * dim, starts=((1.5,) + (1.0,) * (dim - 1),),
        description=f"ill-conditioned quadratic, Hessian condition number {condition:g}", source="CMI lecture 5",
    )


# -- classic test functions --------------------------------------------------------
def _beale(x: Tensor) -> Tensor:
    a, b = x[..., 0], x[..., 1]
    return (1.5 - a + a * b) ** 2 + (2.25 - a + a * b**2) ** 2 + (2.625 - a + a * b**3) ** 2


@functools.cache  # the stationary points are polished once; a Problem is immutable
def beale() -> Problem:
    """Beale's function; minimum 0 at (3, 0.5), saddles at (0, 1) and near (0.1005, -2.6445).

    The UCLA ECE 239AS notes start from (2, -2) and (-3, 3). Its other stationary points are the
    two saddles; along ``x -> -inf``, ``y -> 1`` the function falls toward about
    0.45 without a minimum (a flat valley that traps slow optimizers).
    """
    return Problem(
        "beale", 2, _beale, minima=((3.0, 0.5),), domain=((-4.5, 4.5), (-4.5, 4.5)),
        starts=((2.0, -2.0), (-3.0, 3.0), (1.0, 1.0)), description="narrow curved valleys and plateaus",
        source="Beale 1958", stationary=_polish(_beale, [(0.0, 1.0), (0.1005, -2.6445)]),
    )


def _rosenbrock(x: Tensor) -> Tensor:
    return (100 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2).sum(-1)


def rosenbrock(dim: int = 2) -> Problem:
    """The (extended) Rosenbrock function; minimum 0 at (1, ..., 1), start (-1.2, 1, -1.2, 1, ...)."""
    check("rosenbrock", "dim", dim, Interval(2, None, closed="left", integer=True))
    start = tuple(-1.2 if i % 2 == 0 else 1.0 for i in range(dim))
    name = "rosenbrock" if dim == 2 else f"rosenbrock{dim}"
    return Problem(
        name, dim, _rosenbrock, minima=((1.0,) * dim,), domain=((-2.0, 2.0), (-1.0, 3.0)) + ((-2.0, 2.0),) * (dim - 2),
        starts=(start,), description="a curved, flat-bottomed valley", source="Rosenbrock 1960",
    )


def _himmelblau(x: Tensor) -> Tensor:
    a, b = x[..., 0], x[..., 1]
    return (a**2 + b - 11) ** 2 + (a + b**2 - 7) ** 2


@functools.cache  # the stationary points are polished once; a Problem is immutable
def himmelblau() -> Problem:
    """Himmelblau's function: four global minima (value 0), one maximum, four saddles."""
    minima = _polish(_himmelblau, [(3.0, 2.0), (-2.805, 3.131), (-3.779, -3.283), (3.584, -1.848)])
    others = _polish(
        _himmelblau,
        [(-0.271, -0.923), (0.087, 2.884), (-3.073, -0.081), (3.385, 0.074), (-0.128, -1.954)],
    )
    return Problem(
        "himmelblau", 2, _himmelblau, minima=minima, domain=((-5.0, 5.0), (-5.0, 5.0)),
        starts=((0.0, 0.0), (-1.0, 1.0)), description="four equal minima", source="Himmelblau 1972",
        stationary=others,
    )


def rastrigin(dim: int = 2) -> Problem:
    """Rastrigin's function: a bowl covered in regularly spaced local minima; minimum 0 at 0."""
    check("rastrigin", "dim", dim, POSITIVE_INT)

    def fn(x: Tensor) -> Tensor:
        return 10 * dim + (x**2 - 10 * torch.cos(2 * math.pi * x)).sum(-1)

    return Problem(
        "rastrigin" if dim == 2 else f"rastrigin{dim}", dim, fn, minima=((0.0,) * dim,),
        domain=((-5.12, 5.12),) * dim, starts=((3.3,) * dim,), description="many local minima",
        source="Rastrigin 1974",
    )


def saddle() -> Problem:
    """``x^2 - y^2``: a non-degenerate saddle at the origin (Hessian diag(2, -2)); unbounded below."""
    return Problem(
        "saddle", 2, lambda x: x[..., 0] ** 2 - x[..., 1] ** 2, minima=(), domain=((-2.0, 2.0), (-2.0, 2.0)),
        starts=((1.5, 1e-3),), description="non-degenerate saddle", source="Brown/NVIDIA notes, CMI lecture 5",
        stationary=((0.0, 0.0),), bounded_below=False,
    )


def monkey_saddle() -> Problem:
    """``x^3 - 3 x y^2``: a degenerate saddle at the origin (zero Hessian); unbounded below."""
    return Problem(
        "monkey_saddle", 2, lambda x: x[..., 0] ** 3 - 3 * x[..., 0] * x[..., 1] ** 2, minima=(),
        domain=((-2.0, 2.0), (-2.0, 2.0)), starts=((1.0, 1e-3),), description="degenerate saddle",
        source="Brown/NVIDIA notes", stationary=((0.0, 0.0),), bounded_below=False,
    )
