"""initialize(model, scheme) and MLP(init=...)."""

import math

import pytest
import torch
from torch import nn

from trainlab import init
from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP


def test_torch_scheme_reproduces_the_layers_own_constructor():
    torch.manual_seed(11)
    reference = nn.Sequential(nn.Linear(3, 5), nn.Conv2d(2, 4, 3), nn.Linear(5, 2))
    model = nn.Sequential(nn.Linear(3, 5), nn.Conv2d(2, 4, 3), nn.Linear(5, 2))
    torch.manual_seed(11)
    assert init.initialize(model, "torch") == 3
    for a, b in zip(model.parameters(), reference.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("scheme", ["he", "xavier_uniform", "xavier_normal", "kaiming_uniform", "orthogonal",
                                    "lecun_normal", "lecun_uniform", "normal"])
def test_mlp_init_draws_each_weight_in_order_from_the_generator(scheme):
    net = MLP([3, 6, 6, 1], activation="tanh", init=scheme, generator=torch.Generator().manual_seed(4))
    entry = init.get(scheme)
    g = torch.Generator().manual_seed(4)
    for layer in net.linears():
        expected = entry.function(torch.empty_like(layer.weight), generator=g, **entry.defaults)
        assert torch.equal(layer.weight, expected)
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))


def test_he_gives_relu_variance_two_over_fan_in():
    net = MLP([400, 300, 1], init="he", generator=torch.Generator().manual_seed(0))
    w = net.linears()[0].weight.detach().double()
    assert abs(w.var().item() * 400 - 2.0) < 6 * 2.0 * math.sqrt(2 / w.numel())


def test_default_mlp_keeps_torch_initialization():
    torch.manual_seed(5)
    a = MLP([2, 4, 1])
    torch.manual_seed(5)
    b = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_constant_scheme_and_bias_options():
    net = nn.Linear(3, 2)
    init.initialize(net, "constant", val=0.3, bias=0.1)
    assert torch.all(net.weight == 0.3) and torch.all(net.bias == 0.1)
    before = net.bias.detach().clone()
    init.initialize(net, "zeros", bias="keep")
    assert torch.all(net.weight == 0) and torch.equal(net.bias, before)


def test_unknown_names_and_bad_input():
    with pytest.raises(InvalidArgument, match="Unknown initialization scheme 'xavier'. Did you mean 'xavier_normal'"):
        MLP([1, 2, 1], init="xavier")
    with pytest.raises(InvalidArgument, match="Unknown activation 'rel'. Did you mean 'relu'"):
        MLP([1, 2, 1], activation="rel")
    with pytest.raises(InvalidArgument, match="'bias' parameter of initialize"):
        init.initialize(nn.Linear(2, 2), "he", bias="ones")
    with pytest.raises(InvalidArgument, match="'model' parameter of initialize"):
        init.initialize(nn.ReLU(), "he")
