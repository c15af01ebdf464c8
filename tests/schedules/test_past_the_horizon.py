"""Past its horizon every schedule holds its final value and stays in [0, its largest value].

One-cycle's linear anneal used to extrapolate below zero at ``total_steps``
(``onecycle(0.1, 1000, anneal="linear")(1000) = -1.4e-4``) and its cosine anneal
to climb back above its minimum (``9.0e-7`` instead of ``4e-7``); a Trainer run
past the end then held that rate. Growing schedules saturate at ``inf``.
"""

from __future__ import annotations

import math

import pytest
import torch

from trainlab.schedules import Cosine, Exponential, Linear, Multiplicative, OneCycle, Polynomial, registry
from trainlab.train import ScheduleCallback, Trainer

LATE = (1000, 1001, 5000, 10**6, 10**9)
ENTRIES = [registry.get(n) for n in registry.names()]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_every_registered_schedule_stays_within_zero_and_its_largest_value(entry):
    schedule = registry.build(entry.name)
    largest = max(schedule(t) for t in range(0, 3000))
    for t in LATE:
        assert 0.0 <= schedule(t) <= largest, f"{schedule!r}({t}) = {schedule(t)!r}"


HORIZON = [
    (OneCycle(0.1, 1000, anneal="linear"), 999),
    (OneCycle(0.1, 1000, anneal="cos"), 999),
    (OneCycle(0.1, 1000, anneal="linear", three_phase=True), 999),
    (OneCycle(0.1, 1000, three_phase=True), 999),
    (OneCycle(0.1, 1000).momentum(), 999),
    (Cosine(0.1, 1000, end=1e-3), 1000),
    (Polynomial(0.1, 1000, power=2.0), 1000),
    (Linear(0.8, 0.0, 1000), 1000),
]


@pytest.mark.parametrize(("schedule", "last"), HORIZON, ids=repr)
def test_a_schedule_with_a_horizon_holds_its_final_value(schedule, last):
    final = schedule(last)
    assert all(schedule(t) == final for t in (last + 1, last + 2, 5000, 10**9))


@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_ends_at_its_minimum_as_torch_does(anneal):
    """torch's ``OneCycleLR`` gives the minimum at its last step (it refuses the step after)."""
    schedule = OneCycle(0.1, 1000, anneal=anneal)
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=1000, anneal_strategy=anneal,
                                                cycle_momentum=False)
    for _ in range(999):
        opt.step()
        sched.step()
    assert schedule(999) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=1e-18)
    assert schedule(1000) == pytest.approx(schedule.minimum, rel=1e-9)


@pytest.mark.parametrize("schedule", [Exponential(0.1, gamma=2.0), Multiplicative(0.1, 2.0),
                                      Multiplicative(0.1, lambda k: 2.0)],
                         ids=["exponential", "multiplicative", "multiplicative-callable"])
def test_a_growing_schedule_saturates_at_infinity(schedule):
    assert schedule(100) == 0.1 * 2.0**100
    assert schedule(10**4) == math.inf


def test_a_growing_schedule_from_zero_stays_zero():
    assert Exponential(0.0, gamma=2.0)(10**4) == 0.0 and Multiplicative(0.0, 2.0)(10**4) == 0.0


def test_the_trainer_holds_the_final_one_cycle_rate_past_the_end():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    data = (x, x.sum(1, keepdim=True))
    model = torch.nn.Linear(3, 1)
    schedule = OneCycle(0.05, 40, anneal="linear")
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), epochs=30, batch_size=16,
                      callbacks=[ScheduleCallback(schedule)]).fit(data)
    lrs = history["lr"]
    assert len(lrs) == 120 and min(lrs) >= 0
    assert lrs[40:] == [schedule(39)] * 80
