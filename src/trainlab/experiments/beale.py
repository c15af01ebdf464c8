"""The UCLA ECE 239AS notes' race on Beale's function from (2, -2) and (-3, 3), 10,000 iterations.

The seven optimizers of the UCLA ECE 239AS notes (gradient descent, momentum, Nesterov, Adagrad,
RMSProp, RMSProp with momentum, Adam) with its listings' hyperparameters and the
lab's learning rates (``trainlab.problems.settings``), stopping when a step is
shorter than ``tol`` (the UCLA ECE 239AS notes' ``while last_diff > tol``) or after 10,000
iterations. The UCLA ECE 239AS notes' observations, and what the lab finds:

- "The iteration count is capped at 10,000 iterations, so gradient descent does
  not get to the minimum" - from either start;
- RMSProp with momentum "gets to the optimum more quickly than all other
  optimizers", and "Adam is just slightly slower" - from both starts;
- RMSProp gets there "more quickly than Adagrad" - from (2, -2). From (-3, 3)
  both drift into the flat valley ``x -> -inf, y -> 1`` instead;
- the UCLA ECE 239AS notes say momentum and Nesterov find "a local, but not global, minimum":
  Beale's only other stationary points are two saddles (see
  ``problems.get("beale").stationary``); at the lab's rates both approach (3, 0.5)
  slowly.

Example:
    >>> from trainlab.experiments.beale import run_beale
    >>> result = run_beale(["rmsprop-momentum"], steps=2000)
    >>> [row.reached_at is not None for row in result.table()]
    [True, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trainlab import problems
from trainlab.problems.runner import Summary, Trajectory, run_together, summarize
from trainlab.problems.settings import lecture_runs, problem_settings
from trainlab.report.trajectories import animate, plot_paths_and_losses

__all__ = ["BealeResult", "run_beale", "BEALE_RACE_OPTIMIZERS", "STARTS", "RADIUS"]

BEALE_RACE_OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop-momentum", "adam")
STARTS = ((2.0, -2.0), (-3.0, 3.0))
RADIUS = 1e-3  # "reached the minimum": within this distance of (3, 0.5)


@dataclass
class BealeResult:
    trajectories: list[Trajectory]

    def table(self) -> list[Summary]:
        return [summarize(t, RADIUS) for t in self.trajectories]

    def reached(self, start: Sequence[float]) -> dict[str, int | None]:
        """Iterations until within ``RADIUS`` of (3, 0.5), per optimizer, from ``start``."""
        return {r.label: r.reached_at for r in self.table() if r.start == tuple(start)}

    def plot(self, out: str | Path, gif_frames: int = 80) -> list[Path]:
        """``beale.png`` (paths and losses) and ``beale.gif`` (the race)."""
        out = Path(out)
        return [plot_paths_and_losses(self.trajectories, out / "beale.png"),
                animate(self.trajectories, out / "beale.gif", gif_frames)]

    def summary(self) -> dict[str, str]:
        """Per optimizer and start: final point, distance to (3, 0.5), iterations to reach it and to stop."""
        return {
            f"{r.label} from {r.start}": (
                f"final ({r.final_point[0]:.5g}, {r.final_point[1]:.5g}), distance {r.distance:.3g}, "
                f"within {RADIUS:g} at {r.reached_at}, stopped at {r.iterations} ({r.stop_reason})"
            )
            for r in self.table()
        }


def run_beale(
    optimizers: Sequence[str] = BEALE_RACE_OPTIMIZERS,
    starts: Sequence[Sequence[float]] = STARTS,
    steps: int | None = None,
    tol: float | None = None,
) -> BealeResult:
    """The UCLA ECE 239AS notes' race (default 10,000 iterations and the lab's tolerance)."""
    beale = problems.get("beale")
    settings = problem_settings(beale)
    runs = lecture_runs(beale, optimizers, starts)
    tol = settings.tol if tol is None else tol
    return BealeResult(run_together(beale, runs, steps=steps or settings.steps, tol=tol))
