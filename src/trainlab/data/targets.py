"""The one-dimensional regression targets of the Brown/NVIDIA notes, as data sets.

Each target is a function ``f`` on an interval, sampled at ``n`` points
(evenly spaced by default, as the seed's ``torch.linspace(-1, 1, 100)``), with
optional noise added to ``y``. ``make_target(name, n, seed)`` returns
``X`` of shape ``(n, 1)`` and ``y`` of shape ``(n, 1)`` (float64); the same
seed gives the same noise.

=========== ================================================ ============ ==========================
name        formula                                          domain       where in Brown/NVIDIA notes
=========== ================================================ ============ ==========================
noisy_x2    x^2 + 0.1 U(0, 1)                                [-1, 1]      "Function Approximations +
                                                                          Adam + LBFGS": ``y =
                                                                          torch.square(x)``, ``y + 0.1
                                                                          * torch.rand(y.size())``
noisy_sine  sin(2 pi x) + 0.1 N(0, 1)                        [-1, 1]      "learning the sine function
                                                                          with noise" (learning-rate
                                                                          plots; no formula given)
piecewise   5 + sum_{k=1..4} sin(kx) for x < 0,              [-pi, pi]    "What Optimizer to Use?
            cos(10x) for x >= 0                                           Adam vs Nadam", one-cycle
heaviside   0 for x < 0, 1 for x >= 0                        [-1, 1]      "Example: Regularizers",
                                                                          "Dropout Regularization"
abs         |x|                                              [-1, 1]      "ReLU Collapse:
                                                                          One-Dimensional Examples"
x_sin_5x    x sin(5x)                                        [-1, 1]      ReLU collapse
step_sine   1{x > 0} + 0.2 sin(5x)                           [-1, 1]      ReLU collapse
x_sin_20x   x sin(20x)/10 for x < 0, 1 + x sin(20x)/10 for   [-1, 1]      "Data Normalization -
            x > 0, 0.5 at x = 0                                           Example"
=========== ================================================ ============ ==========================

The seed gives no interval for most targets; the domains above are trainlab's
choice (the seed's own code uses [-1, 1]). The noisy sine's frequency and noise
are also trainlab's choice. For ``x_sin_20x`` the seed prints "0.5 if x = 0.5",
read here as the midpoint value at ``x = 0``.

Example:
    >>> from trainlab.data.targets import make_target
    >>> X, y = make_target("heaviside", n=5)
    >>> X.ravel().tolist(), y.ravel().tolist()
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [0.0, 0.0, 1.0, 1.0, 1.0])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trainlab.constraints import NONNEGATIVE, POSITIVE_INT, Interval, Options, Pair, check, fail

__all__ = ["Target", "TARGETS", "make_target"]


@dataclass(frozen=True)
class Target:
    """A regression target: ``y = fn(x) + noise_scale * noise``, sampled on ``domain``."""

    name: str
    formula: str
    fn: Callable[[np.ndarray], np.ndarray]
    domain: tuple[float, float] = (-1.0, 1.0)
    noise: str = "none"  # "none", "uniform" (U(0, 1)) or "normal" (N(0, 1))
    noise_scale: float = 0.0
    n: int = 100


def _piecewise(x: np.ndarray) -> np.ndarray:
    left = 5.0 + sum(np.sin(k * x) for k in range(1, 5))
    return np.where(x < 0, left, np.cos(10.0 * x))


def _x_sin_20x(x: np.ndarray) -> np.ndarray:
    wiggle = x * np.sin(20.0 * x) / 10.0
    return np.where(x < 0, wiggle, np.where(x > 0, 1.0 + wiggle, 0.5))


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("noisy_x2", "x^2 + 0.1 U(0,1)", np.square, noise="uniform", noise_scale=0.1),
        Target("noisy_sine", "sin(2 pi x) + 0.1 N(0,1)", lambda x: np.sin(2.0 * math.pi * x),
               noise="normal", noise_scale=0.1),
        Target("piecewise", "5 + sum_k sin(kx) (x<0), cos(10x) (x>=0)", _piecewise, (-math.pi, math.pi)),
        Target("heaviside", "0 (x<0), 1 (x>=0)", lambda x: (x >= 0).astype(np.float64)),
        Target("abs", "|x|", np.abs),
        Target("x_sin_5x", "x sin(5x)", lambda x: x * np.sin(5.0 * x)),
        Target("step_sine", "1{x>0} + 0.2 sin(5x)", lambda x: (x > 0) + 0.2 * np.sin(5.0 * x)),
        Target("x_sin_20x", "x sin(20x)/10 (+1 for x>0)", _x_sin_20x),
    )
}


def make_target(
    name: str,
    n: int | None = None,
    seed: int = 0,
    noise_scale: float | None = None,
    domain: tuple[float, float] | None = None,
    random_x: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample target ``name`` at ``n`` points (default: the target's own ``n``).

    ``noise_scale`` overrides the target's noise level (0 gives the clean
    function; on a clean target a positive level adds Gaussian noise);
    ``random_x`` draws ``x`` uniformly instead of evenly spaced.
    """
    check("make_target", "name", name, Options(tuple(TARGETS)))
    target = TARGETS[name]
    n = target.n if n is None else n
    check("make_target", "n", n, POSITIVE_INT)
    scale = target.noise_scale if noise_scale is None else noise_scale
    check("make_target", "noise_scale", scale, NONNEGATIVE)
    low, high = target.domain if domain is None else domain
    check("make_target", "domain", (low, high), Pair(Interval(None, None)))
    if not low < high:
        fail("make_target", "domain", "an interval (low, high) with low < high", (low, high))
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n)) if random_x else np.linspace(low, high, n)
    y = np.asarray(target.fn(x), dtype=np.float64)
    if scale > 0 and target.noise != "none":
        draw = rng.random if target.noise == "uniform" else rng.standard_normal
        y = y + scale * draw(n)
    elif scale > 0:  # a clean target with noise asked for: Gaussian
        y = y + scale * rng.standard_normal(n)
    return x.reshape(n, 1), y.reshape(n, 1)
