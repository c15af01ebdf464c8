"""Too small, good, too large and diverging learning rates on one problem (the Brown/NVIDIA notes).

Gradient descent on ``f = x1^2 + 2 x2^2`` (Hessian ``diag(2, 4)``) from (-5, -2.5).
Each coordinate is multiplied by ``1 - 2 lr`` and ``1 - 4 lr`` per step, so:

- ``lr = 0.01`` (too small): factors 0.98 and 0.96 - a slow crawl;
- ``lr = 1/3`` (good, ``2 / (lambda_min + lambda_max)``): both factors +-1/3, the fastest;
- ``lr = 0.45`` (too large): ``x2``'s factor is -0.8 - it zigzags across the valley;
- ``lr = 0.55`` (diverging): ``x2``'s factor is -1.2 - the iterates blow up
  (any ``lr > 2 / lambda_max = 0.5`` diverges).

Example:
    >>> from trainlab.experiments.learning_rates import run_learning_rates
    >>> r = run_learning_rates(steps=20)
    >>> r.trajectories[3].final_loss > r.trajectories[3].losses[0].item()
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from trainlab import problems
from trainlab.problems.runner import Run, Trajectory, run_together
from trainlab.report.trajectories import plot_paths_and_losses

__all__ = ["LearningRateResult", "run_learning_rates", "RATES"]

RATES = {"too small": 0.01, "good": 1 / 3, "too large": 0.45, "diverging": 0.55}


@dataclass
class LearningRateResult:
    rates: dict[str, float]
    trajectories: list[Trajectory]

    def summary(self) -> dict[str, str]:
        """Loss after the last step, and the per-step factor of the steep coordinate, per rate."""
        return {t.label: f"final loss {t.final_loss:.3g}, x2 factor 1 - 4 lr = {1 - 4 * self.rates[name]:.3g}"
                for name, t in zip(self.rates, self.trajectories, strict=True)}

    def plot(self, out: str | Path) -> list[Path]:
        """``learning_rates.png``: the four paths on the contours, and their losses."""
        return [plot_paths_and_losses(self.trajectories, Path(out) / "learning_rates.png")]


def run_learning_rates(rates: Mapping[str, float] = RATES, steps: int = 50) -> LearningRateResult:
    """Gradient descent on ``x1^2 + 2 x2^2`` at each named rate, ``steps`` iterations."""
    p = problems.get("elliptic")
    runs = [Run("gd", p.starts[0], lr=lr, label=f"{name} (lr={lr:.3g})") for name, lr in rates.items()]
    return LearningRateResult(dict(rates), run_together(p, runs, steps=steps, bound=1e12))
