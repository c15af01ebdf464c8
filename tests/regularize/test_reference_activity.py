"""Toward-reference and tying penalties, hard sharing, and the activity L1 penalty."""

from __future__ import annotations

import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.regularize import ActivityL1, Tie, ToReference, activation_sparsity, share_parameters
from trainlab.train import Trainer


def net(seed=0, hidden=4):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)).double()


def test_to_reference_value_and_gradient_are_alpha_times_the_difference():
    model, ref = net(0), net(1)
    penalty = ToReference(ref, 0.7)
    value = penalty(model)
    value.backward()
    diffs = [(p - q).detach() for (n, p), q in zip(model.named_parameters(), ref.parameters(), strict=True)
             if n.endswith("weight")]
    torch.testing.assert_close(value.detach(), 0.35 * sum(d.pow(2).sum() for d in diffs))
    torch.testing.assert_close(model[0].weight.grad, 0.7 * diffs[0])
    assert model[0].bias.grad is None  # biases are left out by default


def test_to_reference_holds_a_model_near_its_reference_while_it_fits():
    x = torch.randn(32, 3, dtype=torch.float64)
    y = torch.sin(x.sum(1, keepdim=True))
    ref = net(1)
    distance = {}
    for alpha in (0.0, 10.0):
        model = net(1)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        Trainer(model, opt, epochs=100, eval_train=False, penalty=ToReference(ref, alpha)).fit((x, y))
        pairs = zip(model.parameters(), ref.parameters(), strict=True)
        distance[alpha] = sum(float((p - q).detach().pow(2).sum()) for p, q in pairs)
    assert distance[10.0] < 0.2 * distance[0.0]


def test_a_reference_of_another_shape_is_one_error_naming_reference():
    with pytest.raises(InvalidArgument, match=r"'reference' parameter of ToReference .*0\.weight: \(4, 3\).*"
                                              r"Got '0\.weight: \(5, 3\)'"):
        ToReference(net(hidden=5), 1.0)(net(hidden=4))


def test_tie_penalizes_the_difference_and_refuses_other_shapes():
    a, b = torch.nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    value = Tie(a, b, 2.0)(None)
    expected = (a.weight - b.weight).pow(2).sum() + (a.bias - b.bias).pow(2).sum()
    torch.testing.assert_close(value, expected)
    with pytest.raises(InvalidArgument, match="'b' parameter of Tie"):
        Tie(a, torch.nn.Linear(2, 2), 1.0)
    with pytest.raises(InvalidArgument, match="'strength' parameter of Tie"):
        Tie(a, b, -1.0)


def test_soft_tying_pulls_two_branches_together_and_hard_sharing_makes_them_one():
    x, y = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 1, dtype=torch.float64)

    class TwoBranches(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.left, self.right = torch.nn.Linear(3, 1).double(), torch.nn.Linear(3, 1).double()

        def forward(self, v):
            return self.left(v) + self.right(v)

    gaps = []
    for alpha in (0.0, 5.0):
        torch.manual_seed(0)
        m = TwoBranches()
        Trainer(m, torch.optim.SGD(m.parameters(), lr=0.05), epochs=100, eval_train=False,
                penalty=Tie(m.left, m.right, alpha)).fit((x, y))
        gaps.append(float((m.left.weight - m.right.weight).detach().norm()))
    assert gaps[1] < 0.05 * gaps[0]
    m = TwoBranches()
    share_parameters(m.right, m.left)
    assert m.right.weight is m.left.weight and len(list(m.parameters())) == 2
    torch.nn.functional.mse_loss(m(x), y).backward()
    expected = torch.autograd.grad(torch.nn.functional.mse_loss(2 * m.left(x), y), m.left.weight)[0]
    torch.testing.assert_close(m.left.weight.grad, expected)  # both uses add up in one gradient
    with pytest.raises(InvalidArgument, match="'module' parameter of share_parameters"):
        share_parameters(torch.nn.Linear(2, 1), m.left)


def test_activity_l1_is_the_mean_l1_norm_of_the_chosen_outputs_and_makes_them_sparser():
    torch.manual_seed(0)
    x = torch.randn(64, 3, dtype=torch.float64)
    y = x[:, :1] - x[:, 1:2]
    model = net(0, hidden=32)
    act = ActivityL1(model, ["1"], 0.5)
    model(x)
    torch.testing.assert_close(act(model), 0.5 * torch.relu(model[0](x)).abs().sum() / 64)
    act.remove()
    sparsity = {}
    for alpha in (0.0, 0.05):
        model = net(0, hidden=32)
        penalty = ActivityL1(model, [model[1]], alpha)
        Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=150, eval_train=False,
                penalty=penalty).fit((x, y))
        sparsity[alpha] = activation_sparsity(model, ["1"], x)
    assert sparsity[0.05] > sparsity[0.0] + 0.2
    with pytest.raises(InvalidArgument, match="'layers' parameter of ActivityL1"):
        ActivityL1(model, ["nosuch"], 0.1)
