"""``MultiTaskNet`` and ``MultiTaskLoss``: the weighted sum against torch's losses, missing labels, shared trunk."""

from __future__ import annotations

import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.nn.multitask import MultiTaskLoss, MultiTaskNet
from trainlab.train import Trainer


@pytest.fixture
def net(float64):
    torch.manual_seed(0)
    return MultiTaskNet(MLP([3, 6, 6]), {"cls": torch.nn.Linear(6, 4), "reg": torch.nn.Linear(6, 1)})


def test_the_loss_is_the_weighted_sum_over_labelled_rows(net):
    x = torch.randn(6, 3)
    labels = torch.tensor([0.0, 3.0, -1.0, 2.0, -1.0, 1.0])
    values = torch.tensor([0.5, float("nan"), 1.0, -2.0, 0.0, float("nan")])
    out = net(x)
    loss = MultiTaskLoss({"cls": "cross_entropy", "reg": "mse"}, {"cls": 0.7, "reg": 2.0})
    got = loss(out, torch.stack([labels, values], 1))
    has_label, has_value = labels >= 0, ~values.isnan()
    ce = torch.nn.functional.cross_entropy(out["cls"][has_label], labels[has_label].long())
    mse = torch.nn.functional.mse_loss(out["reg"][has_value, 0], values[has_value])
    torch.testing.assert_close(got, 0.7 * ce + 2.0 * mse, rtol=1e-12, atol=0)


def test_the_trunk_gets_the_weighted_sum_of_the_heads_gradients(net):
    x, y = torch.randn(5, 3), torch.tensor([[1.0, 0.3], [0.0, -1.0], [2.0, 0.1], [3.0, 0.0], [1.0, 2.0]])
    losses = {"cls": "cross_entropy", "reg": "mse"}

    def trunk_grad(weights):
        net.zero_grad()
        MultiTaskLoss(losses, weights)(net(x), y).backward()
        return net.trunk[0].weight.grad.clone()

    both = trunk_grad({"cls": 0.3, "reg": 1.5})
    alone = 0.3 * trunk_grad({"cls": 1.0, "reg": 0.0}) + 1.5 * trunk_grad({"cls": 0.0, "reg": 1.0})
    torch.testing.assert_close(both, alone, rtol=1e-12, atol=1e-15)


def test_the_trainer_trains_a_multitask_model(net):
    torch.manual_seed(1)
    x = torch.randn(64, 3)
    y = torch.stack([(x[:, 0] > 0).double() + 2 * (x[:, 1] > 0).double(), x[:, 2] ** 2], 1)
    trainer = Trainer(net, torch.optim.Adam(net.parameters(), lr=3e-2), epochs=60,
                      loss=MultiTaskLoss({"cls": "cross_entropy", "reg": "mse"}))
    history = trainer.fit((x, y))
    assert history["train_loss"][-1] < 0.3 * history["train_loss"][0]


def test_bad_arguments_are_named():
    with pytest.raises(InvalidArgument, match="'losses' parameter of MultiTaskLoss"):
        MultiTaskLoss({"a": "hinge"})
    with pytest.raises(InvalidArgument, match="'weights' parameter of MultiTaskLoss must be one weight per task"):
        MultiTaskLoss({"a": "mse"}, {"b": 1.0})
    with pytest.raises(InvalidArgument, match="'weights' parameter of MultiTaskLoss"):
        MultiTaskLoss({"a": "mse"}, {"a": -1.0})
    with pytest.raises(InvalidArgument, match="'heads' parameter of MultiTaskNet"):
        MultiTaskNet(torch.nn.Linear(2, 2), {})
    with pytest.raises(InvalidArgument, match="'y' parameter of MultiTaskLoss must be one target column per task"):
        MultiTaskLoss({"a": "mse", "b": "mse"})({"a": torch.zeros(2, 1), "b": torch.zeros(2, 1)}, torch.zeros(2, 1))
