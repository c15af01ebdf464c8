"""``attach``: a torch ``LRScheduler`` over any hyperparameter, for torch and trainlab optimizers."""

from __future__ import annotations

import pytest
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LRScheduler, OneCycleLR

import trainlab.optim as tl
from trainlab.schedules import Constant, Cosine, Exponential, Linear, OneCycle, attach
from tests.helpers import roundtrip



def problem(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 5, generator=g, dtype=torch.float64)
    y = torch.sin(X.sum(1, keepdim=True))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    return model, X, y


def train(model, opt, scheds, X, y, steps: int) -> None:
    """A loop written for torch schedulers: it only knows the LRScheduler interface."""
    for s in scheds:
        assert isinstance(s, LRScheduler)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(X), y).backward()
        opt.step()
        for s in scheds:
            s.step()


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
        lambda p: tl.SGD(p, lr=0.05, momentum=0.9),
    ],
    ids=["torch-SGD", "trainlab-SGD"],
)
def test_training_with_attach_equals_training_with_torch_schedulers(make_opt) -> None:
    """Same weights after 150 steps of one-cycle (lr and momentum) as torch's OneCycleLR on torch's SGD."""
    ref_model, X, y = problem()
    ref_opt = torch.optim.SGD(ref_model.parameters(), lr=0.05, momentum=0.9)
    train(ref_model, ref_opt, [OneCycleLR(ref_opt, max_lr=0.2, total_steps=150)], X, y, 150)

    model, X, y = problem()
    opt = make_opt(model.parameters())
    lr = OneCycle(0.2, total_steps=150)
    train(model, opt, [attach(opt, lr), attach(opt, lr.momentum(), param="momentum")], X, y, 150)
    for p, q in zip(model.parameters(), ref_model.parameters(), strict=True):
        assert torch.allclose(p, q, rtol=0, atol=1e-12)


def test_trainlab_adam_betas_and_weight_decay_follow_their_schedules() -> None:
    model, X, y = problem()
    opt = tl.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    wd, b2 = Linear(0.1, 0.0, steps=50), Linear(0.9, 0.999, steps=50)
    scheds = [attach(opt, wd, param="weight_decay"), attach(opt, b2, param="beta2")]
    train(model, opt, scheds, X, y, 40)
    group = opt.param_groups[0]
    assert group["weight_decay"] == wd(40) and group["betas"] == (0.9, b2(40))
    assert scheds[1].get_last_lr() == [b2(40)]


def test_construction_applies_step_zero_and_step_advances() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=123.0)
    s = attach(opt, Cosine(0.1, period=10))
    assert opt.param_groups[0]["lr"] == 0.1 and s.last_epoch == 0 and s.get_last_lr() == [0.1]
    for t in range(1, 15):
        opt.step()
        s.step()
        assert opt.param_groups[0]["lr"] == Cosine(0.1, period=10)(t) == s.get_last_lr()[0]
    s.step(3)  # torch's deprecated epoch argument: jump to a step
    assert opt.param_groups[0]["lr"] == Cosine(0.1, period=10)(3)


def test_one_schedule_per_param_group() -> None:
    a, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    attach(opt, [Constant(0.1), Constant(0.01)])
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]


def test_tensor_learning_rates_are_filled_in_place() -> None:
    lr = torch.tensor(0.1, dtype=torch.float64)
    opt = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=lr)
    s = attach(opt, Exponential(0.1, gamma=0.5))
    opt.step()
    s.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == 0.05


def test_state_dict_is_plain_and_round_trips_into_fresh_objects() -> None:
    def fresh():
        o = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        return o, attach(o, Cosine(0.1, period=100))

    opt, sched = fresh()
    for _ in range(37):
        opt.step()
        sched.step()
    state = roundtrip(sched.state_dict())  # weights_only: no code runs, so only plain values fit
    assert state["last_epoch"] == 37 and state["param"] == "lr"
    opt2, sched2 = fresh()
    sched2.load_state_dict(state)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for _ in range(20):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == Cosine(0.1, period=100)(57)


def test_loading_a_state_of_another_hyperparameter_is_refused() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    state = attach(opt, Constant(0.9), param="momentum").state_dict()
    with pytest.raises(ValueError, match="'state_dict' parameter"):
        attach(opt, Constant(0.1)).load_state_dict(state)


def test_works_beside_a_torch_scheduler_on_another_hyperparameter() -> None:
    """torch drives lr, trainlab drives momentum: neither disturbs the other."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    torch_sched = CosineAnnealingLR(opt, T_max=50)
    mom = Linear(0.5, 0.95, steps=50)
    ours = attach(opt, mom, param="momentum")
    for t in range(1, 51):
        opt.step()
        torch_sched.step()
        ours.step()
        assert opt.param_groups[0]["momentum"] == mom(t)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-15)
