"""Transfer helpers: a new head, frozen layers stay put under any optimizer, per-layer rates, gradual unfreezing."""

from __future__ import annotations

import pytest
import torch

from trainlab import optim
from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.train import Trainer
from trainlab.train.transfer import GradualUnfreezing, freeze, layer_groups, layers_of, new_head, unfreeze


@pytest.fixture
def data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 4, generator=g)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long()


def source():
    torch.manual_seed(0)
    return MLP([4, 8, 8, 5])


def test_new_head_copies_the_trunk_and_leaves_the_source_alone():
    net = source()
    target = new_head(net, 3, generator=torch.Generator().manual_seed(1))
    assert [tuple(layer.weight.shape) for layer in layers_of(target)] == [(8, 4), (8, 8), (3, 8)]
    assert torch.equal(target[0].weight, net[0].weight) and target[0].weight is not net[0].weight
    assert layers_of(net)[-1].out_features == 5 and target.widths == [4, 8, 8, 3]


@pytest.mark.parametrize("make", [lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
                                  lambda p: optim.Adam(p, lr=0.05), lambda p: optim.SGD(p, lr=0.1, momentum=0.9)],
                         ids=["torch-adam", "trainlab-adam", "trainlab-sgd"])
def test_frozen_layers_do_not_move_under_any_optimizer(data, make):
    net = new_head(source(), 3)
    before = [p.detach().clone() for p in net.parameters()]
    freeze(net, layers_of(net)[:-1])
    Trainer(net, make(net.parameters()), loss="cross_entropy", epochs=5, batch_size=8).fit(data)
    after = list(net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before[:4], after[:4], strict=True))
    assert not torch.equal(before[4], after[4])
    unfreeze(net)
    assert all(p.requires_grad for p in net.parameters())


def test_layer_groups_give_each_layer_its_own_rate(data):
    net = source()
    groups = layer_groups(net, lr=0.1, decay=0.5)
    assert [g["lr"] for g in groups] == [0.025, 0.05, 0.1]
    before = [p.detach().clone() for p in net.parameters()]
    opt = optim.SGD(groups, lr=0.1)
    opt.zero_grad()
    torch.nn.functional.cross_entropy(net(data[0]), data[1]).backward()
    grads = [p.grad.clone() for p in net.parameters()]
    opt.step()
    rates = [0.025, 0.025, 0.05, 0.05, 0.1, 0.1]  # weight and bias of each layer
    for b, p, g, lr in zip(before, net.parameters(), grads, rates, strict=True):
        torch.testing.assert_close(p.detach(), b - lr * g)


def test_gradual_unfreezing_trains_one_more_layer_every_few_epochs(data):
    net = source()
    seen = []

    class Record(GradualUnfreezing):
        def on_epoch_end(self, trainer, logs):  # what trained in the epoch just done
            seen.append([layer.weight.requires_grad for layer in layers_of(trainer.model)])

    first = net[0].weight.detach().clone()
    Trainer(net, torch.optim.Adam(net.parameters(), lr=0.01), loss="cross_entropy", epochs=5, batch_size=20,
            callbacks=[Record(every=2)]).fit(data)
    assert seen == [[False, False, True]] * 2 + [[False, True, True]] * 2 + [[True, True, True]]
    assert not torch.equal(first, net[0].weight)


def test_bad_arguments_are_named():
    with pytest.raises(InvalidArgument, match="'n_outputs' parameter of new_head"):
        new_head(source(), 0)
    with pytest.raises(InvalidArgument, match="'decay' parameter of layer_groups"):
        layer_groups(source(), lr=0.1, decay=0.0)
    with pytest.raises(InvalidArgument, match="'every' parameter of GradualUnfreezing"):
        GradualUnfreezing(0)
