"""Decay schedules of the Brown/NVIDIA notes ("Learning Rate Scheduling") and their torch cousins.

=============== ================================================ ========================
schedule        value at step ``t``                              torch / source
=============== ================================================ ========================
Constant        ``value``                                        Brown/NVIDIA notes (constant lr)
Piecewise       ``values[i]`` for ``boundaries[i-1] <= t <       MultiStepLR, ConstantLR;
                boundaries[i]``                                  Brown/NVIDIA notes piecewise decay
Exponential     ``init exp(-rate k)`` or ``init gamma^k``,       ExponentialLR, StepLR;
                ``k = t // step_size``                           Brown/NVIDIA notes
Power           ``init (1 + beta t)^-alpha``                     Brown/NVIDIA notes power scheduling
Polynomial      ``(init - end)(1 - t/T)^p + end``, then ``end``  PolynomialLR; Brown/NVIDIA notes' lr_poly
Linear          ``init + (end - init) min(t, T) / T``            LinearLR; Brown/NVIDIA notes' linear_decay
Multiplicative  ``init prod_{k=1..t} factor(k)``                 MultiplicativeLR
=============== ================================================ ========================

Example:
    >>> from trainlab.schedules import Exponential, Piecewise
    >>> Exponential(init=0.1, gamma=0.5, step_size=10)(25)
    0.025
    >>> Piecewise(boundaries=(100, 200), values=(0.1, 0.01, 0.001))(150)
    0.01
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from numbers import Real
from typing import Any

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Optional, Satisfies
from trainlab.schedules.base import SCHEDULE, Schedule

__all__ = [
    "Constant",
    "Exponential",
    "Linear",
    "Multiplicative",
    "Piecewise",
    "Polynomial",
    "Power",
]


def _is_real(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


_RATES = Satisfies(
    lambda v: isinstance(v, tuple) and len(v) >= 1 and all(_is_real(x) and x >= 0 for x in v),
    "a non-empty sequence of floats >= 0",
)
BOUNDARIES = Satisfies(
    lambda v: (
        isinstance(v, tuple)
        and all(isinstance(b, int) and not isinstance(b, bool) and b >= 1 for b in v)
        and all(a < b for a, b in pairwise(v))
    ),
    "a strictly increasing sequence of ints >= 1",
)


def grow(init: float, factor: float, k: int) -> float:
    """``init * factor**k`` that saturates at ``inf`` (Python floats raise ``OverflowError``).

    A zero ``init`` stays 0 (``0 * inf`` would be NaN).

    >>> grow(0.1, 2.0, 10**4), grow(0.0, 2.0, 10**4), grow(1.0, 0.5, 2)
    (inf, 0.0, 0.25)
    """
    if init == 0:
        return 0.0
    try:
        return init * factor**k
    except OverflowError:
        return math.inf


def check_pieces(schedule: Schedule, name: str) -> None:
    """``schedule.<name>`` must hold one item more than ``schedule.boundaries``."""
    items, n = getattr(schedule, name), len(schedule.boundaries) + 1
    if len(items) != n:
        schedule._fail(name, f"a sequence of {n} {name} (one more than boundaries)", items)


@dataclass(frozen=True)
class Constant(Schedule):
    """``value`` at every step (the Brown/NVIDIA notes' ``constant_lr``)."""

    value: float

    constraints = {"value": NONNEGATIVE}

    def _at(self, step: int) -> float:
        return self.value


@dataclass(frozen=True)
class Piecewise(Schedule):
    """Piecewise constant: ``values[i]`` while ``boundaries[i-1] <= t < boundaries[i]``.

    The Brown/NVIDIA notes: ``eta(t) = eta_i if t_i <= t <= t_{i+1}``. ``MultiStepLR(milestones, gamma)``
    is ``Piecewise(milestones, [lr * gamma**i for i in range(len(milestones) + 1)])``.

    Example: ``Piecewise((30, 60), (0.1, 0.01, 0.001))`` drops tenfold at steps 30 and 60.
    """

    boundaries: tuple[int, ...]
    values: tuple[float, ...]

    constraints = {"boundaries": BOUNDARIES, "values": _RATES}

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        check_pieces(self, "values")

    def _at(self, step: int) -> float:
        return self.values[bisect_right(self.boundaries, step)]


@dataclass(frozen=True)
class Exponential(Schedule):
    """Exponential decay, in either of the Brown/NVIDIA notes' forms, optionally as a staircase.

    ``init * exp(-rate * k)`` (the Brown/NVIDIA notes: ``eta0 exp(-lambda t)``) or
    ``init * gamma**k`` (``ExponentialLR``), with ``k = t // step_size``
    (``step_size > 1`` gives ``StepLR``'s staircase). Give exactly one of
    ``rate`` and ``gamma``; ``gamma > 1`` grows (as the range test does) and
    saturates at ``inf`` once the value passes the largest float.

    Example: ``Exponential(0.1, gamma=0.1, step_size=30)`` is ``StepLR(step_size=30)``.
    """

    init: float
    rate: float | None = None
    gamma: float | None = None
    step_size: int = 1

    constraints = {
        "init": NONNEGATIVE,
        "rate": Optional(NONNEGATIVE),
        "gamma": Optional(POSITIVE),
        "step_size": POSITIVE_INT,
    }

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        if self.rate is None and self.gamma is None:
            self._fail(
                "rate", "a float >= 0 when gamma is None (give exactly one of rate and gamma)", self.rate
            )
        if self.rate is not None and self.gamma is not None:
            self._fail("rate", "None when gamma is given (give exactly one of rate and gamma)", self.rate)

    def _at(self, step: int) -> float:
        k = step // self.step_size
        if self.gamma is not None:
            return grow(self.init, self.gamma, k)
        return self.init * math.exp(-self.rate * k)


@dataclass(frozen=True)
class Power(Schedule):
    """Power (inverse-time) decay ``init * (1 + beta t)**(-alpha)``.

    The Brown/NVIDIA notes, "Power scheduling": ``eta(t) = eta0 / (1 + beta t)^alpha``; a popular
    ``alpha`` is 0.5 (``alpha=1, beta=1/s`` is Keras' ``InverseTimeDecay``).

    Example: ``Power(0.8, beta=0.8 / 1000, alpha=1)`` halves the rate by step 1250.
    """

    init: float
    beta: float
    alpha: float = 0.5

    constraints = {"init": NONNEGATIVE, "beta": NONNEGATIVE, "alpha": NONNEGATIVE}

    def _at(self, step: int) -> float:
        return self.init * (1 + self.beta * step) ** (-self.alpha)


@dataclass(frozen=True)
class Polynomial(Schedule):
    """Polynomial decay to ``end`` over ``steps`` steps, then ``end``.

    ``(init - end) * (1 - t/steps)**power + end`` for ``t < steps``: the Brown/NVIDIA notes'
    ``lr_poly(base_lr, iter, max_iter, power) = base_lr (1 - iter/max_iter)^power``
    with ``end = 0``; ``PolynomialLR`` and Keras' ``PolynomialDecay``.

    Example: ``Polynomial(0.1, steps=1000, power=0.5)``.
    """

    init: float
    steps: int
    power: float = 1.0
    end: float = 0.0

    constraints = {"init": NONNEGATIVE, "steps": POSITIVE_INT, "power": NONNEGATIVE, "end": NONNEGATIVE}

    def _at(self, step: int) -> float:
        if step >= self.steps:
            return self.end
        return (self.init - self.end) * (1.0 - step / self.steps) ** self.power + self.end


@dataclass(frozen=True)
class Linear(Schedule):
    """From ``init`` to ``end`` in a straight line over ``steps`` steps, then ``end``.

    ``init + (end - init) * min(t, steps) / steps``: the Brown/NVIDIA notes' ``linear_decay``
    (``initial_lr * (1 - epoch/epochs)``) and ``LinearLR``. ``end > init`` ramps up.

    Example: ``Linear(0.8, 0.0, steps=1000)``.
    """

    init: float
    end: float
    steps: int

    constraints = {"init": NONNEGATIVE, "end": NONNEGATIVE, "steps": POSITIVE_INT}

    def _at(self, step: int) -> float:
        return self.init + (self.end - self.init) * min(step, self.steps) / self.steps


@dataclass(frozen=True)
class Multiplicative(Schedule):
    """Multiply by ``factor(k)`` at every step ``k >= 1``: ``init * prod_{k<=t} factor(k)``.

    ``factor`` is a number (then this is ``init * factor**t``) or a schedule, as
    ``MultiplicativeLR(lr_lambda=factor)``. The Brown/NVIDIA notes' ``power_deacay_hist`` is
    this recursion with ``factor = Power(1, beta=initial_lr/epochs, alpha)``.
    The product is taken in step order, as torch does; successive calls reuse it.

    Example: ``Multiplicative(0.8, Power(1.0, beta=0.0008, alpha=1.0))``.
    """

    init: float
    factor: float | Callable[[int], float]

    _last: list = field(default_factory=lambda: [0, None], init=False, repr=False, compare=False)

    constraints = {
        "init": NONNEGATIVE,
        "factor": Satisfies(
            lambda f: (_is_real(f) and f >= 0) or SCHEDULE.accepts(f), "a float >= 0 or a schedule"
        ),
    }

    def _at(self, step: int) -> float:
        if not callable(self.factor):
            return grow(self.init, self.factor, step)
        k, lr = self._last
        if lr is None or k > step:
            k, lr = 0, self.init
        while k < step:
            k += 1
            lr = lr * self.factor(k)
        self._last[:] = [k, lr]
        return lr
