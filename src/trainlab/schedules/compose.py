"""Schedules made of schedules: ``Warmup`` (a ramp in front of any schedule) and ``Join``.

``Warmup(schedule, steps, start_factor, mode)`` multiplies ``schedule(t)`` by a
factor that rises from ``start_factor`` to 1 over ``steps`` steps, on the same
clock as the schedule (as chaining ``LinearLR`` with another torch scheduler does):

    linear:       f(t) = start_factor + (1 - start_factor) t / steps     (Goyal et al. 2017)
    exponential:  f(t) = start_factor ** (1 - t / steps)                 (a geometric ramp)

``Join(schedules, boundaries)`` runs ``schedules[i]`` from ``boundaries[i-1]`` on,
restarting its clock there (optax's ``join_schedules``): schedule ``i`` sees
``t - boundaries[i-1]``.

Example:
    >>> from trainlab.schedules import Cosine, Join, Linear, Warmup
    >>> w = Warmup(Cosine(0.1, period=100), steps=10, start_factor=0.0)
    >>> round(w(5), 4), round(w(10), 4) == round(Cosine(0.1, period=100)(10), 4)
    (0.0497, True)
    >>> j = Join((Linear(0.0, 0.1, steps=10), Cosine(0.1, period=90)), boundaries=(10,))
    >>> j(10) == Cosine(0.1, period=90)(0)
    True
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trainlab.constraints import POSITIVE_INT, UNIT_CLOSED, Options, Satisfies
from trainlab.schedules.base import SCHEDULE, Schedule
from trainlab.schedules.basic import BOUNDARIES, check_pieces

__all__ = ["Join", "Warmup"]

_SCHEDULES = Satisfies(
    lambda v: isinstance(v, tuple) and len(v) >= 1 and all(SCHEDULE.accepts(s) for s in v),
    "a non-empty sequence of schedules",
)


@dataclass(frozen=True)
class Warmup(Schedule):
    """Ramp the factor on ``schedule`` from ``start_factor`` to 1 over ``steps`` steps."""

    schedule: Callable[[int], float]
    steps: int
    start_factor: float = 0.01
    mode: str = "linear"

    constraints = {
        "schedule": SCHEDULE,
        "steps": POSITIVE_INT,
        "start_factor": UNIT_CLOSED,
        "mode": Options(("linear", "exponential")),
    }

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        if self.mode == "exponential" and self.start_factor == 0:
            self._fail("start_factor", "in (0, 1] for mode='exponential'", self.start_factor)

    def factor(self, step: int) -> float:
        """The warm-up factor at ``step`` (1 from ``steps`` on)."""
        if step >= self.steps:
            return 1.0
        if self.mode == "linear":
            return self.start_factor + (1.0 - self.start_factor) * step / self.steps
        return self.start_factor ** (1.0 - step / self.steps)

    def _at(self, step: int) -> float:
        value = self.schedule(step)
        return value if step >= self.steps else value * self.factor(step)


@dataclass(frozen=True)
class Join(Schedule):
    """``schedules[i]`` from ``boundaries[i-1]`` on, its clock restarted there."""

    schedules: tuple[Callable[[int], float], ...]
    boundaries: tuple[int, ...]

    constraints = {"schedules": _SCHEDULES, "boundaries": BOUNDARIES}

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        check_pieces(self, "schedules")

    def _at(self, step: int) -> float:
        i = bisect_right(self.boundaries, step)
        return self.schedules[i](step - (self.boundaries[i - 1] if i else 0))
