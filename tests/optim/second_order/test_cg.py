"""Nonlinear conjugate gradients: the FR and PR+ formulas, convergence on the proof problems."""

import pytest
import torch
from tests.optim.second_order.cases import PROOF_CASES, closure_for, point

from trainlab import problems
from trainlab.optim.second_order import ConjugateGradient, StopReason


@pytest.mark.parametrize("beta,line_search_fn", [("polak_ribiere", "strong_wolfe"), ("fletcher_reeves", "strong_wolfe"),
                                                  ("polak_ribiere", "more_thuente")])
@pytest.mark.parametrize("label,prob,start", PROOF_CASES)
def test_converges_to_the_minimum(label, prob, start, beta, line_search_fn):
    x = point(start)
    opt = ConjugateGradient([x], max_iter=5000, tolerance_grad=1e-10, tolerance_change=1e-12, beta=beta,
                            line_search_fn=line_search_fn)
    opt.step(closure_for(prob, x, opt))
    target = torch.tensor(prob.global_minimum, dtype=torch.float64)
    assert torch.linalg.vector_norm(x.detach() - target) < 1e-6, opt.stop_message


@pytest.mark.parametrize("beta", ["polak_ribiere", "fletcher_reeves"])
def test_direction_formula(beta):
    opt = ConjugateGradient([point((0.0, 0.0, 0.0))], beta=beta)
    g_prev = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    g = torch.tensor([0.3, 0.4, -1.0], dtype=torch.float64)
    d_prev = torch.tensor([-1.0, 1.5, 0.2], dtype=torch.float64)
    state = {"since_restart": 0}
    d = opt._direction(state, g, g_prev, d_prev, 0.7)
    if beta == "fletcher_reeves":
        b = (0.09 + 0.16 + 1.0) / (1.0 + 4.0 + 0.25)
    else:
        b = max(0.0, (0.3 * (0.3 - 1.0) + 0.4 * (0.4 + 2.0) + (-1.0) * (-1.0 - 0.5)) / 5.25)
    torch.testing.assert_close(d, -g + b * d_prev, rtol=1e-15, atol=1e-15)


def test_polak_ribiere_plus_clips_negative_beta_to_a_restart():
    opt = ConjugateGradient([point((0.0, 0.0))])
    g_prev = torch.tensor([1.0, 0.0], dtype=torch.float64)
    g = torch.tensor([0.5, 0.1], dtype=torch.float64)  # g.(g - g_prev) = -0.24 < 0
    d = opt._direction({"since_restart": 0}, g, g_prev, torch.tensor([5.0, 5.0], dtype=torch.float64), 1.0)
    torch.testing.assert_close(d, -g)


def test_restarts_every_n_iterations():
    opt = ConjugateGradient([point((0.0, 0.0))], restart_every=3)
    state = {"since_restart": 0}
    g_prev = torch.tensor([1.0, 0.0], dtype=torch.float64)
    g = torch.tensor([0.0, 1.0], dtype=torch.float64)
    d_prev = torch.tensor([1.0, 1.0], dtype=torch.float64)
    restarted = [torch.equal(opt._direction(state, g, g_prev, d_prev, 1.0), -g) for _ in range(6)]
    assert restarted == [False, False, True, False, False, True]


def test_quadratic_in_about_n_iterations():
    """On a convex quadratic, CG with a near-exact line search needs about n iterations."""
    prob = problems.get("quadratic", condition=100.0, dim=8, angle=0.3)
    x = point(prob.starts[0])
    opt = ConjugateGradient([x], max_iter=200, tolerance_grad=1e-10, tolerance_change=0.0, c2=0.01)
    opt.step(closure_for(prob, x, opt))
    assert opt.stop_reason is StopReason.CONVERGED
    assert float(x.detach().abs().max()) < 1e-9
    assert opt.iterations <= 2 * prob.dim
