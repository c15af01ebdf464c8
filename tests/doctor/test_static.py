"""The checks before training: each fires on its broken setup and stays quiet on a sound one."""

from __future__ import annotations

import torch
from torch import nn

from tests.doctor.cases import classes, mlp, regression
from trainlab.doctor import static_checks


def codes(model, data, loss="mse") -> list[str]:
    return [f.code for f in static_checks(model, *data, loss)]


def test_a_sound_setup_passes() -> None:
    assert codes(mlp([2, 16, 1]), regression()) == []
    assert codes(mlp([2, 16, 2]), classes(), "cross_entropy") == []


def test_inputs_far_from_unit_scale_or_on_different_scales() -> None:
    x, y = regression()
    assert codes(mlp([2, 16, 1]), (x * 50, y)) == ["unnormalized_inputs"]
    assert codes(mlp([2, 16, 1]), (x + 100, y)) == ["unnormalized_inputs"]
    wide = x.clone()
    wide[:, 0] *= 500  # std 500 vs 1: the ratio fires although |mean| stays small
    found = static_checks(mlp([2, 16, 1]), wide, y, "mse")
    assert found[0].evidence["std ratio"] > 100


def test_integer_inputs() -> None:
    x, y = regression()
    found = static_checks(mlp([2, 16, 1]), (x * 3).round().long(), y, "mse")
    assert [f.code for f in found] == ["unnormalized_inputs"] and found[0].severity == "error"


def test_nan_in_inputs_or_targets() -> None:
    x, y = regression()
    y = y.clone()
    y[2] = float("inf")
    found = static_checks(mlp([2, 16, 1]), x, y, "mse")
    assert found[0].code == "non_finite" and found[0].evidence == {"non-finite targets": 1}


def test_softmax_before_cross_entropy_found_by_module_and_by_output() -> None:
    assert codes(mlp([2, 16, 3], last=nn.Softmax(dim=1)), classes(), "cross_entropy") == ["output_setup"]

    class Probabilities(nn.Module):  # no Softmax module: the rows summing to 1 give it away
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp([2, 16, 3])

        def forward(self, x):
            return torch.softmax(self.net(x), dim=1)

    assert codes(Probabilities(), classes(), "cross_entropy") == ["output_setup"]


def test_a_bounded_output_activation_on_a_regression() -> None:
    assert codes(mlp([2, 16, 1], last=nn.Sigmoid()), regression()) == ["output_setup"]
    assert codes(mlp([2, 16, 1], last=nn.ReLU()), regression()) == ["output_setup"]  # targets go below 0
    x, y = regression()
    assert codes(mlp([2, 16, 1], last=nn.ReLU()), (x, y - y.min())) == []  # non-negative targets: fine


def test_stacked_linear_layers_are_found_by_the_affine_test() -> None:
    assert codes(mlp([2, 16, 16, 1], act=None), regression()) == ["no_nonlinearity"]
    assert codes(nn.Sequential(nn.Linear(2, 1)), regression()) == []  # one layer: a linear model, on purpose

    class FunctionalRelu(nn.Module):  # activation in forward, no module: not affine, so not flagged
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(2, 16), nn.Linear(16, 1)

        def forward(self, x):
            return self.b(torch.relu(self.a(x)))

    assert codes(FunctionalRelu(), regression()) == []


def test_constant_initialization() -> None:
    found = static_checks(mlp([2, 16, 16, 1], constant=0.3), *regression(), "mse")
    assert [f.code for f in found] == ["symmetry"] and found[0].evidence["units with a twin"] == 1.0
