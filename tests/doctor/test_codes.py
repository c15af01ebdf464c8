"""Every code is the first finding on a small setup broken with that cause, and healthy setups get none."""

from __future__ import annotations

import torch
from torch import nn

from tests.doctor.cases import classes, first_code, mlp, regression
from trainlab.doctor import CODES, examine


def test_a_healthy_regression_and_classifier_have_no_warning() -> None:
    assert first_code(mlp([2, 32, 32, 1]), regression(), lr=1e-2, epochs=30, batch_size=32,
                      val_data=regression(seed=1)) == []
    assert first_code(mlp([2, 32, 2], act=nn.Tanh), classes(), loss="cross_entropy", lr=1e-2, epochs=30,
                      batch_size=32, val_data=classes(seed=1)) == []


def test_vanishing_gradient_in_a_deep_sigmoid_stack() -> None:
    assert first_code(mlp([2, *[16] * 10, 1], act=nn.Sigmoid), regression(), optimizer="sgd", lr=0.1)[0] \
        == "vanishing_gradient"


def test_exploding_gradient_in_a_deep_linear_net_with_large_weights() -> None:
    codes = first_code(mlp([2, *[32] * 8, 1], act=None, weight_scale=5.0), regression())
    assert codes[0] == "exploding_gradient" and "no_nonlinearity" in codes


def test_dying_relu_from_negative_biases() -> None:
    assert first_code(mlp([2, 32, 32, 1], bias=-3.0), regression())[0] == "dying_relu"


def test_saturation_from_large_tanh_weights() -> None:
    assert first_code(mlp([2, 64, 64, 1], act=nn.Tanh, weight_scale=10.0), regression())[0] == "saturation"


def test_collapse_of_a_deep_narrow_relu_net() -> None:
    assert first_code(mlp([2, *[2] * 10, 1]), regression(), epochs=20, batch_size=16)[0] == "collapse"


def test_symmetry_from_all_zero_weights() -> None:
    assert first_code(mlp([2, 16, 16, 1], act=nn.Tanh, constant=0.0), regression())[0] == "symmetry"


def test_lr_too_high_diverges() -> None:
    assert first_code(mlp([2, 32, 1]), regression(), optimizer="sgd", lr=50.0)[0] == "lr_too_high"


def test_lr_too_low_barely_moves() -> None:
    assert first_code(mlp([2, 32, 1]), regression(), optimizer="sgd", lr=1e-7)[0] == "lr_too_low"


def test_oscillation_under_heavy_momentum() -> None:
    codes = first_code(mlp([2, 32, 1]), regression(), optimizer="sgd", lr=0.05, momentum=0.99, epochs=40)
    assert codes[0] == "oscillation"


def test_stalled_when_nothing_trains_but_the_output_bias() -> None:
    net = mlp([2, 32, 1])
    for p in net.parameters():
        p.requires_grad_(False)
    net[-1].bias.requires_grad_(True)
    assert first_code(net, regression(), lr=1e-2)[0] == "stalled"


def test_overfitting_a_tiny_training_set() -> None:
    x, y = regression(16)
    x = torch.cat([x, torch.randn(16, 6, generator=torch.Generator().manual_seed(3))], dim=1)  # noise features
    xv, yv = regression(256, seed=2)
    xv = torch.cat([xv, torch.randn(256, 6, generator=torch.Generator().manual_seed(4))], dim=1)
    assert first_code(mlp([8, 256, 256, 1]), (x, y), val_data=(xv, yv), epochs=80, lr=3e-3)[0] == "overfitting"


def test_underfitting_under_heavy_weight_decay() -> None:
    assert first_code(mlp([2, 32, 2]), classes(), loss="cross_entropy", weight_decay=1.0, lr=1e-2)[0] \
        == "underfitting"


def test_unnormalized_inputs() -> None:
    x, y = regression()
    assert first_code(mlp([2, 32, 1]), (x * 1000, y))[0] == "unnormalized_inputs"


def test_output_setup_softmax_before_cross_entropy() -> None:
    assert first_code(mlp([2, 32, 2], last=nn.Softmax(dim=1)), classes(), loss="cross_entropy")[0] \
        == "output_setup"


def test_no_nonlinearity() -> None:
    assert first_code(mlp([2, 32, 32, 1], act=None), regression())[0] == "no_nonlinearity"


def test_non_finite_data_is_reported_without_training() -> None:
    x, y = regression()
    x[5, 1] = float("nan")
    report = examine(mlp([2, 8, 1]), (x, y), loss="mse", epochs=3)
    assert report.codes == ["non_finite"] and report.measurements["trained"] is False


def test_every_code_has_a_test_here() -> None:
    names = {n for n in globals() if n.startswith("test_")}
    assert all(any(code in n for n in names) for code in CODES)
