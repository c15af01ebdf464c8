"""Registry entries of the lab's lecture demonstrations on analytic problems (``trainlab trajectories --demo``).

Each wraps the demonstration's ``run_*`` function (``trainlab.experiments.lab``):
its figures come from the result's ``plot(out)``; its numbers are every run's
final loss, distance to the nearest minimum and iteration counts, the result's
own numbers (escape iterations, output changes, iterations per condition
number), and its ``summary()`` lines (the lecture's values beside the lab's).

Example:
    >>> from trainlab.experiments.registry import get
    >>> get("monkey_saddle").source
    'Brown/NVIDIA "Training and Optimization" notes (degenerate saddles)'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Interval
from trainlab.experiments.beale import run_beale
from trainlab.experiments.conditioning import run_conditioning
from trainlab.experiments.identifiability import run_identifiability
from trainlab.experiments.learning_rates import run_learning_rates
from trainlab.experiments.noisy_schedules import run_noisy_schedules
from trainlab.experiments.quartic import run_quartic
from trainlab.experiments.registry import Experiment, Outcome, Parameter, Tick, flatten, register
from trainlab.experiments.saddle import run_saddle
from trainlab.problems.runner import summarize

__all__ = ["lab_numbers"]

NOTES = 'Brown/NVIDIA "Training and Optimization" notes'
SUTD = 'SUTD 50.039 "Theory and Practice of Deep Learning"'
UCLA = "UCLA ECE 239AS notes (optimization)"
SEED = Parameter("seed", 0, Interval(0, None, integer=True), "random seed")


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def lab_numbers(result: Any) -> dict[str, Any]:
    """The numbers of a lab result: its own number fields and properties, each run's end, its summary lines."""
    numbers: dict[str, Any] = {}
    if is_dataclass(result):
        numbers.update({f.name: getattr(result, f.name) for f in fields(result)})
    for name in ("escapes", "iterations", "endpoints"):
        if hasattr(type(result), name):
            numbers[name] = getattr(result, name)
    trajectories = getattr(result, "trajectories", [])
    rows = [summarize(t) for t in trajectories]
    names = [r.label for r in rows]
    if len(set(names)) < len(names):  # one label, several starts
        names = [f"{r.label} from ({', '.join(f'{s:g}' for s in r.start)})" for r in rows]
    if len(set(names)) == len(names):  # the noisy schedules repeat a label over seeds: their summary says it
        numbers["runs"] = {}
        for name, row in zip(names, rows, strict=True):
            numbers["runs"][name] = {
                "final_loss": _finite(row.final_loss), "distance": _finite(row.distance),
                "final_point": list(row.final_point), "iterations": row.iterations,
                "iterations_to_tolerance": row.iterations_to_tolerance, "stop": row.stop_reason}
    numbers["summary"] = result.summary()
    return flatten(numbers)


def _lab(run: Callable[..., Any], plot: Callable[[Any, Path, dict[str, Any]], list[Path]] | None = None):
    """A registry ``run`` for a lab function called with the experiment's parameters."""

    def go(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
        tick(0, 2, "running")
        result = run(**params)
        tick(1, 2, "drawing")
        figures = plot(result, out, params) if plot else result.plot(out)
        tick(2, 2, "done")
        return Outcome(list(figures), lab_numbers(result))

    return go


register(Experiment(
    "quartic", "Local vs global minimum: GD from 5 and -5, momentum from -5 on a quartic", SUTD,
    (Parameter("lr", 0.1, POSITIVE, "learning rate"), Parameter("momentum", 0.9, Interval(0, 1), "momentum"),
     Parameter("steps", 100, POSITIVE_INT, "iterations")),
    _lab(run_quartic), ("summary.gd from 5", "runs.gd from 5.final_loss"), group="lab"))

_SADDLE_PARAMS = (Parameter("lr", 0.1, POSITIVE, "learning rate"),
                  Parameter("offset", 1e-12, NONNEGATIVE, "start (1, offset): distance from the ridge"))

register(Experiment(
    "saddle", "Leaving a non-degenerate saddle: slow vs adaptive optimizers", f"{NOTES} (saddle points)",
    (*_SADDLE_PARAMS, Parameter("steps", 500, POSITIVE_INT, "iterations")),
    _lab(lambda **p: run_saddle("saddle", **p)), ("escapes.gd", "escapes.adam"), group="lab"))

register(Experiment(
    "monkey_saddle", "Leaving a degenerate (monkey) saddle: harder than a non-degenerate one",
    f"{NOTES} (degenerate saddles)",
    (*_SADDLE_PARAMS, Parameter("steps", 2000, POSITIVE_INT, "iterations")),
    _lab(lambda **p: run_saddle("monkey_saddle", **p)), ("escapes.momentum",), quick={"steps": 500},
    group="lab"))

register(Experiment(
    "beale", "Seven optimizers race on Beale's function from two starts (figure and GIF)", UCLA,
    (Parameter("steps", 10_000, POSITIVE_INT, "iteration cap"),
     Parameter("gif_frames", 80, Interval(2, 1000, closed="both", integer=True), "frames of the animation")),
    _lab(lambda steps, gif_frames: run_beale(steps=steps),
         lambda result, out, p: result.plot(out, gif_frames=p["gif_frames"])),
    ("runs.adam from (2, -2).distance",), quick={"steps": 200, "gif_frames": 4},
    quick_time="5 s", full_time="2 min", group="lab"))

register(Experiment(
    "conditioning", "GD iterations grow with the condition number of a quadratic", f"{NOTES} (ill-conditioning)",
    (Parameter("tol", 1e-6, POSITIVE, "stop when a step is shorter than this"),),
    _lab(run_conditioning), ("iterations",), quick={"tol": 1e-2}, full_time="15 s", group="lab"))

register(Experiment(
    "identifiability", "Permuted or rescaled hidden units: other weights, the same function",
    "CMI lecture 5 (identifiability)",
    (Parameter("k", 3.0, POSITIVE, "rescaling factor of the ReLU layer"), SEED),
    _lab(run_identifiability), ("permuted", "rescaled", "rescaled_tanh"), group="lab"))

register(Experiment(
    "learning_rates", "Too small, good, too large and diverging learning rates on x1^2 + 2 x2^2",
    f"{NOTES} (learning rate)", (Parameter("steps", 50, POSITIVE_INT, "iterations"),),
    _lab(run_learning_rates), ("summary.good (lr=0.333)",), group="lab"))

register(Experiment(
    "noisy_schedules", "Noisy-gradient SGD under constant, exponential and 1/t schedules",
    f"{NOTES} (learning rate scheduling)",
    (Parameter("seeds", 20, POSITIVE_INT, "runs per schedule"), Parameter("steps", 500, POSITIVE_INT, "iterations"),
     Parameter("noise", 1.0, NONNEGATIVE, "standard deviation of the gradient noise")),
    _lab(run_noisy_schedules), ("summary.constant",), quick={"seeds": 3, "steps": 100}, group="lab"))
