"""Cosine annealing, with optional warm restarts (SGDR, Loshchilov & Hutter 2017).

Within a period of ``T_i`` steps, ``T_cur`` steps since the last restart:

    value = end + (init - end) * (1 + cos(pi * T_cur / T_i)) / 2

Without restarts ``T_i = period`` and ``T_cur = min(t, period)``: the value falls
from ``init`` to ``end`` and stays there (``CosineAnnealingLR`` instead rises again
after ``T_max``; Keras' ``CosineDecay`` holds, as here). With restarts the value
jumps back to ``init`` every period, and each period is ``period_mult`` times the
one before (``CosineAnnealingWarmRestarts(T_0=period, T_mult=period_mult)``).
The Brown/NVIDIA notes list Keras' ``CosineDecay`` among the built-in schedules.

Example:
    >>> from trainlab.schedules import Cosine
    >>> s = Cosine(init=0.1, period=10, end=0.0, restarts=True, period_mult=2)
    >>> [round(s(t), 4) for t in (0, 5, 10, 20, 30)]
    [0.1, 0.05, 0.1, 0.05, 0.1]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trainlab.constraints import BOOL, NONNEGATIVE, POSITIVE_INT
from trainlab.schedules.base import Schedule

__all__ = ["Cosine"]


@dataclass(frozen=True)
class Cosine(Schedule):
    """Cosine annealing from ``init`` to ``end`` over ``period`` steps; SGDR with ``restarts``."""

    init: float
    period: int
    end: float = 0.0
    restarts: bool = False
    period_mult: int = 1

    constraints = {
        "init": NONNEGATIVE,
        "period": POSITIVE_INT,
        "end": NONNEGATIVE,
        "restarts": BOOL,
        "period_mult": POSITIVE_INT,
    }

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        if self.period_mult != 1 and not self.restarts:
            self._fail("period_mult", "1 unless restarts=True", self.period_mult)

    def position(self, step: int) -> tuple[int, int]:
        """``(T_cur, T_i)``: steps since the last restart and the length of this period."""
        if not self.restarts:
            return min(step, self.period), self.period
        t_cur, t_i = step, self.period
        while t_cur >= t_i:  # integer arithmetic: restarts land exactly on their steps
            t_cur -= t_i
            t_i *= self.period_mult
        return t_cur, t_i

    def _at(self, step: int) -> float:
        t_cur, t_i = self.position(step)
        return self.end + (self.init - self.end) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
