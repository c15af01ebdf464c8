"""Ill-conditioning - gradient descent slows down as the condition number grows.

On ``f = 1/2 (x1^2 + kappa x2^2)`` (``problems.get("quadratic", condition=kappa)``,
Hessian ``diag(1, kappa)``, condition number ``kappa``) gradient descent with the
largest safe-and-simple rate ``lr = 1 / lambda_max = 1 / kappa`` removes the steep
coordinate in one step and shrinks the flat one by ``1 - 1/kappa`` per step. The
run stops when a step is shorter than ``tol`` (the UCLA ECE 239AS notes' rule): about
``kappa * ln(1.5 / (kappa * tol))`` iterations, linear in ``kappa`` up to a log
(the Brown/NVIDIA notes and the CMI lecture 5: "elliptical vs circular contours").

Example:
    >>> from trainlab.experiments.conditioning import run_conditioning
    >>> result = run_conditioning(conditions=(1, 10, 100))
    >>> result.iterations[0] < result.iterations[1] < result.iterations[2]
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from trainlab import problems
from trainlab.constraints import Interval, check
from trainlab.problems.runner import Trajectory, run
from trainlab.report.trajectories import draw_paths, new_figure, save

__all__ = ["ConditioningResult", "run_conditioning", "CONDITIONS"]

CONDITIONS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclass
class ConditioningResult:
    conditions: list[float]
    trajectories: list[Trajectory]
    tol: float

    @property
    def iterations(self) -> list[int | None]:
        """GD iterations until the step-size tolerance, per condition number."""
        return [t.iterations_to_tolerance for t in self.trajectories]

    def summary(self) -> dict[str, str]:
        """GD iterations to the step tolerance per condition number."""
        pairs = zip(self.conditions, self.iterations, strict=True)
        return {f"kappa = {k:g}": f"{n} iterations" for k, n in pairs}

    def plot(self, out: str | Path) -> list[Path]:
        """``conditioning.png``: circular vs elliptical contours with GD, and iterations vs kappa."""
        fig, axes = new_figure(3, size=(15.0, 4.8))
        for ax, kappa in zip(axes[:2], (1, 10), strict=True):
            draw_paths(ax, [gd_run(kappa, self.tol)])
            ax.set_aspect("equal")
        its = [float("nan") if i is None else i for i in self.iterations]
        axes[2].loglog(self.conditions, its, "o-", label="gradient descent, lr = 1/kappa")
        k = torch.logspace(0.3, math.log10(max(self.conditions)), 50, dtype=torch.float64)
        axes[2].loglog(k.numpy(), (k * torch.log(1.5 / (k * self.tol))).numpy(), "--", color="0.5",
                       label="kappa ln(1.5 / (kappa tol))")
        axes[2].set(xlabel="condition number kappa", ylabel=f"iterations to step < {self.tol:g}",
                    title="iterations grow with the condition number")
        axes[2].legend(fontsize=8)
        return [save(fig, Path(out) / "conditioning.png")]


def gd_run(condition: float, tol: float, steps: int = 100_000) -> Trajectory:
    """Gradient descent at ``1 / lambda_max`` on the quadratic of condition number ``condition``."""
    p = problems.get("quadratic", condition=float(condition))
    top = float(torch.linalg.eigvalsh(p.hessian(p.starts[0])).max())
    return run(p, "gd", lr=1.0 / top, steps=steps, tol=tol, label=f"gd, kappa={condition:g}")


def run_conditioning(conditions: Sequence[float] = CONDITIONS, tol: float = 1e-6) -> ConditioningResult:
    """Gradient descent on quadratics of each condition number, until a step is below ``tol``."""
    check("run_conditioning", "tol", tol, Interval(0, None, closed="neither"))
    return ConditioningResult([float(c) for c in conditions], [gd_run(c, tol) for c in conditions], tol)
