"""Per-layer activation and back-propagated gradient statistics."""

import pytest
import torch
from torch.nn import functional as F

from trainlab.constraints import InvalidArgument
from trainlab.experiments.layer_statistics import layer_statistics, layer_study, variance_by_depth
from trainlab.nn import MLP


def test_statistics_match_a_hand_written_forward_and_backward_pass():
    torch.manual_seed(0)
    net = MLP([3, 5, 4, 2], "tanh").double()
    x, y = torch.randn(16, 3, dtype=torch.float64), torch.randint(0, 2, (16,))
    stats = layer_statistics(net, x, y)
    w1, w2, w3 = (layer.weight for layer in net.linears())
    b1, b2, b3 = (layer.bias for layer in net.linears())
    z1 = x @ w1.T + b1
    h1 = torch.tanh(z1)
    z2 = h1 @ w2.T + b2
    h2 = torch.tanh(z2)
    loss = F.cross_entropy(h2 @ w3.T + b3, y, reduction="sum")
    g1, g2 = torch.autograd.grad(loss, (z1, z2))
    for s, h, g in zip(stats, (h1, h2), (g1, g2), strict=True):
        assert s.activation_mean == pytest.approx(h.mean().item(), rel=1e-12)
        assert s.activation_var == pytest.approx(h.var().item(), rel=1e-12)
        assert s.gradient_var == pytest.approx(g.var().item(), rel=1e-12)
        assert s.gradient_mean == pytest.approx(g.mean().item(), rel=1e-10, abs=1e-15)
    assert all(p.grad is None for p in net.parameters())


def test_he_keeps_relu_variance_flat_and_normal_explodes():
    p = variance_by_depth(("he", "normal"), "relu", depth=12, width=128, samples=256)
    he = p.activation_var["he"]
    assert max(he) / min(he) < 4
    # N(0, 1) weights multiply a ReLU layer's variance by width / 2 = 64: 64^11 ~ 7e19
    assert p.activation_var["normal"][-1] / p.activation_var["normal"][0] > 1e15
    assert max(p.gradient_var["he"]) / min(p.gradient_var["he"]) < 4


def test_study_shows_sigmoid_saturating_with_normal_init():
    """Width 100, N(0, 1): the top layer's pre-activations have sd ~ sqrt(100 E[s^2]) ~ 5.4, so about
    60% of its sigmoids sit below 0.05 or above 0.95; Xavier's sd ~ 0.8 leaves almost none there."""
    study = layer_study(inits=("normal", "xavier_normal"), activations=("sigmoid",), depth=3, width=100, steps=2)

    def saturated(scheme):
        top = study.stats[(scheme, "sigmoid")]["init"][-1].activations
        return ((top < 0.05) | (top > 0.95)).float().mean().item()

    assert saturated("normal") > 0.4 > 0.05 > saturated("xavier_normal")
    assert len(study.table()) == 2 * 2 * 3


def test_bad_input():
    with pytest.raises(InvalidArgument, match="'loss' parameter of layer_statistics"):
        layer_statistics(MLP([1, 2, 1]), torch.zeros(2, 1), torch.zeros(2, 1), loss="huber")
    with pytest.raises(InvalidArgument, match="Unknown activation"):
        variance_by_depth(activation="rleu")
