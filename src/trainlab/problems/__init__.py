"""Analytic test problems: value, gradient, Hessian and known minima; a registry by name.

Also here: ``classify_stationary_point`` (minimum / maximum / saddle from the
Hessian), the trajectory runner ``run`` / ``run_together`` (any optimizer from a
start point), and the lab's lecture settings (``settings``).

Example:
    >>> from trainlab import problems
    >>> problems.names()[:3]
    ['quartic', 'elliptic', 'quadratic']
    >>> problems.get("rosenbrock").minima
    ((1.0, 1.0),)
    >>> problems.get("quadratic", condition=100.0).name
    'quadratic(condition=100, dim=2)'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trainlab.constraints import unknown_name
from trainlab.deprecation import relocated
from trainlab.problems.functions import (
    Problem,
    beale,
    elliptic,
    himmelblau,
    monkey_saddle,
    quadratic,
    quartic,
    rastrigin,
    rosenbrock,
    saddle,
)

from trainlab.problems.runner import Run, Summary, Trajectory, run, run_together, summarize
from trainlab.problems.stationary import StationaryPoint, classify_stationary_point, flat_loss

__all__ = [
    "Problem", "get", "names", "PROBLEMS", "classify_stationary_point", "StationaryPoint", "flat_loss",
    "Run", "Trajectory", "Summary", "run_together", "run", "summarize",
]

# name -> factory; factories take keyword arguments (e.g. condition=, dim=)
PROBLEMS: dict[str, Callable[..., Problem]] = {
    "quartic": quartic,
    "elliptic": elliptic,
    "quadratic": quadratic,
    "beale": beale,
    "rosenbrock": rosenbrock,
    "himmelblau": himmelblau,
    "rastrigin": rastrigin,
    "saddle": saddle,
    "monkey_saddle": monkey_saddle,
}


def names() -> list[str]:
    """Every problem name."""
    return list(PROBLEMS)


def get(name: str, **kwargs: Any) -> Problem:
    """The problem called ``name``; keyword arguments go to its factory (e.g. ``dim=10``)."""
    key = name.lower().replace("-", "_")
    if key not in PROBLEMS:
        raise unknown_name("problem", name, names())
    return PROBLEMS[key](**kwargs)


__getattr__ = relocated(__name__, {"race": "trainlab.problems.runner:run_together"})  # old name, one release
