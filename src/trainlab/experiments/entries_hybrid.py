"""Registry entries of the hybrid comparisons J1 (noisy x^2) and J2 (the piecewise target).

Example:
    >>> from trainlab.experiments.registry import get
    >>> get("j2_optimizers").defaults["lr"]
    0.001
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Interval
from trainlab.experiments.hybrid import hybrid_study, summarize
from trainlab.experiments.registry import Experiment, Outcome, Parameter, Tick, flatten, register

NOTES = 'Brown/NVIDIA "Training and Optimization" notes'


def _params(steps: int, adam_steps: int) -> tuple[Parameter, ...]:
    return (Parameter("seeds", 5, POSITIVE_INT, "seeds 0..N-1 (initial weights; J1's noise)"),
            Parameter("steps", steps, POSITIVE_INT, "gradient evaluations per method"),
            Parameter("lr", 1e-3, POSITIVE, "Adam's and NAdam's learning rate (one-cycle peaks at 10x)"),
            Parameter("adam_steps", adam_steps, Interval(0, None, integer=True), "Adam steps before L-BFGS"),
            Parameter("history", 8, POSITIVE_INT, "L-BFGS history size"),
            Parameter("ridge", 1e-6, NONNEGATIVE, "LSGD's ridge weight"))


def table(summary: dict[str, Any], methods: tuple[str, ...]) -> str:
    """The markdown table of a summary: median [min, max] over seeds per method."""
    keys = [k for k in ("train_mse", "test_mse", "test_outside", "wall_s") if k in summary[methods[0]]]
    lines = ["| method | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for m in methods:
        cells = [f"{s['median']:.3g} [{s['min']:.3g}, {s['max']:.3g}]" for s in (summary[m][k] for k in keys)]
        lines.append(f"| {summary[m]['label']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _hybrid(task: str, methods: tuple[str, ...]):
    def go(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
        from trainlab.report.hybrid import plot_hybrid

        study = hybrid_study(task, methods, tick=tick, **params)
        figure = plot_hybrid(study, out / f"{task.lower()}.png")
        summary = summarize(study)
        print(table(summary, methods))  # into the run's log.txt
        return Outcome([figure], flatten(summary))

    return go


register(Experiment(
    "j1_adam_lbfgs", "Noisy x^2 with a 1-100-1 ReLU net: Adam, Adam then L-BFGS, LSGD over seeds",
    f"{NOTES} (Adam + L-BFGS); Cyr et al. 2020 (LSGD)", _params(2000, 30),
    _hybrid("J1", ("adam", "adam_lbfgs", "lsgd")),
    ("adam.test_mse.median", "adam_lbfgs.test_mse.median", "lsgd.test_mse.median"),
    quick={"seeds": 2, "steps": 40, "adam_steps": 10}, quick_time="3 s", full_time="1 min", group="hybrid"))

register(Experiment(
    "j2_optimizers", "Piecewise target, 2x100 tanh: Adam vs NAdam, Adam then L-BFGS, one-cycle, LSGD",
    f"{NOTES} (What optimizer to use? Adam vs Nadam; 1-cycle scheduling); Cyr et al. 2020 (LSGD)",
    _params(4000, 1000), _hybrid("J2", ("adam", "nadam", "adam_lbfgs", "one_cycle", "lsgd")),
    tuple(f"{m}.{k}.median" for m in ("adam", "nadam", "adam_lbfgs", "one_cycle", "lsgd")
          for k in ("train_mse", "test_mse", "wall_s")),
    quick={"seeds": 2, "steps": 40, "adam_steps": 10}, quick_time="4 s", full_time="3 min", group="hybrid"))
