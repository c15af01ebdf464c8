"""Newton: one step on a positive-definite quadratic, the lecture's (damped) step, negative curvature."""

import numpy as np
import pytest
import scipy.optimize
import torch
from tests.optim.second_order.cases import closure_for, point, tiny_regression

from trainlab import problems
from trainlab.optim.second_order import Newton
from trainlab.reference import second_order as ref


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_one_step_to_the_minimum_of_a_positive_definite_quadratic(dtype):
    prob = problems.get("quadratic", condition=1e3, dim=6, angle=0.7)
    x = point(prob.starts[0], dtype)
    opt = Newton([x])
    opt.step(closure_for(prob, x, opt))
    assert opt.iterations == 1
    tol = 1e-12 if dtype == torch.float64 else 1e-4
    assert float(x.detach().abs().max()) < tol
    assert x.dtype == dtype


def test_step_is_the_lecture_newton_step():
    prob = problems.get("beale")
    start = np.array([2.7, 0.4])
    expected = ref.newton_step(start, prob.grad(start).numpy(), prob.hessian(start).numpy())
    x = point(start)
    opt = Newton([x])
    opt.step(closure_for(prob, x, opt))
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12)


def test_damped_step_is_the_lecture_damped_step():
    prob = problems.get("rosenbrock")
    start = np.array([1.3, 1.5])  # H + 10 I is positive definite here
    expected = ref.newton_step(start, prob.grad(start).numpy(), prob.hessian(start).numpy(), damping=10.0)
    x = point(start)
    opt = Newton([x], damping=10.0)
    opt.step(closure_for(prob, x, opt))
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name,start", [("rosenbrock", (-1.2, 1.0)), ("beale", (1.0, 1.0))])
def test_converges_to_the_minimum(name, start):
    prob = problems.get(name)
    x = point(start)
    opt = Newton([x], max_iter=100, tolerance_grad=1e-10)
    opt.step(closure_for(prob, x, opt))
    assert np.linalg.norm(x.detach().numpy() - np.array(prob.global_minimum)) < 1e-6


def test_extended_rosenbrock_reaches_the_minimum_scipy_trust_exact_reaches():
    """From the standard start, exact-Hessian methods land in the local minimum near (-1, 1, ..., 1)."""
    prob = problems.get("rosenbrock", dim=10)
    x0 = np.array(prob.starts[0])
    oracle = scipy.optimize.minimize(
        lambda v: float(prob.value(v)), x0, jac=lambda v: prob.grad(v).numpy(),
        hess=lambda v: prob.hessian(v).numpy(), method="trust-exact", options={"gtol": 1e-13},
    ).x
    x = point(x0)
    opt = Newton([x], max_iter=100, tolerance_grad=1e-10)
    opt.step(closure_for(prob, x, opt))
    assert np.linalg.norm(x.detach().numpy() - oracle) < 1e-6
    assert float(torch.linalg.eigvalsh(prob.hessian(x.detach()))[0]) > 0  # a minimum, not a saddle


def test_safe_on_negative_curvature():
    """Next to Himmelblau's maximum the pure Newton step climbs to it; damped Newton descends."""
    prob = problems.get("himmelblau")
    start = np.array(prob.stationary[0]) + 1e-2  # the maximum: both Hessian eigenvalues < 0
    assert np.all(np.linalg.eigvalsh(prob.hessian(start).numpy()) < 0)
    pure = ref.newton(lambda v: prob.grad(v).numpy(), lambda v: prob.hessian(v).numpy(), start, 10)[-1]
    np.testing.assert_allclose(pure, prob.stationary[0], atol=1e-8)  # the reference climbs

    x = point(start)
    opt = Newton([x], max_iter=1)
    losses = [float(prob.value(x.detach()))]
    for _ in range(40):
        opt.step(closure_for(prob, x, opt))
        losses.append(float(prob.value(x.detach())))
    assert all(b <= a for a, b in zip(losses, losses[1:], strict=False))
    _, dist = prob.nearest_minimum(x.detach())
    assert dist < 1e-6


def test_linear_least_squares_in_one_step():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(30, 4, dtype=torch.float64, generator=gen)
    b = torch.randn(30, 1, dtype=torch.float64, generator=gen)
    model = torch.nn.Linear(4, 1, bias=False).double()
    opt = Newton(model.parameters())
    opt.step(lambda: ((model(a) - b) ** 2).mean())
    expected = torch.linalg.lstsq(a, b).solution.T
    torch.testing.assert_close(model.weight.detach(), expected, rtol=1e-10, atol=1e-12)


def test_trains_a_small_mlp():
    net, x, y = tiny_regression()
    opt = Newton(net.parameters(), max_iter=1)
    losses = []
    for _ in range(60):
        losses.append(float(opt.step(lambda: torch.nn.functional.mse_loss(net(x), y)).detach()))
    assert all(b <= a for a, b in zip(losses, losses[1:], strict=False))
    assert losses[-1] < 1e-5 * losses[0]


def test_damping_adapts_and_is_checkpointed():
    prob = problems.get("rosenbrock")
    x = point((-1.2, 1.0))
    opt = Newton([x], damping=1.0)
    opt.step(closure_for(prob, x, opt))
    assert opt.damping != 1.0
    state = opt.state_dict()
    other = Newton([point((-1.2, 1.0))])
    other.load_state_dict(state)
    assert other.damping == opt.damping
