"""The trajectory runner: stopping rules, schedules, noise, races, any optimizer."""

from __future__ import annotations

import math

import pytest
import torch

from trainlab import problems
from trainlab.constraints import InvalidArgument
from trainlab.problems.runner import Run, run_together, run, summarize

QUARTIC_GD_FROM_5 = 3.2727653395584366  # the SUTD 50.039 notes
QUARTIC_GD_FROM_MINUS_5 = -3.254993730859254  # the SUTD 50.039 notes
QUARTIC_MOMENTUM_FROM_MINUS_5 = 3.267681061691328  # the SUTD 50.039 notes


@pytest.mark.parametrize(
    ("optimizer", "start", "hyper", "expected"),
    [
        ("gd", 5.0, {}, QUARTIC_GD_FROM_5),
        ("gd", -5.0, {}, QUARTIC_GD_FROM_MINUS_5),
        ("momentum", -5.0, {"momentum": 0.9}, QUARTIC_MOMENTUM_FROM_MINUS_5),
        ("momentum-lecture", -5.0, {"momentum": 0.9}, QUARTIC_MOMENTUM_FROM_MINUS_5),
        (torch.optim.SGD, -5.0, {"momentum": 0.9}, QUARTIC_MOMENTUM_FROM_MINUS_5),
    ],
)
def test_lecture_quartic_endpoints(optimizer, start, hyper, expected):
    traj = run(problems.get("quartic"), optimizer, start, lr=0.1, steps=100, **hyper)
    assert traj.iterations == 100 and traj.stop_reason == "max_iter"
    assert abs(float(traj.final_point[0]) - expected) < 1e-9


def test_path_losses_and_gradient_norms_are_those_of_the_iterates():
    p = problems.get("rosenbrock")
    traj = run(p, "adam", lr=0.01, steps=50)
    assert traj.path.shape == (51, 2) and traj.losses.shape == (51,) and traj.grad_norms.shape == (51,)
    assert torch.equal(traj.path[0], torch.tensor([-1.2, 1.0], dtype=torch.float64))
    for t in (0, 17, 50):
        x = traj.path[t]
        rosenbrock = float(100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2)
        assert float(traj.losses[t]) == pytest.approx(rosenbrock, rel=1e-12)
        assert float(traj.grad_norms[t]) == pytest.approx(float(p.grad(x).norm()), rel=1e-12)
    assert len(traj.lrs) == 50 and set(traj.lrs) == {0.01}


def test_step_tolerance_stops_where_the_closed_form_says():
    # GD, lr 0.25 on x1^2 + 2 x2^2: x1 halves each step, x2 is 0 after one step;
    # step t >= 2 has length 5 * 0.5^t, first below 1e-6 at t = 23.
    traj = run(problems.get("elliptic"), "gd", lr=0.25, steps=1000, tol=1e-6)
    assert traj.stop_reason == "tolerance"
    assert traj.iterations == traj.iterations_to_tolerance == 23


def test_target_loss_and_divergence_stop_where_the_closed_form_says():
    elliptic = problems.get("elliptic")
    # f(x_t) = 25 * 0.25^t <= 1e-4 first at t = 9
    hit = run(elliptic, "gd", lr=0.25, steps=100, target_loss=1e-4)
    assert (hit.stop_reason, hit.iterations) == ("target_loss", 9)
    # lr 0.6: x2 is multiplied by -1.4 per step; 2.5 * 1.4^t > 1e3 first at t = 18
    boom = run(elliptic, "gd", lr=0.6, steps=100, bound=1e3)
    assert (boom.stop_reason, boom.iterations) == ("diverged", 18)
    assert boom.nearest_minimum() is not None  # still finite
    assert summarize(boom).stop_reason == "diverged"


def test_non_finite_loss_stops_as_diverged():
    p = problems.get("elliptic")
    traj = run(p, "gd", lr=10.0, steps=10_000)
    assert traj.stop_reason == "diverged" and traj.iterations < 10_000


def test_schedule_sets_the_rate_of_every_step():
    # GD with lr_t = 0.1 / (t + 1) on x1^2 + 2 x2^2: x1 <- (1 - 2 lr_t) x1 exactly.
    traj = run(problems.get("elliptic"), "gd", lr=99.0, steps=30, schedule=lambda t: 0.1 / (t + 1))
    assert traj.lrs == [0.1 / (t + 1) for t in range(30)]
    x1 = -5.0
    for t in range(30):
        x1 *= 1 - 2 * 0.1 / (t + 1)
    assert float(traj.final_point[0]) == pytest.approx(x1, rel=1e-12)


def test_noise_is_seeded_and_independent_of_the_race():
    p = problems.get("elliptic")
    alone = run(p, "sgd", lr=0.1, steps=40, noise=1.0, seed=3)
    again = run(p, "sgd", lr=0.1, steps=40, noise=1.0, seed=3)
    other = run(p, "sgd", lr=0.1, steps=40, noise=1.0, seed=4)
    clean = run(p, "sgd", lr=0.1, steps=40)
    assert torch.equal(alone.path, again.path)
    assert not torch.equal(alone.path, other.path) and not torch.equal(alone.path, clean.path)
    specs = [Run("adam", (1.0, 1.0), lr=0.1), Run("sgd", p.starts[0], lr=0.1, noise=1.0, seed=3)]
    raced = run_together(p, specs, steps=40)
    assert torch.equal(raced[1].path, alone.path)
    # the noise is N(0, 1) per component: the first step is -lr (grad + z)
    z = (p.starts[0][0] - float(alone.path[1][0])) / 0.1 - 2 * p.starts[0][0]
    assert abs(z) < 5


def test_race_runs_are_the_same_as_single_runs():
    beale = problems.get("beale")
    specs = [Run("gd", (2.0, -2.0), lr=1e-4), Run("rmsprop-momentum", (-3.0, 3.0), lr=0.01),
             Run("adam", (2.0, -2.0), lr=0.1)]
    raced = run_together(beale, specs, steps=300, tol=1e-10)
    for spec, traj in zip(specs, raced, strict=True):
        single = run(beale, spec.optimizer, spec.start, lr=spec.lr, steps=300, tol=1e-10)
        assert torch.equal(single.path, traj.path)
        assert single.stop_reason == traj.stop_reason


def test_torch_optimizers_and_factories_work_through_the_same_interface():
    rosen = problems.get("rosenbrock")
    lbfgs = run(rosen, torch.optim.LBFGS, lr=1.0, steps=50, tol=1e-12, line_search_fn="strong_wolfe",
                tolerance_grad=1e-12, tolerance_change=1e-15)
    assert float(torch.linalg.vector_norm(lbfgs.final_point - torch.ones(2, dtype=torch.float64))) < 1e-6
    mine = run(rosen, "adam", lr=0.01, steps=100)
    theirs = run(rosen, lambda params, lr: torch.optim.Adam(params, lr=lr), lr=0.01, steps=100)
    assert torch.allclose(mine.path, theirs.path, rtol=1e-12, atol=1e-14)
    assert theirs.label == "<lambda>" and mine.label == "adam"


def test_trajectory_queries():
    traj = run(problems.get("elliptic"), "gd", lr=0.25, steps=40)
    # |x_t| = 5 * 0.5^t for t >= 1
    assert traj.iterations_within(5 * 0.5**10 + 1e-12) == 10
    assert traj.iterations_below(25 * 0.25**12 * (1 + 1e-9)) == 12
    assert traj.iterations_below(-1.0) is None
    row = summarize(traj)
    assert row.nearest_minimum == (0.0, 0.0) and row.distance == pytest.approx(5 * 0.5**40)
    assert row.reached_at == traj.iterations_within(1e-3)


def test_problems_without_minima_summarize_with_nan_distance():
    traj = run(problems.get("saddle"), "gd", lr=0.1, steps=5)
    row = summarize(traj)
    assert row.nearest_minimum is None and math.isnan(row.distance) and row.reached_at is None


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"start": (1.0, 2.0, 3.0)}, "'start'"),
        ({"start": (float("nan"), 1.0)}, "'start'"),
        ({"steps": 0}, "'steps'"),
        ({"tol": -1.0}, "'tol'"),
        ({"noise": -0.5}, "'noise'"),
        ({"schedule": 0.1}, "'schedule'"),
        ({"optimizer": "adamm"}, "Known optimizers"),
        ({"optimizer": lambda params, **kw: "not an optimizer"}, "'optimizer'"),
    ],
)
def test_bad_arguments_get_one_clear_error(kwargs, needle):
    args = {"optimizer": "gd", "start": None, **kwargs}
    with pytest.raises(InvalidArgument, match=needle):
        run(problems.get("beale"), args.pop("optimizer"), args.pop("start"), **args)


def test_unknown_problem_lists_the_known_ones():
    with pytest.raises(InvalidArgument, match="Known problems: quartic"):
        problems.get("beal")
