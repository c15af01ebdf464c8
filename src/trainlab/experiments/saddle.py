"""Leaving a saddle point (the Brown/NVIDIA notes' movie; non-degenerate and degenerate saddles).

The Brown/NVIDIA notes: "SGD, Momentum, and NAG find it difficult to break symmetry, although
the two latter eventually manage to escape the saddle point, while Adagrad,
RMSprop, and Adadelta quickly head down the negative slope", and "degenerate
saddle points are often more difficult to escape from than non-degenerate ones".

Setting (a testable inequality): ``f = x^2 - y^2`` from ``(1, 1e-12)``, i.e. on
the stable manifold ``y = 0`` plus a tiny offset, every optimizer at the same
rate 0.1 with the lab's hyperparameters (from the UCLA ECE 239AS notes). A run has *escaped* at the
first iteration with ``f(x_t) <= f(saddle) - 1 = -1`` (the run stops there).
Gradient descent multiplies the offset by ``1 + 2 lr`` per step, so it needs
about ``ln(1e12) / ln(1.2) = 152`` steps; momentum's growth factor is the larger
root of ``r^2 - (1 + mu + 2 lr) r + mu = 0`` (1.5); the adaptive methods divide
the tiny gradient by its own size and step about ``lr`` at once.

The degenerate saddle is the monkey saddle ``x^3 - 3 x y^2`` (zero Hessian) from
the same start: gradient descent crawls toward the origin, ``x <- x - 0.3 x^2``,
and does not escape within the budget.

Example:
    >>> from trainlab.experiments.saddle import run_saddle
    >>> result = run_saddle()
    >>> result.escapes["gd"] > result.escapes["adam"]
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trainlab import problems
from trainlab.problems.runner import Trajectory, run_together
from trainlab.problems.settings import lecture_runs
from trainlab.report.trajectories import plot_paths_and_losses

__all__ = ["SaddleResult", "run_saddle", "SLOW", "FAST"]

SLOW = ("gd", "momentum", "nesterov")
FAST = ("adagrad", "rmsprop", "adam")


@dataclass
class SaddleResult:
    problem: str
    trajectories: list[Trajectory]
    drop: float

    @property
    def escapes(self) -> dict[str, int | None]:
        """Iterations until ``f <= f(saddle) - drop`` per optimizer (``None``: not within the budget)."""
        return {t.label: t.iterations_below(-self.drop) for t in self.trajectories}

    def summary(self) -> dict[str, str]:
        """Iterations to escape per optimizer."""
        return {k: "not within the budget" if v is None else f"escaped at iteration {v}"
                for k, v in self.escapes.items()}

    def plot(self, out: str | Path) -> list[Path]:
        """``<problem>.png``: the paths on the contours, and ``f`` against iteration."""
        return [plot_paths_and_losses(self.trajectories, Path(out) / f"{self.problem}.png")]


def run_saddle(
    problem: str = "saddle",
    optimizers: Sequence[str] = SLOW + FAST,
    offset: float = 1e-12,
    lr: float = 0.1,
    steps: int = 500,
    drop: float = 1.0,
) -> SaddleResult:
    """Race ``optimizers`` away from the saddle at the origin of ``problem``, from ``(1, offset)``."""
    p = problems.get(problem)
    runs = lecture_runs(p, optimizers, [(1.0, offset)], lr={name: lr for name in optimizers})
    return SaddleResult(problem, run_together(p, runs, steps=steps, target_loss=-drop), drop)
