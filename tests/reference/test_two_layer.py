"""The hand-written two-layer network: its backward pass equals autograd in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trainlab.reference.two_layer import TwoLayerNet, loss_and_gradient, sigmoid


def data(m=40, n=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = (X[:, :1] + 0.5 * rng.normal(size=(m, 1)) > 0).astype(np.float64)
    return X, y


def autograd(net: TwoLayerNet, X, y):
    """Loss and gradients of the forward formulas, differentiated by torch (written independently)."""
    W1, b1, W2, b2 = (torch.tensor(a, requires_grad=True) for a in (net.W1, net.b1, net.W2, net.b2))
    A2 = torch.sigmoid(torch.sigmoid(torch.as_tensor(X) @ W1 + b1) @ W2 + b2)
    loss = torch.nn.functional.binary_cross_entropy(A2, torch.as_tensor(y))
    loss.backward()
    return loss.item(), [t.grad.numpy() for t in (W1, b1, W2, b2)]


@pytest.mark.parametrize("seed, hidden", [(0, 3), (1, 8), (2, 1)])
def test_backward_equals_autograd(seed, hidden):
    X, y = data(seed=seed)
    net = TwoLayerNet.init(X.shape[1], hidden, seed=seed)
    net.b1 += 0.3  # nonzero biases too
    net.b2 -= 0.2
    loss, grads = autograd(net, X, y)
    ours = net.backward(X, y)
    assert net.CE_loss(X, y) == pytest.approx(loss, rel=1e-14)
    for mine, theirs in zip((ours.W1, ours.b1, ours.W2, ours.b2), grads):
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


def test_flat_gradient_matches_central_differences_and_round_trips():
    X, y = data(m=12, n=3)
    net = TwoLayerNet.init(3, 4, seed=5)
    theta = net.flat()
    assert np.array_equal(TwoLayerNet.from_flat(theta, 3, 4).flat(), theta)
    _, grad = loss_and_gradient(theta, X, y, n_hidden=4)
    h, numeric = 1e-6, np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        numeric[i] = (loss_and_gradient(theta + e, X, y, 4)[0] - loss_and_gradient(theta - e, X, y, 4)[0]) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_output_error_is_prediction_minus_label():
    """The notes' dL/dZ2 = dL/dA2 * A2 (1 - A2) simplifies to A2 - y: the output bias gradient is their mean."""
    X, y = data()
    net = TwoLayerNet.init(X.shape[1], 4, seed=3)
    assert net.backward(X, y).b2[0, 0] == pytest.approx(float(np.mean(net.forward(X) - y)), rel=1e-12)
    assert sigmoid(np.array([0.0]))[0] == 0.5
