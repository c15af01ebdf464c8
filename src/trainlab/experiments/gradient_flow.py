"""Exploding products of random matrices, and the growth rate that predicts them.

Brown/NVIDIA "Training and Optimization" lecture notes ("Exploding gradients:
multiply 100 Gaussian random matrices"): a deep linear net with N(0, 1) weights
multiplies its input (and its back-propagated gradient) by one matrix per layer;
after 100 5x5 factors the entries are about 1e28.

How fast: for i.i.d. ``size x size`` matrices with N(0, 1) entries and any unit
vector ``v``, ``||W v||`` is chi-distributed with ``size`` degrees of freedom and
independent of the direction of ``W v``, so

    E[log ||W_n ... W_1 v||] / n = E[log chi_size] = 0.5 (log 2 + digamma(size / 2))

exactly, for every ``n``: the top Lyapunov exponent of the product (Newman 1986).
For ``size = 5`` it is 0.6982 per factor, i.e. a factor ``e^69.8 ~ 2e30`` after 100.
Scaling the factors to ``Var = 1 / size`` (LeCun/Xavier for a square layer) shifts
the exponent by ``-0.5 log(size)`` (slow decay for small ``size``); orthogonal
factors keep every norm (exponent 0).

Example:
    >>> from trainlab.experiments.gradient_flow import matrix_product, lyapunov_exponent
    >>> r = matrix_product(n=100, size=5, seed=0)
    >>> r.max_abs > 1e20
    True
    >>> round(lyapunov_exponent(5), 4)
    0.6982
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from scipy.special import digamma

from trainlab import init as initializers
from trainlab.constraints import POSITIVE_INT, Interval, Options, check

__all__ = ["ProductResult", "GrowthStudy", "lyapunov_exponent", "matrix_product", "growth_study", "FACTORS"]

FACTORS = ("normal", "lecun_normal", "orthogonal")
_SEED = Interval(0, 2**63 - 1, closed="both", integer=True)


def lyapunov_exponent(size: int, factor: str = "normal") -> float:
    """Growth per factor of ``log ||product v||`` for ``size x size`` factors drawn by ``factor``."""
    check("lyapunov_exponent", "size", size, POSITIVE_INT)
    check("lyapunov_exponent", "factor", factor, Options(FACTORS))
    if factor == "orthogonal":
        return 0.0
    top = 0.5 * (math.log(2) + float(digamma(size / 2)))
    return top if factor == "normal" else top - 0.5 * math.log(size)


@dataclass
class ProductResult:
    """The product ``W_n ... W_1`` (float64), its largest entry and the log-norm after each factor."""

    n: int
    size: int
    factor: str
    seed: int
    first: torch.Tensor
    product: torch.Tensor
    log_norms: list[float]  # log ||W_k ... W_1 v|| for k = 1..n, v = e_1

    @property
    def max_abs(self) -> float:
        return self.product.abs().max().item()

    @property
    def growth_per_factor(self) -> float:
        """``log ||W_n ... W_1 v|| / n``: this run's estimate of the Lyapunov exponent."""
        return self.log_norms[-1] / self.n


def matrix_product(n: int = 100, size: int = 5, seed: int = 0, factor: str = "normal") -> ProductResult:
    """Multiply ``n`` random ``size x size`` matrices drawn by ``factor`` (``trainlab.init`` scheme).

    ``"normal"`` is N(0, 1) (the lecture's example), ``"lecun_normal"`` N(0, 1/size),
    ``"orthogonal"`` Haar-orthogonal. The growth is tracked on ``v = e_1``.
    """
    check("matrix_product", "n", n, POSITIVE_INT)
    check("matrix_product", "size", size, POSITIVE_INT)
    check("matrix_product", "seed", seed, _SEED)
    check("matrix_product", "factor", factor, Options(FACTORS))
    draw = {"normal": initializers.normal_, "lecun_normal": initializers.lecun_normal_,
            "orthogonal": initializers.orthogonal_}[factor]
    generator = torch.Generator().manual_seed(seed)
    product = torch.eye(size, dtype=torch.float64)
    v = torch.zeros(size, dtype=torch.float64)
    v[0] = 1.0
    log_norm, log_norms, first = 0.0, [], None
    for _ in range(n):
        w = draw(torch.empty(size, size, dtype=torch.float64), generator=generator)
        first = w if first is None else first
        product = w @ product
        v = w @ v
        norm = v.norm().item()
        log_norm += math.log(norm)
        log_norms.append(log_norm)
        v = v / norm  # renormalize: the log-norm accumulates without overflow
    return ProductResult(n, size, factor, seed, first, product, log_norms)


@dataclass
class GrowthStudy:
    """Per-factor growth over many seeds against the closed form."""

    n: int
    size: int
    factor: str
    growth: list[float]  # one per seed
    log10_max_abs: list[float]
    theory: float

    @property
    def mean(self) -> float:
        return sum(self.growth) / len(self.growth)

    @property
    def standard_error(self) -> float:
        m = self.mean
        return math.sqrt(sum((g - m) ** 2 for g in self.growth) / (len(self.growth) - 1) / len(self.growth))

    def plot(self, path: str | Path, examples: Sequence[ProductResult] = ()) -> Path:
        from trainlab.report.initialization import plot_growth

        return plot_growth(self, path, examples)


def _draw_factors(factor: str, count: int, n: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """``(count, n, size, size)`` factors, all at once (the batched twin of ``matrix_product``'s draws)."""
    w = torch.randn(count, n, size, size, dtype=torch.float64, generator=generator)
    if factor == "lecun_normal":
        return w / math.sqrt(size)
    if factor == "orthogonal":
        q, r = torch.linalg.qr(w)
        return q * torch.diagonal(r, dim1=-2, dim2=-1).sign().unsqueeze(-2)
    return w


def growth_study(n: int = 100, size: int = 5, seeds: int = 1000, factor: str = "normal", seed: int = 0) -> GrowthStudy:
    """Growth per factor and largest entries of ``seeds`` independent products (drawn in one batch)."""
    check("growth_study", "n", n, POSITIVE_INT)
    check("growth_study", "size", size, POSITIVE_INT)
    check("growth_study", "seeds", seeds, Interval(2, None, integer=True))
    check("growth_study", "factor", factor, Options(FACTORS))
    factors = _draw_factors(factor, seeds, n, size, torch.Generator().manual_seed(seed))
    product = torch.eye(size, dtype=torch.float64).expand(seeds, size, size)
    v = torch.zeros(seeds, size, dtype=torch.float64)
    v[:, 0] = 1.0
    log_norm = torch.zeros(seeds, dtype=torch.float64)
    for k in range(n):
        product = factors[:, k] @ product
        v = (factors[:, k] @ v.unsqueeze(-1)).squeeze(-1)
        norm = v.norm(dim=1)
        log_norm += norm.log()
        v = v / norm.unsqueeze(1)
    max_abs = product.abs().amax(dim=(1, 2))
    return GrowthStudy(n, size, factor, (log_norm / n).tolist(), max_abs.log10().tolist(),
                       lyapunov_exponent(size, factor))
