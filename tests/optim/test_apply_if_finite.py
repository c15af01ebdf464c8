"""``ApplyIfFinite``: a step with a NaN or inf gradient is skipped exactly, counted, and given up on.

The reference is the wrapped optimizer itself fed only the finite gradients (a
skipped step must leave parameters and optimizer state as if it never happened),
and optax's rule for giving up: more than ``max_consecutive_errors`` non-finite
steps in a row apply the update anyway.
"""

from __future__ import annotations

import math

import pytest
import torch

import trainlab.optim as optim
from trainlab.constraints import InvalidArgument
from trainlab.optim import ApplyIfFinite

NAN, INF = math.nan, math.inf
GRADS = [[1.0, -2.0], [NAN, 1.0], [0.5, 0.5], [INF, 0.0], [-1.0, -INF], [2.0, 1.0], [0.1, -0.3]]

MAKERS = {
    "trainlab-Adam": lambda ps: optim.Adam(ps, lr=0.1),
    "trainlab-SGD-momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "torch-Adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
    "torch-RMSprop": lambda ps: torch.optim.RMSprop(ps, lr=0.1),
}


def run(make, grads, wrap):
    w = torch.nn.Parameter(torch.tensor([1.0, -1.0], dtype=torch.float64))
    opt = ApplyIfFinite(make([w]), max_consecutive_errors=10) if wrap else make([w])
    for g in grads:
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return w.detach().clone(), opt


@pytest.mark.parametrize("name", MAKERS)
def test_skipped_steps_leave_no_trace(name):
    finite = [g for g in GRADS if all(math.isfinite(v) for v in g)]
    wrapped, opt = run(MAKERS[name], GRADS, wrap=True)
    plain, _ = run(MAKERS[name], finite, wrap=False)
    assert torch.equal(wrapped, plain)
    assert opt.skipped == 3 and opt.consecutive_errors == 0 and opt.last_finite


def test_the_streak_counts_and_resets():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = ApplyIfFinite(torch.optim.SGD([w], lr=1.0), max_consecutive_errors=5)
    streaks = []
    for g in (NAN, NAN, 1.0, INF, -INF):
        w.grad = torch.tensor([g])
        opt.step()
        streaks.append((opt.consecutive_errors, opt.skipped, opt.last_finite))
    assert streaks == [(1, 1, False), (2, 2, False), (0, 2, True), (1, 3, False), (2, 4, False)]
    assert w.item() == -1.0


@pytest.mark.parametrize("max_errors", [0, 1, 3])
def test_more_than_max_consecutive_errors_applies_the_update_as_optax_does(max_errors):
    w = torch.nn.Parameter(torch.zeros(1))
    opt = ApplyIfFinite(torch.optim.SGD([w], lr=1.0), max_consecutive_errors=max_errors)
    for _ in range(max_errors):
        w.grad = torch.tensor([NAN])
        opt.step()
        assert w.item() == 0.0
    w.grad = torch.tensor([NAN])
    opt.step()
    assert math.isnan(w.item()) and opt.skipped == max_errors


def test_a_closure_is_checked_before_the_wrapped_optimizer_runs_it():
    w = torch.nn.Parameter(torch.tensor([2.0]))
    opt = ApplyIfFinite(optim.LBFGS([w], lr=1.0), max_consecutive_errors=3)
    poisoned = {"on": True}

    def closure():
        opt.zero_grad()
        loss = (w - 1.0).pow(2).sum() * (NAN if poisoned["on"] else 1.0)
        loss.backward()
        return loss

    opt.step(closure)
    assert w.item() == 2.0 and opt.skipped == 1
    poisoned["on"] = False
    opt.step(closure)
    assert w.item() == pytest.approx(1.0, abs=1e-5)


def test_state_dict_round_trip_and_schedulers_drive_the_inner_rate():
    w = torch.nn.Parameter(torch.ones(2))
    opt = ApplyIfFinite(optim.Adam([w], lr=0.1))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for g in ([1.0, 1.0], [NAN, 0.0]):
        w.grad = torch.tensor(g)
        opt.step()
        sched.step()
    assert opt.optimizer.param_groups[0]["lr"] == 0.025
    state = opt.state_dict()
    again = ApplyIfFinite(optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=0.1))
    again.load_state_dict(state)
    assert (again.skipped, again.consecutive_errors, again.last_finite) == (1, 1, False)
    assert again.param_groups[0]["lr"] == 0.025


@pytest.mark.parametrize("bad", [-1, 1.5, None, True])
def test_a_bad_max_consecutive_errors_names_the_argument(bad):
    with pytest.raises(InvalidArgument, match="'max_consecutive_errors' parameter of ApplyIfFinite"):
        ApplyIfFinite(torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1), bad)


def test_only_an_optimizer_can_be_wrapped():
    with pytest.raises(TypeError, match="wraps a torch.optim.Optimizer"):
        ApplyIfFinite([torch.nn.Parameter(torch.ones(1))])
