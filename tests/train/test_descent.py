"""Full-batch GD, single-sample SGD and mini-batch SGD and their stopping rules."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import trainlab.optim as tl
from trainlab import reference as ref
from trainlab.train.descent import descend

rng = np.random.default_rng(7)
X_NP = rng.normal(size=(23, 3))
Y_NP = X_NP @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=23)


def batch_grad(w, idx):
    """Gradient of the mean squared error on samples idx, by hand."""
    Xb, yb = X_NP[idx], Y_NP[idx]
    return 2 * Xb.T @ (Xb @ w - yb) / len(idx)


def linear_model():
    model = torch.nn.Linear(3, 1, bias=False).double()
    with torch.no_grad():
        model.weight.zero_()
    return model


@pytest.mark.parametrize("batch_size", [None, 1, 5, 23])
def test_modes_follow_the_numpy_reference(batch_size):
    X, y = torch.tensor(X_NP), torch.tensor(Y_NP).reshape(-1, 1)
    model = linear_model()
    res = descend(model, F.mse_loss, X, y, tl.SGD(model.parameters(), lr=0.02),
                  batch_size=batch_size, max_iter=120, seed=3, record_path=True)
    n = len(X_NP) if batch_size is None else batch_size
    expected = ref.minibatch_sgd(batch_grad, np.zeros(3), 23, n, 0.02, 120, seed=3)
    np.testing.assert_allclose(np.array(res.path), expected, rtol=1e-12, atol=1e-14)
    assert res.stop_reason == "max_iter" and res.iterations == 120
    assert res.epochs == pytest.approx(120 / (1 if n == 23 else -(-23 // n)))


def test_sgd_reshuffles_every_epoch():
    X, y = torch.tensor(X_NP), torch.tensor(Y_NP).reshape(-1, 1)
    a, b = linear_model(), linear_model()
    ra = descend(a, F.mse_loss, X, y, tl.SGD(a.parameters(), lr=0.02), batch_size=1, max_iter=46, seed=0, record_path=True)
    rb = descend(b, F.mse_loss, X, y, tl.SGD(b.parameters(), lr=0.02), batch_size=1, max_iter=46, seed=1, record_path=True)
    assert not np.allclose(ra.path[-1], rb.path[-1])  # the order depends on the seed
    fixed = ref.minibatch_sgd(batch_grad, np.zeros(3), 23, 1, 0.02, 46, seed=0)
    np.testing.assert_allclose(ra.path, fixed, rtol=1e-12, atol=1e-14)


def test_stops_on_target_loss_tolerance_and_divergence():
    X, y = torch.tensor(X_NP), torch.tensor(Y_NP).reshape(-1, 1)
    m = linear_model()
    hit = descend(m, F.mse_loss, X, y, tl.SGD(m.parameters(), lr=0.05), max_iter=5000, target_loss=0.05)
    assert hit.stop_reason == "target_loss" and hit.final_loss <= 0.05 < hit.losses[-2]
    m = linear_model()
    tol = descend(m, F.mse_loss, X, y, tl.SGD(m.parameters(), lr=0.05), max_iter=5000, tol=1e-8)
    assert tol.stop_reason == "tolerance" and tol.iterations < 5000
    m = linear_model()
    blow = descend(m, F.mse_loss, X, y, tl.SGD(m.parameters(), lr=5.0), max_iter=5000)
    assert blow.stop_reason == "diverged" and blow.iterations < 5000


def test_tolerance_is_on_the_step_size():
    """The UCLA ECE 239AS notes' rule: stop once ||x_t+1 - x_t|| < tol."""
    X, y = torch.tensor(X_NP), torch.tensor(Y_NP).reshape(-1, 1)
    m = linear_model()
    res = descend(m, F.mse_loss, X, y, tl.SGD(m.parameters(), lr=0.05), max_iter=5000, tol=1e-6, record_path=True)
    path = np.array(res.path)
    step_sizes = np.linalg.norm(np.diff(path, axis=0), axis=1)
    assert step_sizes[-1] < 1e-6 and (step_sizes[:-1] >= 1e-6).all()


def test_bad_arguments():
    X, y = torch.tensor(X_NP), torch.tensor(Y_NP).reshape(-1, 1)
    m = linear_model()
    opt = tl.SGD(m.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="'batch_size' parameter of descend must be an int in the range"):
        descend(m, F.mse_loss, X, y, opt, batch_size=0)
    with pytest.raises(ValueError, match="'y' parameter of descend must be as many rows as X"):
        descend(m, F.mse_loss, X, y[:5], opt)
