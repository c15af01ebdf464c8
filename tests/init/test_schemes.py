"""trainlab.init against torch.nn.init: bit-identical draws for the same generator state."""

import math

import pytest
import torch
from torch import nn

from trainlab import init
from trainlab.constraints import InvalidArgument

SHAPES = [(5, 5), (3, 7), (64, 16), (4, 3, 3, 3), (8, 2, 5)]
DTYPES = [torch.float32, torch.float64]


def _pair(shape, dtype, ours, theirs, seed=7):
    a, b = torch.empty(shape, dtype=dtype), torch.empty(shape, dtype=dtype)
    ours(a, torch.Generator().manual_seed(seed))
    theirs(b, torch.Generator().manual_seed(seed))
    return a, b


CASES = {
    "xavier_uniform": [
        (lambda t, g, k=k: init.xavier_uniform_(t, generator=g, **k),
         lambda t, g, k=k: nn.init.xavier_uniform_(t, generator=g, **k))
        for k in ({}, {"gain": 5 / 3}, {"gain": 0.25})
    ],
    "xavier_normal": [
        (lambda t, g, k=k: init.xavier_normal_(t, generator=g, **k),
         lambda t, g, k=k: nn.init.xavier_normal_(t, generator=g, **k))
        for k in ({}, {"gain": math.sqrt(2)})
    ],
    "kaiming_uniform": [
        (lambda t, g, k=k: init.kaiming_uniform_(t, generator=g, **k),
         lambda t, g, k=k: nn.init.kaiming_uniform_(t, generator=g, **k))
        for k in ({}, {"a": math.sqrt(5)}, {"mode": "fan_out", "nonlinearity": "relu"},
                  {"nonlinearity": "tanh"}, {"a": 0.2, "mode": "fan_out"})
    ],
    "kaiming_normal": [
        (lambda t, g, k=k: init.kaiming_normal_(t, generator=g, **k),
         lambda t, g, k=k: nn.init.kaiming_normal_(t, generator=g, **k))
        for k in ({}, {"mode": "fan_out", "nonlinearity": "relu"}, {"nonlinearity": "selu"},
                  {"nonlinearity": "sigmoid", "mode": "fan_in"})
    ],
    "orthogonal": [
        (lambda t, g, k=k: init.orthogonal_(t, generator=g, **k),
         lambda t, g, k=k: nn.init.orthogonal_(t, generator=g, **k))
        for k in ({}, {"gain": 2.0})
    ],
    "normal": [
        (lambda t, g, k=k: init.normal_(t, generator=g, **k),
         lambda t, g, k=k: nn.init.normal_(t, generator=g, **k))
        for k in ({}, {"mean": 0.5, "std": 0.1})
    ],
    "uniform": [
        (lambda t, g: init.uniform_(t, -0.3, 0.7, generator=g),
         lambda t, g: nn.init.uniform_(t, -0.3, 0.7, generator=g))
    ],
    "constant": [(lambda t, g: init.constant_(t, 0.5), lambda t, g: nn.init.constant_(t, 0.5))],
    "zeros": [(lambda t, g: init.zeros_(t), lambda t, g: nn.init.zeros_(t))],
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("scheme", sorted(CASES))
def test_bit_identical_to_torch(scheme, shape, dtype):
    for ours, theirs in CASES[scheme]:
        a, b = _pair(shape, dtype, ours, theirs)
        assert torch.equal(a, b), scheme


def test_global_generator_matches_torch_too():
    torch.manual_seed(3)
    a = init.kaiming_uniform_(torch.empty(6, 4), nonlinearity="relu")
    torch.manual_seed(3)
    b = nn.init.kaiming_uniform_(torch.empty(6, 4), nonlinearity="relu")
    assert torch.equal(a, b)


@pytest.mark.parametrize("gain", [1.0, 0.5])
@pytest.mark.parametrize("which", ["normal", "uniform"])
def test_lecun_variance_is_gain_squared_over_fan_in(which, gain):
    """Var(w) = gain^2 / fan_in; the sample variance of n draws has sd ~ var * sqrt(2/n) (normal)."""
    fn = init.lecun_normal_ if which == "normal" else init.lecun_uniform_
    fan_in = 50
    w = fn(torch.empty(4000, fan_in, dtype=torch.float64), gain=gain, generator=torch.Generator().manual_seed(0))
    target = gain**2 / fan_in
    n = w.numel()
    assert abs(w.var().item() - target) < 6 * target * math.sqrt(2 / n)
    assert abs(w.mean().item()) < 6 * math.sqrt(target / n)
    if which == "uniform":
        assert w.abs().max().item() <= gain * math.sqrt(3 / fan_in)


@pytest.mark.parametrize("shape", [(5, 5), (3, 4, 3)])
def test_lecun_is_kaiming_with_the_linear_gain(shape):
    """LeCun normal/uniform = He's formula with gain 1 (a different route to the same draw)."""
    for ours, theirs in ((init.lecun_normal_, nn.init.kaiming_normal_), (init.lecun_uniform_, nn.init.kaiming_uniform_)):
        a, b = _pair(shape, torch.float64, lambda t, g: ours(t, generator=g),
                     lambda t, g: theirs(t, nonlinearity="linear", generator=g))
        assert torch.equal(a, b)


def test_fans_of_linear_and_conv_weights():
    assert init.fans(torch.empty(7, 3)) == (3, 7)
    assert init.fans(torch.empty(8, 4, 3, 3)) == (36, 72)


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "selu", "linear", "conv2d"])
def test_gain_table_matches_torch(name):
    assert init.calculate_gain(name) == nn.init.calculate_gain(name)
    assert init.calculate_gain("leaky_relu", 0.2) == nn.init.calculate_gain("leaky_relu", 0.2)


def test_bad_arguments_name_the_argument():
    with pytest.raises(InvalidArgument, match="'mode' parameter of kaiming_normal_"):
        init.kaiming_normal_(torch.empty(3, 3), mode="fan_avg")
    with pytest.raises(InvalidArgument, match="'gain' parameter of xavier_uniform_.*Got -1"):
        init.xavier_uniform_(torch.empty(3, 3), gain=-1)
    with pytest.raises(InvalidArgument, match="'tensor' parameter of fans"):
        init.xavier_normal_(torch.empty(3))
    with pytest.raises(InvalidArgument, match="Unknown nonlinearity 'rellu'. Did you mean 'relu'"):
        init.calculate_gain("rellu")
    with pytest.raises(InvalidArgument, match="'std' parameter of normal_"):
        init.normal_(torch.empty(2), std=-1.0)
