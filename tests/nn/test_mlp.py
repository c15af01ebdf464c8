"""MLP options: per-layer dropout rates and forms, batch norm before/after the activation."""

import pytest
import torch
from torch import nn

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP, BatchNorm1d, Dropout
from trainlab.train.batched import StackedMLP


def torch_built(widths, dropout):
    """Today's MLP written with torch's own layers: Linear -> ReLU -> nn.Dropout per hidden layer."""
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers += [nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def test_a_single_dropout_rate_is_bit_identical_to_torch_dropout_layers():
    widths = [3, 16, 16, 2]
    torch.manual_seed(0)
    ours = MLP(widths, dropout=0.2)
    torch.manual_seed(0)
    theirs = torch_built(widths, 0.2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()))
    x = torch.randn(64, 3)
    torch.manual_seed(5)
    y_ours = ours(x)
    y_ours.square().sum().backward()
    torch.manual_seed(5)
    y_theirs = theirs(x)
    y_theirs.square().sum().backward()
    assert torch.equal(y_ours, y_theirs)
    assert all(torch.equal(a.grad, b.grad) for a, b in zip(ours.parameters(), theirs.parameters()))


@pytest.mark.parametrize("kwargs, text", [
    ({}, "MLP(2-4-1, relu)"),
    ({"dropout": 0.2}, "MLP(2-4-1, relu, dropout=0.2)"),
    ({"dropout": 0.2, "init": "he"}, "MLP(2-4-1, relu, dropout=0.2, init=he)"),
    ({"dropout": [0.5]}, "MLP(2-4-1, relu, dropout=[0.5])"),
    ({"dropout": 0.5, "dropout_form": "standard"}, "MLP(2-4-1, relu, dropout=0.5, dropout_form=standard)"),
    ({"batch_norm": True}, "MLP(2-4-1, relu, batch_norm=before)"),
    ({"batch_norm": True, "batch_norm_position": "after"}, "MLP(2-4-1, relu, batch_norm=after)"),
])
def test_repr_names_only_the_options_that_differ_from_the_defaults(kwargs, text):
    assert repr(MLP([2, 4, 1], **kwargs)) == text


def test_the_lectures_heaviside_example_puts_one_rate_on_each_hidden_layer():
    net = MLP([1, 100, 100, 100, 1], dropout=[0.75, 0.6, 0.01])
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [m.p for m in net if isinstance(m, Dropout)] == [0.75, 0.6, 0.01]
    assert net.dropout == [0.75, 0.6, 0.01]


def test_a_zero_rate_adds_no_dropout_layer_and_the_form_reaches_every_layer():
    net = MLP([2, 8, 8, 1], dropout=(0.0, 0.3), dropout_form="standard")
    drops = [m for m in net if isinstance(m, Dropout)]
    assert [(d.p, d.form) for d in drops] == [(0.3, "standard")]
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear", "ReLU", "Dropout", "Linear"]


@pytest.mark.parametrize("position, order", [
    ("before", ["Linear", "BatchNorm1d", "Tanh", "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]),
    ("after", ["Linear", "Tanh", "BatchNorm1d", "Linear", "Tanh", "BatchNorm1d", "Dropout", "Linear"]),
])
def test_batch_norm_goes_before_or_after_the_activation(position, order):
    net = MLP([2, 5, 6, 1], activation="tanh", dropout=[0, 0.1], batch_norm=True, batch_norm_position=position)
    assert [type(m).__name__ for m in net] == order
    assert [m.num_features for m in net if isinstance(m, BatchNorm1d)] == [5, 6]


def test_an_initialization_scheme_leaves_batch_norm_at_gamma_one_beta_zero():
    net = MLP([2, 5, 1], batch_norm=True, init="he", generator=torch.Generator().manual_seed(0))
    bn = net[1]
    assert torch.equal(bn.weight, torch.ones(5)) and torch.equal(bn.bias, torch.zeros(5))


def test_a_batch_norm_mlp_normalizes_its_pre_activations_in_training_and_uses_running_stats_in_eval():
    torch.manual_seed(0)
    net = MLP([3, 7, 1], batch_norm=True).double()
    x = torch.randn(40, 3, dtype=torch.float64) * 5 + 2
    pre = net[1](net[0](x))
    torch.testing.assert_close(pre.mean(0), torch.zeros(7, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(pre.var(0, unbiased=False), torch.ones(7, dtype=torch.float64), atol=1e-5, rtol=0)
    net.eval()
    single = net(x[:1])  # one example is fine in eval mode
    assert single.shape == (1, 1)


@pytest.mark.parametrize("kwargs, argument", [
    ({"dropout": [0.1, 0.2]}, "dropout"),  # one hidden layer, two rates
    ({"dropout": [1.0]}, "dropout"),
    ({"dropout": 1.0}, "dropout"),
    ({"dropout": "0.5"}, "dropout"),
    ({"dropout_form": "scaled"}, "dropout_form"),
    ({"batch_norm": 1}, "batch_norm"),
    ({"batch_norm_position": "middle"}, "batch_norm_position"),
])
def test_bad_options_name_the_argument(kwargs, argument):
    with pytest.raises(InvalidArgument, match=f"'{argument}' parameter of MLP"):
        MLP([2, 4, 1], **kwargs)


def test_stacking_refuses_batch_norm_models():
    with pytest.raises(InvalidArgument, match="batch norm"):
        StackedMLP.from_models([MLP([2, 4, 1], batch_norm=True)])
