"""Constant initialization never breaks symmetry; random initialization does."""

import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.experiments.symmetry import symmetry, unit_spread
from trainlab.nn import MLP


def test_constant_init_keeps_hidden_units_identical_random_init_does_not():
    r = symmetry(inits=("constant", "zeros", "he", "xavier_uniform"), width=6, depth=2, steps=100)
    # identical in exact arithmetic; matmul round-off may leave ~1e-18
    assert max(r.differences["constant"]) < 1e-12 and max(r.differences["zeros"]) < 1e-12
    assert r.differences["constant"][0] == 0.0
    assert min(r.differences["he"]) > 0.1 and min(r.differences["xavier_uniform"]) > 0.1
    assert r.losses["constant"] > r.losses["xavier_uniform"]


def test_unit_spread_is_the_largest_difference_between_two_units():
    net = MLP([2, 3, 1])
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 2.0], [1.5, 2.0], [1.0, 0.0]]))
        net[0].bias.copy_(torch.tensor([0.0, 0.0, 0.25]))
    assert unit_spread(net) == 2.0


def test_bad_input():
    with pytest.raises(InvalidArgument, match="Unknown initialization scheme"):
        symmetry(inits=("konstant",))
    with pytest.raises(InvalidArgument, match="'width' parameter of symmetry"):
        symmetry(width=1)
