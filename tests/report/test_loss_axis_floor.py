"""The loss panel's log axis: a gap f - f* of exactly 0 is drawn at machine epsilon, not at 1e-300."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from trainlab.experiments.quartic import run_quartic
from trainlab.report.trajectories import GAP_FLOOR, draw_losses


def test_quartic_loss_axis_stops_at_machine_epsilon():
    result = run_quartic()
    fig, ax = plt.subplots()
    try:
        draw_losses(ax, result.trajectories)
        # the demo's gradient descent lands on f* exactly: the gap really is 0 (the reason for the floor)
        gaps = [line.get_ydata() for line in ax.get_lines()]
        assert GAP_FLOOR == np.finfo(np.float64).eps
        assert min(float(np.min(g)) for g in gaps) == GAP_FLOOR
        low, high = ax.get_ylim()
        assert GAP_FLOOR / 10 <= low <= GAP_FLOOR  # matplotlib's margin below the floor, no more
        assert high > 1.0  # the start of the runs is still on the axis
    finally:
        plt.close(fig)
