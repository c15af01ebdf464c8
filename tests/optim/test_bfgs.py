"""BFGS: the lectures' inverse-Hessian update, checked against the NumPy reference; convergence."""

import numpy as np
import pytest
import torch
from tests.optim.second_order_cases import PROOF_CASES, closure_for, point

from trainlab import problems
from trainlab.optim.second_order import BFGS, StopReason
from trainlab.optim.second_order.bfgs import bfgs_inverse_update
from trainlab.reference import second_order as ref


@pytest.mark.parametrize("label,prob,start", PROOF_CASES)
def test_converges_to_the_minimum(label, prob, start):
    x = point(start)
    opt = BFGS([x], max_iter=500, tolerance_grad=1e-10)
    opt.step(closure_for(prob, x, opt))
    target = torch.tensor(prob.global_minimum, dtype=torch.float64)
    assert torch.linalg.vector_norm(x.detach() - target) < 1e-6
    assert opt.stop_reason in (StopReason.CONVERGED, StopReason.TOLERANCE)


def test_update_matches_the_lecture_formula():
    rng = np.random.default_rng(1)
    n = 6
    a = rng.standard_normal((n, n))
    h = a @ a.T + np.eye(n)
    s = rng.standard_normal(n)
    y = s + 0.1 * rng.standard_normal(n)  # y.s > 0
    got = bfgs_inverse_update(torch.from_numpy(h), torch.from_numpy(s), torch.from_numpy(y))
    torch.testing.assert_close(got, torch.from_numpy(ref.bfgs_inverse_update(h, s, y)), rtol=1e-12, atol=1e-12)


def test_inverse_hessian_is_the_reference_update_of_the_pairs_seen():
    """Record x_k, g_k; rebuild H from (y0.s0/y0.y0) I with the reference update; compare."""
    prob = problems.get("rosenbrock")
    x = point((-1.2, 1.0))
    opt = BFGS([x], max_iter=1)
    xs, gs = [], []
    for _ in range(8):
        xs.append(x.detach().clone())
        gs.append(prob.grad(x.detach()))
        opt.step(closure_for(prob, x, opt))
    xs.append(x.detach().clone())
    gs.append(prob.grad(x.detach()))
    # the last step's pair enters H at the start of the next step: take pairs 0..6
    h = None
    for k in range(7):
        s, y = (xs[k + 1] - xs[k]).numpy(), (gs[k + 1] - gs[k]).numpy()
        if h is None:
            h = np.eye(2) * (y @ s) / (y @ y)
        h = ref.bfgs_inverse_update(h, s, y)
    torch.testing.assert_close(opt.inverse_hessian, torch.from_numpy(h), rtol=1e-9, atol=1e-9)
    # and the secant equation holds for the newest pair
    s, y = xs[7] - xs[6], gs[7] - gs[6]
    torch.testing.assert_close(opt.inverse_hessian @ y, s, rtol=1e-9, atol=1e-12)


def test_float32_converges_and_keeps_dtype():
    prob = problems.get("beale")
    x = point((1.0, 1.0), torch.float32)
    opt = BFGS([x], max_iter=200, tolerance_grad=1e-5)
    opt.step(closure_for(prob, x, opt))
    assert opt.inverse_hessian.dtype == torch.float32
    assert torch.allclose(x.detach(), torch.tensor([3.0, 0.5]), atol=1e-3)


def test_agrees_with_the_reference_bfgs_on_the_minimum():
    prob = problems.get("rosenbrock")
    f = lambda v: float(prob.value(torch.from_numpy(v)))  # noqa: E731
    g = lambda v: prob.grad(torch.from_numpy(v)).numpy()  # noqa: E731
    expected = ref.bfgs(f, g, np.array([-1.2, 1.0]), tol=1e-12)
    x = point((-1.2, 1.0))
    opt = BFGS([x], max_iter=500, tolerance_grad=1e-12)
    opt.step(closure_for(prob, x, opt))
    np.testing.assert_allclose(x.detach().numpy(), expected, atol=1e-6)
