"""Permuting hidden units and rescaling ReLU layers leave the function unchanged."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from trainlab.constraints import InvalidArgument
from trainlab.experiments.identifiability import permute_hidden, rescale_layer, run_identifiability
from trainlab.nn import MLP


def test_same_function_different_parameters(tmp_path):
    r = run_identifiability(k=3.0)
    scale = float(r.outputs["original (ReLU)"].abs().max())
    assert r.permuted <= 1e-13 * scale and r.rescaled <= 1e-13 * scale
    assert r.rescaled_tanh > 1e-3  # tanh is not positively homogeneous: the control changes
    assert r.distance["hidden units permuted"] > 1 and r.distance["ReLU layer x k, next / k"] > 1
    (path,) = r.plot(tmp_path)
    with Image.open(path) as im:
        assert im.size == (640, 480)


def test_every_hidden_layer_and_many_inputs():
    torch.manual_seed(3)
    net = MLP([4, 7, 5, 2], activation="relu").double()
    x = torch.randn(256, 4, dtype=torch.float64)
    for layer, width in ((0, 7), (1, 5)):
        perm = torch.randperm(width)
        assert not torch.equal(perm, torch.arange(width))
        for other in (permute_hidden(net, layer, perm), rescale_layer(net, layer, 0.25)):
            torch.testing.assert_close(other(x), net(x), rtol=1e-12, atol=1e-12)
    # a wrong pairing (rows permuted, columns not) is a different function
    broken = permute_hidden(net, 0, torch.tensor([1, 0, 2, 3, 4, 5, 6]))
    with torch.no_grad():
        broken.linears()[1].weight.copy_(net.linears()[1].weight)
    assert (broken(x) - net(x)).abs().max() > 1e-3


def test_bad_arguments():
    net = MLP([2, 3, 1]).double()
    with pytest.raises(InvalidArgument, match="'k'"):
        rescale_layer(net, 0, 0.0)
    with pytest.raises(InvalidArgument, match="'layer'"):
        rescale_layer(net, 1, 2.0)
    with pytest.raises(InvalidArgument, match="'perm'"):
        permute_hidden(net, 0, torch.tensor([0, 0, 1]))
