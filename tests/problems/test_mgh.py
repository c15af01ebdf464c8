"""The Moré–Garbow–Hillstrom problems: their minima are where the paper says, their gradients are right."""

import numpy as np
import pytest
import scipy.optimize
import torch

from trainlab.problems import mgh

KNOWN_MINIMIZERS = {
    "rosenbrock": (1.0, 1.0), "freudenstein_roth": (5.0, 4.0), "brown_badly_scaled": (1e6, 2e-6),
    "beale": (3.0, 0.5), "helical_valley": (1.0, 0.0, 0.0), "box3d": (1.0, 10.0, 1.0),
    "powell_singular": (0.0,) * 4, "wood": (1.0,) * 4, "zakharov6": (0.0,) * 6,
    "extended_rosenbrock10": (1.0,) * 10, "extended_rosenbrock20": (1.0,) * 20,
    "variably_dimensioned10": (1.0,) * 10,
}


@pytest.mark.parametrize("name", mgh.names())
def test_value_at_the_known_minimizer_or_scipy_reaches_the_papers_minimum(name):
    p = mgh.get(name)
    if name in KNOWN_MINIMIZERS:
        assert float(p.value(torch.tensor(KNOWN_MINIMIZERS[name], dtype=torch.float64))) == pytest.approx(0, abs=1e-20)
        return
    # no closed form: a tight scipy run from x0 lands on the paper's six-digit value
    def fun(x):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        f = p.value(t)
        f.backward()
        return float(f.detach()), t.grad.numpy()

    res = scipy.optimize.minimize(fun, p.start().numpy(), jac=True, method="BFGS", options={"gtol": 1e-10})
    if name == "trigonometric10":  # f* = 0 (the paper); from x0 BFGS ends in the paper's local minimum
        assert res.fun == pytest.approx(2.79506e-5, rel=5e-6) and not p.reached(res.fun)
        return
    assert res.fun == pytest.approx(p.f_star, rel=5e-6, abs=1e-12)
    assert p.reached(res.fun)


@pytest.mark.parametrize("name", mgh.names())
def test_autograd_gradient_matches_finite_differences(name):
    p = mgh.get(name)
    x = p.start() + 0.1 * torch.linspace(0.3, 1.0, p.n, dtype=torch.float64)
    if name == "brown_badly_scaled":  # f ~ 1e12: finite differences lose the digits; compare the formula
        a, b = x.tolist()
        r1, r2, r3 = a - 1e6, b - 2e-6, a * b - 2
        grad = torch.autograd.grad(p.value(x.requires_grad_()), x)[0]
        assert torch.allclose(grad, torch.tensor([2 * (r1 + r3 * b), 2 * (r2 + r3 * a)], dtype=torch.float64))
        return
    assert torch.autograd.gradcheck(p.value, (x.requires_grad_(),), eps=1e-6, atol=1e-5, rtol=1e-5)


def test_starts_and_lookup():
    assert mgh.get("rosenbrock").start(10).tolist() == [-12.0, 10.0]
    assert len(mgh.names()) == len(set(mgh.names())) and all(p.n <= 20 for p in mgh.PROBLEMS)
    with pytest.raises(ValueError, match="Unknown test problem"):
        mgh.get("rosenbrok")
    assert not mgh.get("trigonometric10").reached(2.79506e-5)  # its local minimum
    assert np.isclose(float(mgh.get("freudenstein_roth").value(torch.tensor([11.4128, -0.896805], dtype=torch.float64))),
                      48.9842, rtol=1e-5)
