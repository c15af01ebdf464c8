"""The UCLA ECE 239AS notes' seven optimizers on Beale from (2, -2) and (-3, 3), 10,000 iterations."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from trainlab.experiments.beale import BEALE_RACE_OPTIMIZERS, run_beale

MINIMUM = torch.tensor([3.0, 0.5], dtype=torch.float64)  # Beale's only minimum


@pytest.fixture(scope="module")
def beale():
    return run_beale()


@pytest.mark.slow
@pytest.mark.parametrize("start", [(2.0, -2.0), (-3.0, 3.0)])
def test_lecture_observations(beale, start):
    reached = beale.reached(start)
    assert set(reached) == set(BEALE_RACE_OPTIMIZERS)
    rows = {r.label: r for r in beale.table() if r.start == start}
    assert all(r.iterations <= 10_000 for r in rows.values())
    # "capped at 10,000 iterations, so gradient descent does not get to the minimum"
    assert reached["gd"] is None and rows["gd"].iterations == 10_000 and rows["gd"].distance > 0.05
    # RMSProp with momentum "gets to the optimum more quickly than all other optimizers"
    fastest = reached["rmsprop-momentum"]
    assert fastest is not None
    others = [v for k, v in reached.items() if k != "rmsprop-momentum"]
    assert all(v is None or v > fastest for v in others)
    # "Adam is just slightly slower": second of all
    assert reached["adam"] is not None
    rest = [v for k, v in reached.items() if k not in ("adam", "rmsprop-momentum")]
    assert all(v is None or v > reached["adam"] for v in rest)
    # both stop by the step-size rule, at the minimum
    for name in ("rmsprop-momentum", "adam"):
        traj = next(t for t in beale.trajectories if t.label == name and tuple(t.start.tolist()) == start)
        assert traj.stop_reason == "tolerance"
        assert float(torch.linalg.vector_norm(traj.final_point - MINIMUM)) < 1e-6


@pytest.mark.slow
def test_rmsprop_is_quicker_than_adagrad_from_the_first_start(beale):
    reached = beale.reached((2.0, -2.0))
    assert reached["adagrad"] is not None and reached["rmsprop"] < reached["adagrad"]


@pytest.mark.slow
def test_figures(beale, tmp_path):
    png, gif = beale.plot(tmp_path, gif_frames=10)
    with Image.open(png) as im:
        assert im.size == (1280, 480) and png.stat().st_size > 20_000
    with Image.open(gif) as im:
        assert im.size == (640, 480) and im.n_frames == 10
