"""The lab's lecture settings reproduce the UCLA ECE 239AS notes' code listings exactly."""

from __future__ import annotations

import numpy as np
import pytest

from trainlab import problems
from trainlab.constraints import InvalidArgument
from trainlab.problems.runner import run_together
from trainlab.problems.settings import key_of, lecture_runs, lecture_setting, problem_settings


def _beale_grad(x: np.ndarray) -> np.ndarray:
    a, b = x
    t1, t2, t3 = 1.5 - a + a * b, 2.25 - a + a * b**2, 2.625 - a + a * b**3
    return np.array([
        2 * t1 * (b - 1) + 2 * t2 * (b**2 - 1) + 2 * t3 * (b**3 - 1),
        2 * t1 * a + 2 * t2 * 2 * a * b + 2 * t3 * 3 * a * b**2,
    ])


def ucla_listing(name: str, x: np.ndarray, eps: float, steps: int) -> np.ndarray:
    """The UCLA ECE 239AS notes' listings, transcribed (their ``eps`` is the learning rate)."""
    x = x.copy()
    path = [x.copy()]
    a = p = np.zeros_like(x)
    alpha, beta, beta1, beta2, nu = 0.9, 0.99, 0.9, 0.99, 1e-7
    for t in range(1, steps + 1):
        g = _beale_grad(x)
        if name == "gd":
            x -= eps * g
        elif name == "momentum":
            p = alpha * p - eps * g
            x += p
        elif name == "nesterov":
            p_old = p
            p = alpha * p - eps * g
            x += p + alpha * (p - p_old)
        elif name == "adagrad":
            a = a + g * g
            x -= eps * g / (np.sqrt(a) + nu)
        elif name == "rmsprop":
            a = beta * a + (1 - beta) * g * g
            x -= eps * g / (np.sqrt(a + nu))
        elif name == "rmsprop-momentum":
            a = beta * a + (1 - beta) * g * g
            p = alpha * p - eps * g / (np.sqrt(a) + nu)
            x += p
        elif name == "adam":
            p = beta1 * p + (1 - beta1) * g
            a = beta2 * a + (1 - beta2) * g * g
            p_u = p / (1 - beta1**t)
            a_u = a / (1 - beta2**t)
            x -= eps * p_u / (np.sqrt(a_u) + nu)
        path.append(x.copy())
    return np.array(path)


SEVEN = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop-momentum", "adam"]


def test_lecture_settings_are_the_ucla_listings():
    beale = problems.get("beale")
    runs = lecture_runs(beale, SEVEN, [(2.0, -2.0), (-3.0, 3.0)])
    result = run_together(beale, runs, steps=300)
    for run, traj in zip(runs, result, strict=True):
        expected = ucla_listing(run.optimizer, np.array(run.start, dtype=float), run.lr, 300)
        np.testing.assert_allclose(traj.path.numpy(), expected, rtol=1e-9, atol=1e-12, err_msg=run.optimizer)


def test_lr_overrides_and_fallback_rules():
    beale = problems.get("beale")
    assert lecture_setting(beale, "adam") == {"betas": (0.9, 0.99), "eps": 1e-7, "lr": 0.3}
    (run,) = lecture_runs(beale, ["adam"], [(2.0, -2.0)], lr={"adam": 0.01})
    assert run.lr == 0.01 and run.hyper == {"betas": (0.9, 0.99), "eps": 1e-7}
    (gd,) = lecture_runs(beale, ["gd"], lr={"sgd": 0.5})  # an alias and its name are one optimizer
    assert gd.lr == 0.5 and gd.start == (2.0, -2.0)
    # no entry: GD gets 0.5 / largest Hessian eigenvalue at the start (= condition here)
    q = problems.get("quadratic", condition=40.0)
    assert lecture_setting(q, "gd")["lr"] == pytest.approx(0.5 / 40.0, rel=1e-12)
    assert lecture_setting(q, "adam")["lr"] == pytest.approx(0.04)  # 1% of the 4-wide domain
    assert "lr" not in lecture_setting(q, "adadelta")  # unit-free: the optimizer's own default
    assert problem_settings(problems.get("rosenbrock", dim=5)).steps == 5000
    assert key_of(problems.get("rastrigin", dim=3)) == "rastrigin"
    assert key_of("monkey_saddle") == "monkey_saddle"


def test_unknown_optimizer_names_the_known_ones():
    with pytest.raises(InvalidArgument, match="Known optimizers: sgd, momentum"):
        lecture_setting(problems.get("beale"), "adamx")
