"""Spreads over seeds and the one-line reading of an optimizer race, written from its numbers.

Example:
    >>> Spread.of([0.5, 0.3, 0.4])
    Spread(median=0.4, low=0.3, high=0.5)
    >>> Spread.of([2.0, float("nan")]).high
    inf
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Spread", "summarize"]


@dataclass(frozen=True)
class Spread:
    """Median and range of one number over seeds (a non-finite value counts as ``inf``)."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        clean = [float(v) if math.isfinite(v) else math.inf for v in values]
        return cls(statistics.median(clean), min(clean), max(clean))


def _names(rows: Sequence[Any], value: Callable[[Any], float], fmt: str, n: int = 3) -> str:
    return ", ".join(f"{r.name} ({format(value(r), fmt)})" for r in rows[:n])


def summarize(rows: Sequence[Any], target: float) -> str:
    """What the race shows, from its rows (``optimizer_race.RaceRow``): who reaches the target first,
    how close the best validation losses are, who fits the training data furthest and who overfits most.
    """
    if not rows:
        return ""
    reached = sorted((r for r in rows if r.steps_to_target is not None), key=lambda r: r.steps_to_target)
    finite = [r for r in rows if math.isfinite(r.best_val.median)]
    parts = []
    if reached:
        parts.append(f"first to validation MSE {target:g} (median steps): {_names(reached, lambda r: r.steps_to_target, 'd')}")
    missed = [r.name for r in rows if r.steps_to_target is None]
    if missed:
        parts.append(f"never reached it: {', '.join(missed)}")
    if finite:
        lo = min(finite, key=lambda r: r.best_val.median)
        hi = max(finite, key=lambda r: r.best_val.median)
        widest = max(r.best_val.high - r.best_val.low for r in finite)
        within = "within" if hi.best_val.median - lo.best_val.median <= widest else "beyond"
        parts.append(f"best validation MSE from {lo.best_val.median:.3f} ({lo.name}) to {hi.best_val.median:.3f} "
                     f"({hi.name}), {within} the seed spread (ranges up to {widest:.3f} wide)")
        fit = sorted(finite, key=lambda r: r.final_train.median)
        parts.append(f"lowest training MSE at the stop: {_names(fit, lambda r: r.final_train.median, '.3f')}")
        over = sorted(finite, key=lambda r: -r.overfit)
        parts.append(f"largest validation rise after the best step: {_names(over, lambda r: r.overfit, '+.3f')}")
    return "; ".join(parts) + "."
