"""The schedule figures of the Brown/NVIDIA "Training and Optimization" lecture notes render and match them."""

from __future__ import annotations

import math

import pytest

from tests.schedules.test_schedule_figures import assert_png
from trainlab.experiments import schedule_figures as examples


def test_lecture_decay_and_cycle_figures(tmp_path) -> None:
    assert_png(examples.power_and_linear(tmp_path / "power.png"), (1280, 400))
    assert_png(examples.cyclical_triangular(tmp_path / "clr.png"), (640, 400))


def test_lecture_one_cycle_example(tmp_path) -> None:
    path, final = examples.onecycle_piecewise(tmp_path / "onecycle.png", steps=60)
    assert_png(path, (1500, 400))
    assert len(final) == 3 and all(math.isfinite(v) and v > 0 for v in final.values())


def test_piecewise_target_is_the_lectures() -> None:
    import torch

    x = torch.tensor([-1.0, 0.0, 0.5], dtype=torch.float64)
    y = examples.piecewise_target(x)
    assert y[0].item() == pytest.approx(5 + sum(math.sin(-k) for k in range(1, 5)))
    assert y[1].item() == 1.0 and y[2].item() == pytest.approx(math.cos(5.0))
