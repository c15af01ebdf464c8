"""The learning-rate range test on problems with a known answer, and its bookkeeping.

Least squares ``mean((X w - y)^2)`` has Hessian ``2 X^T X / n``; X is built from
chosen singular values so that its eigenvalues run from ``L / kappa`` to ``L``.
Gradient descent converges for rates below ``2 / L`` and diverges above, so a
good suggestion lies in ``(0.01 / L, 2 / L)``. Print the measured ratios with
``pytest tests/schedules/test_range_test.py -k ratios -s``.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
import torch
from PIL import Image
from torch.nn import functional as F

from trainlab.constraints import InvalidArgument
from trainlab.optim import Adam
from trainlab.report.schedules import plot_range_test
from trainlab.train import lr_range_test
from trainlab.schedules.range_test import curve_noise, smooth_log

CURVATURES = (0.05, 1.0, 20.0)
CONDITIONINGS = (1.0, 10.0, 100.0, 1000.0)
SEEDS = (0, 1, 2)


def least_squares(L: float, kappa: float, seed: int, n: int = 200, d: int = 20, noise: float = 0.01):
    """``(X, y)`` whose mean-squared-error Hessian has eigenvalues geometric in ``[L / kappa, L]``."""
    g = torch.Generator().manual_seed(seed)
    U, _ = torch.linalg.qr(torch.randn(n, d, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    eig = L * kappa ** -torch.linspace(0, 1, d, dtype=torch.float64)
    X = U @ torch.diag(torch.sqrt(eig * n / 2)) @ V.T
    y = X @ torch.randn(d, 1, generator=g, dtype=torch.float64)
    y = y / y.std() + noise * torch.randn(n, 1, generator=g, dtype=torch.float64)
    return X, y


@functools.cache  # the ratio table reuses the parametrized runs
def run(L: float, kappa: float, seed: int, steps: int = 100, noise: float = 0.01):
    X, y = least_squares(L, kappa, seed, noise=noise)
    torch.manual_seed(seed)
    model = torch.nn.Linear(X.shape[1], 1, bias=False).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return lr_range_test(model, F.mse_loss, (X, y), opt, start=1e-6, end=1e3, steps=steps)


@pytest.mark.parametrize("L", CURVATURES)
@pytest.mark.parametrize("kappa", [1.0, 1000.0])
def test_the_problem_has_the_curvature_it_claims(L: float, kappa: float) -> None:
    """Hessian spectrum as built, and gradient descent stable just below 2/L, diverging just above."""
    X, y = least_squares(L, kappa, seed=0)
    eig = torch.linalg.eigvalsh(2 * X.T @ X / len(X))
    assert eig.max().item() == pytest.approx(L, rel=1e-10)
    assert eig.min().item() == pytest.approx(L / kappa, rel=1e-8)
    for lr, diverges in ((1.9 / L, False), (2.1 / L, True)):
        w = torch.zeros(X.shape[1], 1, dtype=torch.float64, requires_grad=True)
        first = F.mse_loss(X @ w, y).item()
        for _ in range(300):
            loss = F.mse_loss(X @ w, y)
            (grad,) = torch.autograd.grad(loss, w)
            w = (w - lr * grad).detach().requires_grad_()
        assert (F.mse_loss(X @ w, y).item() > first) == diverges


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kappa", CONDITIONINGS)
@pytest.mark.parametrize("L", CURVATURES)
def test_suggestion_is_a_stable_rate(L: float, kappa: float, seed: int) -> None:
    result = run(L, kappa, seed)
    assert result.diverged
    assert 0.01 / L < result.suggestion < 2 / L
    # Below 2/L gradient descent only lowers the loss: it can only turn up past the edge.
    assert 2 / L < result.candidates["rise"]
    assert result.candidates["floor"] <= result.candidates["rise"]


@pytest.mark.parametrize("noise", [0.0, 1e-3, 0.1])
@pytest.mark.parametrize("steps", [30, 100, 300])
def test_suggestion_holds_for_short_and_long_ramps_and_noise_floors(steps: int, noise: float) -> None:
    for kappa in (1.0, 10.0, 1000.0):
        result = run(1.0, kappa, seed=1, steps=steps, noise=noise)
        assert 0.01 < result.suggestion < 2.0


def test_the_steepest_point_can_lie_past_the_edge() -> None:
    """Why the suggestion is not Smith's "fastest fall": on ill-conditioned problems the loss still
    falls fastest beyond 2/L, because the ramp has silenced the stiff direction."""
    steepest = [run(1.0, 100.0, seed, steps=300).candidates["steepest"] for seed in SEEDS]
    assert max(steepest) > 2.0


def test_ratios(capsys) -> None:
    """The measured ``suggestion * L`` for every problem (shown with ``-s``)."""
    lines = []
    for L in CURVATURES:
        for kappa in CONDITIONINGS:
            ratios = [run(L, kappa, seed).suggestion * L for seed in SEEDS]
            lines.append(
                f"L={L:<5g} kappa={kappa:<6g} suggestion*L: " + "  ".join(f"{r:.3f}" for r in ratios)
            )
            assert all(0.01 < r < 2 for r in ratios)
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def _model_with_state() -> tuple[torch.nn.Module, torch.optim.Optimizer, tuple]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 16),
        torch.nn.BatchNorm1d(16),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(16, 1),
    ).double()
    X = torch.randn(64, 4, dtype=torch.float64)
    y = X.sum(1, keepdim=True)
    opt = Adam(model.parameters(), lr=1e-3)
    for _ in range(3):  # optimizer state exists before the test
        opt.zero_grad()
        F.mse_loss(model(X), y).backward()
        opt.step()
    model.eval()
    return model, opt, (X, y)


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, z) for x, z in zip(a, b))
    return a == b


@pytest.mark.parametrize("optimizer", ["trainlab-adam", "torch-sgd-momentum"])
def test_model_optimizer_and_rng_are_restored_bit_for_bit(optimizer: str) -> None:
    model, opt, (X, y) = _model_with_state()
    if optimizer == "torch-sgd-momentum":
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    grads = [p.grad.clone() for p in model.parameters()]
    before = (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()), torch.get_rng_state())
    modes = [m.training for m in model.modules()]
    result = lr_range_test(model, F.mse_loss, (X, y), opt, start=1e-5, end=10.0, steps=40)
    assert len(result.losses) > 5
    assert _same(model.state_dict(), before[0])
    assert _same(opt.state_dict(), before[1])
    assert torch.equal(torch.get_rng_state(), before[2])
    assert [m.training for m in model.modules()] == modes
    assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), grads))


def test_restores_even_when_the_loss_function_fails() -> None:
    model, opt, (X, y) = _model_with_state()
    before = copy.deepcopy(model.state_dict())
    calls = []

    def loss_fn(out, target):
        calls.append(1)
        if len(calls) > 5:
            raise RuntimeError("boom")
        return F.mse_loss(out, target)

    with pytest.raises(RuntimeError, match="boom"):
        lr_range_test(model, loss_fn, (X, y), opt, steps=20)
    assert _same(model.state_dict(), before)


def test_mini_batches_from_an_iterable_and_early_stop() -> None:
    X, y = least_squares(1.0, 10.0, seed=4)
    batches = list(zip(X.split(50), y.split(50)))
    model = torch.nn.Linear(X.shape[1], 1, bias=False).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    result = lr_range_test(model, F.mse_loss, batches, opt, start=1e-5, end=1e4, steps=200)
    assert result.diverged and len(result.losses) < 200
    assert np.all(np.diff(result.lrs) > 0)
    assert 0.005 < result.suggestion < 2.0  # mini-batch noise: a little looser below


def test_a_range_that_never_diverges_says_so() -> None:
    X, y = least_squares(1.0, 10.0, seed=0)
    model = torch.nn.Linear(X.shape[1], 1, bias=False).double()
    result = lr_range_test(
        model, F.mse_loss, (X, y), torch.optim.SGD(model.parameters(), lr=0.1), start=1e-6, end=0.5, steps=50
    )
    assert not result.diverged
    assert result.confidence == "low"
    assert any("raise end" in n for n in result.notes)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(start=1.0, end=0.1), "end"),
        (dict(start=0.0), "start"),
        (dict(start=-1e-3), "start"),
        (dict(steps=2), "steps"),
        (dict(smoothing=1.0), "smoothing"),
        (dict(diverge=1.0), "diverge"),
    ],
)
def test_invalid_arguments(kwargs: dict, name: str) -> None:
    model = torch.nn.Linear(2, 1)
    with pytest.raises(InvalidArgument, match=f"'{name}' parameter of lr_range_test must be"):
        lr_range_test(
            model,
            F.mse_loss,
            (torch.zeros(4, 2), torch.zeros(4, 1)),
            torch.optim.SGD(model.parameters(), lr=0.1),
            **kwargs,
        )


def test_bad_data_is_named() -> None:
    model = torch.nn.Linear(2, 1)
    with pytest.raises(InvalidArgument, match="'data' parameter"):
        lr_range_test(model, F.mse_loss, 3.0, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(InvalidArgument, match="at least one batch"):
        lr_range_test(model, F.mse_loss, [], torch.optim.SGD(model.parameters(), lr=0.1))


def test_smoothing_has_no_lag_and_noise_is_measured() -> None:
    """A symmetric dip stays centred after smoothing; white noise of known size is measured."""
    x = np.linspace(-3, 3, 121)
    clean = np.exp(x**2 / 4)
    assert int(np.argmin(smooth_log(clean, 0.9))) == 60
    rng = np.random.default_rng(0)
    noisy = clean * np.exp(rng.normal(0, 0.1, len(x)))
    assert curve_noise(noisy) == pytest.approx(0.1, rel=0.25)
    assert curve_noise(clean) < 1e-3


def test_plot_is_written(tmp_path) -> None:
    result = run(1.0, 10.0, seed=0)
    path = plot_range_test(result, tmp_path / "range.png")
    with Image.open(path) as im:
        assert im.size == (640, 400)
        assert len(np.unique(np.asarray(im.convert("L")))) > 10  # not a blank canvas
    assert "suggested lr" in result.summary()


def test_old_range_test_path_warns_and_imports_no_loop() -> None:
    """``trainlab.schedules.lr_range_test`` still works for one release, with a warning."""
    import trainlab.schedules as schedules
    import trainlab.schedules.range_test as math_module

    with pytest.warns(DeprecationWarning, match="moved to trainlab.train.range_test.lr_range_test"):
        assert schedules.lr_range_test is lr_range_test
    with pytest.warns(DeprecationWarning):
        assert math_module.lr_range_test is lr_range_test
    with pytest.raises(AttributeError):
        schedules.no_such_name
