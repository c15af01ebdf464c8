"""Cyclical learning rates (Smith 2017) and the one-cycle policy (Smith & Topin 2019).

The Brown/NVIDIA notes ("1 Cycle Scheduling"): a lower and an upper bound are set and the rate
moves between them in a triangular window; the step size (half a cycle) is 2-10
times the iterations in an epoch; the bounds come from a range test
(``trainlab.schedules.lr_range_test``). The Brown/NVIDIA notes run
``CyclicLR(base_lr=0.0001, max_lr=0.001, step_size_up=3, mode="triangular")``.

Cyclical, with ``cycle = floor(1 + t / (up + down))`` and ``x`` the position in it::

    height = (peak - base) * (x / r if x <= r else (x - 1) / (r - 1)),  r = up / (up + down)
    value  = base + height * scale     (momentum: peak - height * scale)
    scale  = 1 (triangular), 1 / 2**(cycle - 1) (triangular2), gamma**t (exp_range)

One-cycle: warm up from ``peak / div_factor`` to ``peak`` over ``pct_start`` of the
steps, then anneal (cosine or linear) to ``peak / div_factor / final_div_factor``;
with ``three_phase`` the descent back to the start mirrors the warm-up and a third
phase anneals to the minimum. The momentum cycle runs the other way.
Both follow ``torch.optim.lr_scheduler`` step for step (``CyclicLR``, ``OneCycleLR``).

Example:
    >>> from trainlab.schedules import Cyclical, OneCycle
    >>> clr = Cyclical(base=1e-4, peak=1e-3, step_size_up=3)
    >>> [round(clr(t), 5) for t in range(7)]
    [0.0001, 0.0004, 0.0007, 0.001, 0.0007, 0.0004, 0.0001]
    >>> oc = OneCycle(peak=0.1, total_steps=100)
    >>> round(oc(0), 4), round(oc(29), 4), oc.momentum()(29)
    (0.004, 0.1, 0.85)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trainlab.constraints import BOOL, NONNEGATIVE, POSITIVE, POSITIVE_INT, Interval, Optional, Options
from trainlab.schedules.base import Schedule

__all__ = ["Cyclical", "OneCycle", "OneCycleMomentum"]

_MODES = Options(("triangular", "triangular2", "exp_range"))
_ANNEAL = Options(("cos", "linear"))
# What a one-cycle learning rate and its momentum share.
_PHASES = {
    "total_steps": POSITIVE_INT,
    "pct_start": Interval(0, 1, closed="both"),
    "anneal": _ANNEAL,
    "three_phase": BOOL,
}


def _check_bounds(s: Cyclical | OneCycleMomentum) -> None:
    if s.peak < s.base:
        s._fail("peak", f"at least base ({s.base!r})", s.peak)


@dataclass(frozen=True)
class Cyclical(Schedule):
    """A cycle between ``base`` and ``peak`` (``CyclicLR``); ``inverse`` for the momentum cycle.

    ``step_size_down`` defaults to ``step_size_up``. ``gamma`` (in ``(0, 1]``) is
    used by ``exp_range`` only. ``inverse=True`` starts at ``peak`` and dips to
    ``base`` when the learning-rate cycle peaks (``CyclicLR``'s momentum).
    """

    base: float
    peak: float
    step_size_up: int = 2000
    step_size_down: int | None = None
    mode: str = "triangular"
    gamma: float = 1.0
    inverse: bool = False

    constraints = {
        "base": NONNEGATIVE,
        "peak": NONNEGATIVE,
        "step_size_up": POSITIVE_INT,
        "step_size_down": Optional(POSITIVE_INT),
        "mode": _MODES,
        "gamma": Interval(0, 1, closed="right"),
        "inverse": BOOL,
    }

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        _check_bounds(self)

    def momentum(self, base: float = 0.8, peak: float = 0.9) -> Cyclical:
        """The matching momentum cycle: ``peak`` when the rate is lowest, ``base`` at its top."""
        return Cyclical(base, peak, self.step_size_up, self.step_size_down, self.mode, self.gamma, True)

    def _at(self, step: int) -> float:
        up = float(self.step_size_up)
        total = up + float(self.step_size_down if self.step_size_down is not None else up)
        ratio = up / total
        cycle = math.floor(1 + step / total)
        x = 1.0 + step / total - cycle
        shape = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        height = (self.peak - self.base) * shape
        if self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            scale = 1 / (2.0 ** (cycle - 1))
        else:
            scale = self.gamma**step
        return self.peak - height * scale if self.inverse else self.base + height * scale


def _check_phases(s: OneCycle | OneCycleMomentum) -> None:
    """Every phase must span at least one step (torch would divide by zero)."""
    warm = s.pct_start * s.total_steps
    if warm <= 1:
        s._fail(
            "pct_start",
            f"above 1/total_steps = {1 / s.total_steps:g} (a warm-up of at least one step)",
            s.pct_start,
        )
    last = 2 * warm - 2 if s.three_phase else warm - 1
    if s.total_steps - 1 - last <= 0:
        limit = "(total_steps + 1) / (2 total_steps)" if s.three_phase else "1"
        s._fail("pct_start", f"below {limit} so the last phase has steps", s.pct_start)


def _one_cycle(s: OneCycle | OneCycleMomentum, step: int, knots: list[tuple[float, float]]) -> float:
    """Anneal between ``knots[i] = (start, end)`` over phase ``i``, as ``OneCycleLR.get_lr``.

    ``OneCycleLR`` refuses a step past ``total_steps - 1`` (its last); here every later
    step holds that last value, so neither anneal extrapolates below its end.
    """
    t = min(step, s.total_steps - 1)
    warm = float(s.pct_start * s.total_steps)
    ends = (
        [warm - 1, float(2 * s.pct_start * s.total_steps) - 2, s.total_steps - 1]
        if s.three_phase
        else [warm - 1, s.total_steps - 1]
    )
    start_step = 0.0
    for i, end_step in enumerate(ends):
        if t <= end_step or i == len(ends) - 1:
            pct = (t - start_step) / (end_step - start_step)
            start, end = knots[i]
            if s.anneal == "cos":
                return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
            return (end - start) * pct + start
        start_step = end_step
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class OneCycle(Schedule):
    """The one-cycle learning rate (``OneCycleLR``); steps past ``total_steps`` hold its last value.

    Starts at ``peak / div_factor``, reaches ``peak`` after ``pct_start * total_steps``
    steps and ends at ``peak / (div_factor * final_div_factor)``. ``anneal`` is
    ``"cos"`` or ``"linear"``. ``.momentum(base, peak)`` gives the matching momentum.
    """

    peak: float
    total_steps: int
    pct_start: float = 0.3
    anneal: str = "cos"
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    three_phase: bool = False

    constraints = {"peak": NONNEGATIVE, "div_factor": POSITIVE, "final_div_factor": POSITIVE, **_PHASES}

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        _check_phases(self)

    @property
    def initial(self) -> float:
        """The rate at step 0: ``peak / div_factor``."""
        return self.peak / self.div_factor

    @property
    def minimum(self) -> float:
        """The rate at the end: ``initial / final_div_factor``."""
        return self.initial / self.final_div_factor

    def momentum(self, base: float = 0.85, peak: float = 0.95) -> OneCycleMomentum:
        """The momentum cycle that mirrors this rate (``OneCycleLR``'s ``cycle_momentum``)."""
        return OneCycleMomentum(base, peak, self.total_steps, self.pct_start, self.anneal, self.three_phase)

    def _at(self, step: int) -> float:
        lo, hi, end = self.initial, self.peak, self.minimum
        knots = [(lo, hi), (hi, lo), (lo, end)] if self.three_phase else [(lo, hi), (hi, end)]
        return _one_cycle(self, step, knots)


@dataclass(frozen=True)
class OneCycleMomentum(Schedule):
    """Momentum for one-cycle: ``peak`` -> ``base`` during warm-up, then back to ``peak``."""

    base: float
    peak: float
    total_steps: int
    pct_start: float = 0.3
    anneal: str = "cos"
    three_phase: bool = False

    constraints = {"base": NONNEGATIVE, "peak": NONNEGATIVE, **_PHASES}

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        _check_bounds(self)
        _check_phases(self)

    def _at(self, step: int) -> float:
        lo, hi = self.base, self.peak
        knots = [(hi, lo), (lo, hi), (hi, hi)] if self.three_phase else [(hi, lo), (lo, hi)]
        return _one_cycle(self, step, knots)
