"""Noisy-gradient SGD on ``x1^2 + 2 x2^2`` under three learning-rate schedules (the Brown/NVIDIA notes).

The Brown/NVIDIA notes add ``N(0, 1)`` to each gradient component and runs SGD from
(-5, -2.5) with ``eta = 0.1`` times a schedule; its counter ``it`` starts at 1 and
is incremented before use, so step ``t = 0, 1, ...`` sees ``it = t + 2``:

- constant: ``eta``;
- exponential: ``eta * exp(-0.1 it)`` - the rates sum to a finite ``~0.86``, so
  the iterate *freezes short of the minimum* (the Brown/NVIDIA notes print (-0.7936, -0.0708)
  after 2,500 steps);
- polynomial: ``eta * (1 + 0.02 it)^-0.5`` - the rates shrink but sum to infinity,
  so it keeps converging while the noise it lets in shrinks.

The dynamics are linear, so the mean of ``x_T`` over the noise is the noiseless
run, ``x_T = x_0 prod_t (1 - h eta_t)`` per coordinate (``h`` = 2 and 4), and its
variance follows ``v <- (1 - h eta_t)^2 v + eta_t^2``: numbers the tests check.
Schedules are plain callables ``step -> learning rate`` (``trainlab.schedules``
provides more).

Example:
    >>> from trainlab.experiments.noisy_schedules import run_noisy_schedules
    >>> r = run_noisy_schedules(seeds=2, steps=200)
    >>> sorted(r.final_points)
    ['constant', 'exponential', 'polynomial']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from trainlab import problems
from trainlab.constraints import POSITIVE_INT, check
from trainlab.problems.runner import Run, Trajectory, run_together
from trainlab.report.trajectories import colors_for, draw_paths, new_figure, save

__all__ = ["NoisyScheduleResult", "run_noisy_schedules", "lecture_schedules", "ETA", "START"]

ETA = 0.1
START = (-5.0, -2.5)


def lecture_schedules(eta: float = ETA) -> dict[str, Callable[[int], float]]:
    """The Brown/NVIDIA notes' three schedules as functions of the step ``t`` (their counter is ``t + 2``)."""
    return {
        "constant": lambda t: eta,
        "exponential": lambda t: eta * math.exp(-0.1 * (t + 2)),
        "polynomial": lambda t: eta * (1 + 0.02 * (t + 2)) ** -0.5,
    }


@dataclass
class NoisyScheduleResult:
    trajectories: list[Trajectory]  # seeds runs per schedule, labelled by schedule
    seeds: int

    @property
    def final_points(self) -> dict[str, Tensor]:
        """``(seeds, 2)`` final points per schedule."""
        out: dict[str, list[Tensor]] = {}
        for t in self.trajectories:
            out.setdefault(t.label, []).append(t.final_point)
        return {k: torch.stack(v) for k, v in out.items()}

    def distances(self) -> dict[str, Tensor]:
        """``(seeds, T + 1)`` distance to the minimum at every iteration, per schedule."""
        out: dict[str, list[Tensor]] = {}
        for t in self.trajectories:
            out.setdefault(t.label, []).append(torch.linalg.vector_norm(t.path, dim=-1))
        return {k: torch.stack(v) for k, v in out.items()}

    def summary(self) -> dict[str, str]:
        """Mean final point and mean distance to the minimum per schedule."""
        out = {}
        for name, pts in self.final_points.items():
            m = pts.mean(0).tolist()
            d = float(torch.linalg.vector_norm(pts, dim=1).mean())
            out[name] = (f"mean final point ({m[0]:.4f}, {m[1]:.4f}), "
                         f"mean distance {d:.4f} ({self.seeds} seeds)")
        return out

    def plot(self, out: str | Path) -> list[Path]:
        """``noisy_schedules.png``: one path per schedule, all final points, mean distance vs iteration."""
        fig, (left, right) = new_figure(2, size=(12.8, 4.8))
        first = {}
        for t in self.trajectories:
            first.setdefault(t.label, t)
        draw_paths(left, list(first.values()))
        colors = colors_for(self.trajectories)
        for name, pts in self.final_points.items():
            left.plot(pts[:, 0].numpy(), pts[:, 1].numpy(), "x", color=colors[name], ms=5)
        for name, d in self.distances().items():
            right.semilogy(d.pow(2).mean(0).sqrt().numpy(), color=colors[name], label=name)
        right.set(xlabel="iteration", ylabel="rms distance to the minimum",
                  title=f"noisy SGD, {self.seeds} seeds per schedule")
        right.legend(fontsize=8)
        return [save(fig, Path(out) / "noisy_schedules.png")]


def run_noisy_schedules(
    schedules: Mapping[str, Callable[[int], float]] | None = None,
    seeds: int = 20,
    steps: int = 500,
    noise: float = 1.0,
) -> NoisyScheduleResult:
    """SGD with ``noise * N(0, 1)`` added to the gradient, ``seeds`` runs per schedule."""
    check("run_noisy_schedules", "seeds", seeds, POSITIVE_INT)
    p = problems.get("elliptic")
    schedules = schedules or lecture_schedules()
    runs = [
        Run("sgd", START, lr=ETA, schedule=fn, noise=noise, seed=s, label=name)
        for name, fn in schedules.items()
        for s in range(seeds)
    ]
    return NoisyScheduleResult(run_together(p, runs, steps=steps), seeds)
