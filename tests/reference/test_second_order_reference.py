"""The float64 NumPy references for Newton, BFGS and L-BFGS, checked against independent facts."""

import numpy as np
import pytest
import scipy.optimize
import torch

from trainlab import problems
from trainlab.reference import second_order as ref


def _pd(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    return a @ a.T + n * np.eye(n), rng


def test_newton_step_solves_a_quadratic():
    h, rng = _pd(5, 0)
    b = rng.standard_normal(5)
    theta = rng.standard_normal(5)  # f = x.Hx/2 - b.x, minimum H^-1 b
    np.testing.assert_allclose(ref.newton_step(theta, h @ theta - b, h), np.linalg.solve(h, b), rtol=1e-12)


def test_damped_newton_tends_to_gradient_descent_with_rate_one_over_alpha():
    h, rng = _pd(4, 1)
    theta, g = rng.standard_normal(4), rng.standard_normal(4)
    alpha = 1e8
    step = ref.newton_step(theta, g, h, damping=alpha) - theta
    np.testing.assert_allclose(step * alpha, -g, atol=1e-6)


def test_newton_converges_quadratically_near_the_beale_minimum():
    prob = problems.get("beale")
    thetas = ref.newton(lambda v: prob.grad(v).numpy(), lambda v: prob.hessian(v).numpy(), np.array([2.9, 0.48]), 5)
    errors = [np.linalg.norm(t - np.array([3.0, 0.5])) for t in thetas]
    assert errors[-1] < 1e-14
    assert errors[2] < 10 * errors[1] ** 2  # quadratic convergence


def test_bfgs_update_satisfies_the_secant_equation_and_stays_positive_definite():
    h, rng = _pd(6, 2)
    h_inv = np.linalg.inv(h)
    s = rng.standard_normal(6)
    y = h @ s  # y.s > 0
    new = ref.bfgs_inverse_update(h_inv, s, y)
    np.testing.assert_allclose(new @ y, s, rtol=1e-10)
    np.testing.assert_allclose(new, new.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(new) > 0)


def test_bfgs_recovers_the_inverse_hessian_of_a_quadratic_from_n_conjugate_steps():
    h, _ = _pd(5, 3)
    h_inv = np.eye(5)
    _, vecs = np.linalg.eigh(h)  # H-conjugate directions
    for s in vecs.T:
        h_inv = ref.bfgs_inverse_update(h_inv, s, h @ s)
    np.testing.assert_allclose(h_inv, np.linalg.inv(h), rtol=1e-9, atol=1e-12)


def test_two_loop_equals_scipy_and_the_dense_bfgs_matrix():
    h, rng = _pd(7, 4)
    s_list = [rng.standard_normal(7) for _ in range(4)]
    y_list = [h @ s for s in s_list]
    g = rng.standard_normal(7)
    # scipy's L-BFGS operator (H_0 = I)
    scipy_op = scipy.optimize.LbfgsInvHessProduct(np.array(s_list), np.array(y_list))
    np.testing.assert_allclose(ref.lbfgs_direction(g, s_list, y_list, 1.0), scipy_op.matvec(g), rtol=1e-12)
    # the dense BFGS matrix built from gamma I with the same pairs, oldest first
    gamma = 0.37
    dense = gamma * np.eye(7)
    for s, y in zip(s_list, y_list, strict=True):
        dense = ref.bfgs_inverse_update(dense, s, y)
    np.testing.assert_allclose(ref.lbfgs_direction(g, s_list, y_list, gamma), dense @ g, rtol=1e-10)


@pytest.mark.parametrize("name,start", [("rosenbrock", (-1.2, 1.0)), ("beale", (1.0, 1.0))])
def test_reference_bfgs_reaches_the_known_minimum(name, start):
    prob = problems.get(name)
    f = lambda v: float(prob.value(torch.from_numpy(v)))  # noqa: E731
    g = lambda v: prob.grad(torch.from_numpy(v)).numpy()  # noqa: E731
    x = ref.bfgs(f, g, np.array(start), tol=1e-12)
    assert np.linalg.norm(x - np.array(prob.global_minimum)) < 1e-6
