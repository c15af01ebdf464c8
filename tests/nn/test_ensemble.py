"""``Ensemble``: averaging against a float64 NumPy reference, and the stacked training forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.nn.ensemble import Ensemble


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def members(float64):
    torch.manual_seed(0)
    return [MLP([4, 6, 3]) for _ in range(3)]


def test_probabilities_average_the_members_softmax(members):
    x = torch.randn(10, 4)
    outs = [m(x).detach().numpy() for m in members]
    expected = np.mean([softmax(o) for o in outs], axis=0)
    ens = Ensemble(members, combine="probabilities").eval()
    got = ens(x).detach()
    np.testing.assert_allclose(got.exp().numpy(), expected, rtol=1e-12)
    loss = torch.nn.functional.cross_entropy(got, torch.arange(10) % 3).item()
    assert loss == pytest.approx(-np.mean(np.log(expected[np.arange(10), np.arange(10) % 3])), rel=1e-12)


def test_mean_averages_the_outputs(members):
    x = torch.randn(5, 4)
    expected = np.mean([m(x).detach().numpy() for m in members], axis=0)
    np.testing.assert_allclose(Ensemble(members, "mean")(x).detach().numpy(), expected, rtol=1e-12)


def test_stacked_training_forward_gives_each_member_its_own_gradient(members):
    ens = Ensemble(members, "mean").train()
    x, y = torch.randn(3, 7, 4), torch.randn(3 * 7, 3)
    out = ens(x)
    assert out.shape == (21, 3)
    torch.testing.assert_close(out[7:14], members[1](x[1]))
    torch.nn.functional.mse_loss(out, y).backward()
    alone = MLP([4, 6, 3])
    alone.load_state_dict(members[2].state_dict())
    torch.nn.functional.mse_loss(alone(x[2]), y[14:]).backward()
    for a, b in zip(alone.parameters(), members[2].parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-12, atol=1e-14)


def test_bad_arguments_are_named():
    with pytest.raises(InvalidArgument, match="'members' parameter of Ensemble"):
        Ensemble([])
    with pytest.raises(InvalidArgument, match="'combine' parameter of Ensemble"):
        Ensemble([torch.nn.Linear(1, 1)], combine="vote")
