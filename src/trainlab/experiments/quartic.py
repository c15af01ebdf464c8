"""Local vs global minimum on the SUTD 50.039 notes' quartic.

``f(x) = 319/8400 x^4 + 43/4200 x^3 - 6799/8400 x^2 - 299/840 x + 6`` has its
global minimum near 3.27 and a local one near -3.25. The SUTD 50.039 notes run plain
gradient descent (``alpha = 0.1``, 100 iterations) from 5 and from -5, and
momentum ``mom <- mu mom - alpha f'(x); x += mom`` with ``mu = 0.9`` from -5:

- GD from 5 ends at 3.2727653395584366 (the global minimum);
- GD from -5 ends at -3.254993730859254 (stuck in the local minimum);
- momentum 0.9 from -5 rolls over the hump and ends at 3.267681061691328.

The lab runs trainlab's ``SGD`` (``"gd"``) and ``SGD(momentum=0.9)`` (``"momentum"``,
equal to the SUTD 50.039 notes' form at a constant rate) in float64.

Example:
    >>> from trainlab.experiments.quartic import run_quartic
    >>> result = run_quartic()
    >>> round(result.endpoints["momentum from -5"], 6)
    3.267681
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainlab import problems
from trainlab.problems.runner import Run, Trajectory, run_together
from trainlab.report.trajectories import plot_paths_and_losses

__all__ = ["QuarticResult", "run_quartic", "LECTURE_ENDPOINTS"]

# the SUTD 50.039 notes' printed endpoints
LECTURE_ENDPOINTS = {"gd from 5": 3.2727653395584366, "gd from -5": -3.254993730859254,
            "momentum from -5": 3.267681061691328}


@dataclass
class QuarticResult:
    trajectories: list[Trajectory]

    @property
    def endpoints(self) -> dict[str, float]:
        """Final x of each run, keyed like ``LECTURE_ENDPOINTS``."""
        return {t.label: float(t.final_point[0]) for t in self.trajectories}

    def summary(self) -> dict[str, str]:
        """Each run's end point next to the SUTD 50.039 notes'."""
        return {k: f"{v!r} (lecture: {LECTURE_ENDPOINTS[k]!r})" for k, v in self.endpoints.items()}

    def plot(self, out: str | Path) -> list[Path]:
        """``quartic.png``: the curve with the iterates, and the loss against iteration."""
        return [plot_paths_and_losses(self.trajectories, Path(out) / "quartic.png")]


def run_quartic(lr: float = 0.1, momentum: float = 0.9, steps: int = 100) -> QuarticResult:
    """The SUTD 50.039 notes' three runs: GD from 5 and -5, momentum from -5."""
    quartic = problems.get("quartic")
    runs = [
        Run("gd", 5.0, lr=lr, label="gd from 5"),
        Run("gd", -5.0, lr=lr, label="gd from -5"),
        Run("momentum", -5.0, lr=lr, hyper={"momentum": momentum}, label="momentum from -5"),
    ]
    return QuarticResult(run_together(quartic, runs, steps=steps))
