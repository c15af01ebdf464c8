"""Moré–Garbow–Hillstrom test problems for unconstrained minimization, as float64 torch functions.

The standard set of Moré, Garbow & Hillstrom, "Testing Unconstrained Optimization
Software", ACM TOMS 7(1), 1981 (problem numbers as in the paper), plus Zakharov's
function: each with its standard start ``x0``, the multiples of ``x0`` the
literature starts from (``10 x0``, ``100 x0`` where the paper recommends them), and
the known minimum value ``f*`` (exact, or the paper's six digits). Most are sums of
squares ``f = sum_i r_i(x)^2``; ``value`` evaluates ``f`` at a point of shape ``(n,)``.

They live here, next to the lab's two-dimensional problems, because tests and users
measure optimizers on them, not only the benchmark that picks BFGS's defaults
(``benchmarks/bfgs_defaults.py``).

Example:
    >>> import torch
    >>> p = get("wood")
    >>> float(p.value(torch.ones(4, dtype=torch.float64))), p.f_star, p.start(10).tolist()
    (0.0, 0.0, [-30.0, -10.0, -30.0, -10.0])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from trainlab.constraints import unknown_name

__all__ = ["MGHProblem", "PROBLEMS", "get", "names"]


@dataclass(frozen=True)
class MGHProblem:
    """One test problem: ``f``, its dimension, standard start, start multiples and minimum value."""

    name: str
    n: int
    value: Callable[[Tensor], Tensor]
    x0: tuple[float, ...]
    f_star: float
    scales: tuple[float, ...] = (1.0, 10.0, 100.0)
    source: str = "Moré, Garbow & Hillstrom 1981"

    def start(self, scale: float = 1.0) -> Tensor:
        """``scale * x0`` as a float64 tensor."""
        return scale * torch.tensor(self.x0, dtype=torch.float64)

    def reached(self, f: float, rtol: float = 1e-6) -> bool:
        """Whether ``f`` is the global minimum value: ``f - f* <= rtol max(1, |f*|)``."""
        return f - self.f_star <= rtol * max(1.0, abs(self.f_star))


def _squares(residuals: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    return lambda x: residuals(x).pow(2).sum()


def _rosenbrock(x: Tensor) -> Tensor:  # extended Rosenbrock (#21); n = 2 is Rosenbrock (#1)
    odd, even = x[0::2], x[1::2]
    return torch.cat([10 * (even - odd**2), 1 - odd])


def _freudenstein_roth(x: Tensor) -> Tensor:  # #2; a local minimum f = 48.9842 at (11.41, -0.8968)
    a, b = x[0], x[1]
    return torch.stack([-13 + a + ((5 - b) * b - 2) * b, -29 + a + ((b + 1) * b - 14) * b])


def _brown_badly_scaled(x: Tensor) -> Tensor:  # #4
    return torch.stack([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])


def _beale(x: Tensor) -> Tensor:  # #5
    y = torch.tensor([1.5, 2.25, 2.625], dtype=x.dtype)
    i = torch.arange(1, 4, dtype=x.dtype)
    return y - x[0] * (1 - x[1] ** i)


def _helical_valley(x: Tensor) -> Tensor:  # #7
    theta = torch.atan(x[1] / x[0]) / (2 * math.pi) + (0.5 if float(x[0].detach()) < 0 else 0.0)
    return torch.stack([10 * (x[2] - 10 * theta), 10 * (torch.sqrt(x[0] ** 2 + x[1] ** 2) - 1), x[2]])


def _box3d(x: Tensor) -> Tensor:  # #12, m = 10
    t = 0.1 * torch.arange(1, 11, dtype=x.dtype)
    return torch.exp(-t * x[0]) - torch.exp(-t * x[1]) - x[2] * (torch.exp(-t) - torch.exp(-10 * t))


def _powell_singular(x: Tensor) -> Tensor:  # #13
    return torch.stack([x[0] + 10 * x[1], math.sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
                        math.sqrt(10) * (x[0] - x[3]) ** 2])


def _wood(x: Tensor) -> Tensor:  # #14
    a, b, c, d = x
    return (100 * (b - a**2) ** 2 + (1 - a) ** 2 + 90 * (d - c**2) ** 2 + (1 - c) ** 2
            + 10.1 * ((b - 1) ** 2 + (d - 1) ** 2) + 19.8 * (b - 1) * (d - 1))


def _watson(x: Tensor) -> Tensor:  # #20, m = 31
    t = (torch.arange(1, 30, dtype=x.dtype) / 29).unsqueeze(1)
    j = torch.arange(x.numel(), dtype=x.dtype)
    first = ((j[1:] * x[1:]) * t ** (j[1:] - 1)).sum(1)
    second = (x * t**j).sum(1)
    return torch.cat([first - second**2 - 1, x[:1], (x[1] - x[0] ** 2 - 1).unsqueeze(0)])


def _penalty1(x: Tensor) -> Tensor:  # #23
    return torch.cat([math.sqrt(1e-5) * (x - 1), (x.pow(2).sum() - 0.25).unsqueeze(0)])


def _penalty2(x: Tensor) -> Tensor:  # #24
    n, a = x.numel(), math.sqrt(1e-5)
    i = torch.arange(2, n + 1, dtype=x.dtype)
    y = torch.exp(i / 10) + torch.exp((i - 1) / 10)
    middle = a * (torch.exp(x[1:] / 10) + torch.exp(x[:-1] / 10) - y)
    tail = a * (torch.exp(x[1:] / 10) - math.exp(-0.1))
    weights = torch.arange(n, 0, -1, dtype=x.dtype)
    return torch.cat([(x[0] - 0.2).unsqueeze(0), middle, tail, ((weights * x**2).sum() - 1).unsqueeze(0)])


def _variably_dimensioned(x: Tensor) -> Tensor:  # #25
    s = (torch.arange(1, x.numel() + 1, dtype=x.dtype) * (x - 1)).sum()
    return torch.cat([x - 1, s.unsqueeze(0), (s**2).unsqueeze(0)])


def _trigonometric(x: Tensor) -> Tensor:  # #26; local minima with f > 0 exist
    n = x.numel()
    i = torch.arange(1, n + 1, dtype=x.dtype)
    return n - torch.cos(x).sum() + i * (1 - torch.cos(x)) - torch.sin(x)


def _zakharov(x: Tensor) -> Tensor:  # Zakharov's function (e.g. Jamil & Yang 2013, no. 173)
    s = (0.5 * torch.arange(1, x.numel() + 1, dtype=x.dtype) * x).sum()
    return x.pow(2).sum() + s**2 + s**4


def _ext_rosenbrock_start(n: int) -> tuple[float, ...]:
    return tuple(-1.2 if i % 2 == 0 else 1.0 for i in range(n))


ONE, TEN = (1.0,), (1.0, 10.0)
PROBLEMS: tuple[MGHProblem, ...] = (
    MGHProblem("rosenbrock", 2, _squares(_rosenbrock), (-1.2, 1.0), 0.0),
    MGHProblem("freudenstein_roth", 2, _squares(_freudenstein_roth), (0.5, -2.0), 0.0),
    MGHProblem("brown_badly_scaled", 2, _squares(_brown_badly_scaled), (1.0, 1.0), 0.0, ONE),
    MGHProblem("beale", 2, _squares(_beale), (1.0, 1.0), 0.0, TEN),
    MGHProblem("helical_valley", 3, _squares(_helical_valley), (-1.0, 0.0, 0.0), 0.0),
    MGHProblem("box3d", 3, _squares(_box3d), (0.0, 10.0, 20.0), 0.0, TEN),
    MGHProblem("powell_singular", 4, _squares(_powell_singular), (3.0, -1.0, 0.0, 1.0), 0.0),
    MGHProblem("wood", 4, _wood, (-3.0, -1.0, -3.0, -1.0), 0.0),
    MGHProblem("watson6", 6, _squares(_watson), (0.0,) * 6, 2.28767e-3, ONE),
    MGHProblem("watson9", 9, _squares(_watson), (0.0,) * 9, 1.39976e-6, ONE),
    MGHProblem("zakharov6", 6, _zakharov, (0.5,) * 6, 0.0, TEN, "Zakharov; start 0.5 (1, ..., 1)"),
    MGHProblem("extended_rosenbrock10", 10, _squares(_rosenbrock), _ext_rosenbrock_start(10), 0.0),
    MGHProblem("extended_rosenbrock20", 20, _squares(_rosenbrock), _ext_rosenbrock_start(20), 0.0, ONE),
    MGHProblem("penalty1_10", 10, _squares(_penalty1), tuple(float(j) for j in range(1, 11)), 7.08765e-5),
    MGHProblem("penalty2_10", 10, _squares(_penalty2), (0.5,) * 10, 2.93660e-4, TEN),
    MGHProblem("variably_dimensioned10", 10, _squares(_variably_dimensioned),
               tuple(1 - j / 10 for j in range(1, 11)), 0.0),
    MGHProblem("trigonometric10", 10, _squares(_trigonometric), (0.1,) * 10, 0.0),
)
_BY_NAME = {p.name: p for p in PROBLEMS}


def names() -> list[str]:
    """The problem names, in the order above (by dimension)."""
    return list(_BY_NAME)


def get(name: str) -> MGHProblem:
    """The problem called ``name``."""
    if name not in _BY_NAME:
        raise unknown_name("test problem", name, names())
    return _BY_NAME[name]
