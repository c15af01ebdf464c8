"""Too small / good / too large / diverging learning rates on x1^2 + 2 x2^2."""

from __future__ import annotations

import torch
from PIL import Image

from trainlab.experiments.learning_rates import run_learning_rates


def test_paths_are_the_closed_form_and_the_regimes_hold(tmp_path):
    steps = 50
    r = run_learning_rates(steps=steps)
    by = {t.label.split(" (")[0]: t for t in r.trajectories}
    for name, traj in by.items():
        lr = r.rates[name]
        t = torch.arange(steps + 1, dtype=torch.float64)
        closed = torch.stack([-5 * (1 - 2 * lr) ** t, -2.5 * (1 - 4 * lr) ** t], -1)
        torch.testing.assert_close(traj.path, closed, rtol=1e-10, atol=1e-300)
    start_loss = float(by["good"].losses[0])
    assert float(by["too small"].losses[-1]) > 1  # still far after 50 steps
    assert float(by["good"].losses[-1]) < 1e-40
    x2 = by["too large"].path[:, 1]
    assert (x2[1:] * x2[:-1] < 0).all() and (x2[1:].abs() < x2[:-1].abs()).all()  # zigzag, shrinking
    assert float(by["too large"].losses[-1]) > float(by["good"].losses[-1])
    y2 = by["diverging"].path[:, 1]
    assert (y2[1:].abs() > y2[:-1].abs()).all() and float(by["diverging"].losses[-1]) > 1e6 * start_loss
    (path,) = r.plot(tmp_path)
    with Image.open(path) as im:
        assert im.size == (1280, 480)
