"""The lab's lecture demonstrations by name, as plain functions.

Each entry runs one demonstration with its lecture defaults and returns a result
with ``summary()`` (the numbers behind the claim) and ``plot(out)`` (its figures).
The command line (``trainlab trajectories --demo NAME``, ``trainlab run NAME``) runs
them through the experiments registry (``trainlab.experiments.entries_lab``), which
adds their parameters, presets and results files.

======================  ===============================================
name                    figure(s)
======================  ===============================================
quartic                 quartic.png
saddle                  saddle.png
monkey_saddle           monkey_saddle.png
beale                   beale.png, beale.gif
conditioning            conditioning.png
identifiability         identifiability.png
learning_rates          learning_rates.png
noisy_schedules         noisy_schedules.png
======================  ===============================================

Example:
    >>> from trainlab.experiments.lab import DEMOS
    >>> DEMOS["quartic"]().summary()["gd from 5"]
    '3.2727653395584366 (lecture: 3.2727653395584366)'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trainlab.experiments.beale import run_beale
from trainlab.experiments.conditioning import run_conditioning
from trainlab.experiments.identifiability import run_identifiability
from trainlab.experiments.learning_rates import run_learning_rates
from trainlab.experiments.noisy_schedules import run_noisy_schedules
from trainlab.experiments.quartic import run_quartic
from trainlab.experiments.saddle import run_saddle

__all__ = ["DEMOS"]

DEMOS: dict[str, Callable[[], Any]] = {
    "quartic": run_quartic,
    "saddle": run_saddle,
    "monkey_saddle": lambda: run_saddle("monkey_saddle", steps=2000),
    "beale": run_beale,
    "conditioning": run_conditioning,
    "identifiability": run_identifiability,
    "learning_rates": run_learning_rates,
    "noisy_schedules": run_noisy_schedules,
}
