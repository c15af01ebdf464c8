"""Activation registry: functions against torch modules, derivatives against autograd, gains."""

import math

import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.nn import ACTIVATIONS
from trainlab.nn.activations import ACTIVATION_REGISTRY, get, names, second_moment_gain

X = torch.linspace(-6, 6, 1000, dtype=torch.float64)  # 1000 points: x = 0 is not on the grid


@pytest.mark.parametrize("name", names())
def test_function_matches_the_torch_module(name):
    a = get(name)
    assert torch.allclose(a.function(X), a.module()(X), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", names())
def test_derivative_matches_autograd(name):
    a = get(name)
    x = X.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(a.module()(x).sum(), x)
    assert torch.allclose(a.derivative(X), grad, rtol=1e-12, atol=1e-14)


def test_gains_follow_torch_or_the_second_moment_rule():
    assert get("relu").gain == torch.nn.init.calculate_gain("relu")
    assert get("tanh").gain == torch.nn.init.calculate_gain("tanh")
    assert get("leaky_relu").gain == torch.nn.init.calculate_gain("leaky_relu")
    # the second-moment rule recovers ReLU's sqrt(2) and the identity's 1
    assert second_moment_gain(torch.relu) == pytest.approx(math.sqrt(2), rel=1e-6)
    assert second_moment_gain(lambda x: x) == pytest.approx(1.0, rel=1e-12)
    for name in ("elu", "gelu", "silu", "softplus"):
        a = get(name)
        z = torch.randn(400_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        assert (a.gain * a.function(z)).pow(2).mean().item() == pytest.approx(1.0, abs=0.02)


def test_every_mlp_activation_is_registered():
    assert set(ACTIVATIONS) == set(ACTIVATION_REGISTRY)


def test_unknown_activation():
    with pytest.raises(InvalidArgument, match="Unknown activation 'gelly'. Did you mean 'gelu'"):
        get("gelly")
