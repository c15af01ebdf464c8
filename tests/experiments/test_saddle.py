"""GD / momentum / Nesterov leave a saddle far later than AdaGrad / RMSProp / Adam."""

from __future__ import annotations

import pytest
from PIL import Image

from trainlab.experiments.saddle import FAST, SLOW, run_saddle

OFFSET, LR, MU = 1e-12, 0.1, 0.9


def escape_time(step) -> int:
    """First t with x^2 - y^2 <= -1, iterating ``step`` on f = x^2 - y^2 from (1, OFFSET)."""
    state = {"x": 1.0, "y": OFFSET, "px": 0.0, "py": 0.0}
    for t in range(1, 10_000):
        step(state)
        if state["x"] ** 2 - state["y"] ** 2 <= -1:
            return t
    raise AssertionError("no escape")


def gd(s):
    s["x"], s["y"] = s["x"] - LR * 2 * s["x"], s["y"] + LR * 2 * s["y"]


def momentum(s):  # the UCLA ECE 239AS notes: p = a p - eps g; x += p
    for c, g in (("x", 2 * s["x"]), ("y", -2 * s["y"])):
        s["p" + c] = MU * s["p" + c] - LR * g
        s[c] += s["p" + c]


def nesterov(s):  # the UCLA ECE 239AS notes: x += p + a (p - p_old)
    for c, g in (("x", 2 * s["x"]), ("y", -2 * s["y"])):
        old = s["p" + c]
        s["p" + c] = MU * old - LR * g
        s[c] += s["p" + c] + MU * (s["p" + c] - old)


def test_escape_iterations_at_a_non_degenerate_saddle(tmp_path):
    result = run_saddle("saddle", offset=OFFSET, lr=LR)
    esc = result.escapes
    # GD multiplies the offset by 1 + 2 lr = 1.2 per step: about ln(1e12) / ln(1.2) steps
    assert esc["gd"] == escape_time(gd) and 145 < esc["gd"] < 160
    assert esc["momentum"] == escape_time(momentum)
    assert esc["nesterov"] == escape_time(nesterov)
    slow = [esc[n] for n in SLOW]
    fast = [esc[n] for n in FAST]
    assert None not in fast
    assert min(slow) > 2 * max(fast)  # "quickly head down the negative slope" (the Brown/NVIDIA notes)
    (path,) = result.plot(tmp_path)
    with Image.open(path) as im:
        assert im.size == (1280, 480)


def test_gd_escapes_the_degenerate_saddle_far_later():
    nondegenerate = run_saddle("saddle", optimizers=["gd"], offset=OFFSET, lr=LR)
    degenerate = run_saddle("monkey_saddle", optimizers=["gd", "adam"], offset=OFFSET, lr=LR, steps=2000)
    assert nondegenerate.escapes["gd"] < 200
    assert degenerate.escapes["gd"] is None  # still creeping toward the origin after 2000 steps
    assert degenerate.escapes["adam"] is not None and degenerate.escapes["adam"] < 50
    # on y ~ 0 the monkey saddle is x^3: GD's x <- x - 0.3 x^2 crawls like 1 / (0.3 t)
    x = 1.0
    for _ in range(2000):
        x -= LR * 3 * x * x
    traj = degenerate.trajectories[0]
    assert float(traj.final_point[0]) == pytest.approx(x, rel=1e-3)
