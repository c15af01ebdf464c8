"""Bad arguments get one clear error naming the argument, the valid range and the value given."""

from __future__ import annotations

import dataclasses
import re

import pytest
import torch

import trainlab.schedules as S
from trainlab.constraints import InvalidArgument
from trainlab.schedules import Schedule, attach

TEMPLATE = r"The '{name}' parameter of {owner} must be .+\. Got {value} instead\."


def all_schedule_classes() -> list[type]:
    found, todo = [], [Schedule]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_argument_of_every_schedule_declares_a_constraint() -> None:
    classes = all_schedule_classes() + [S.ReduceOnPlateau]
    assert len(classes) >= 14
    for cls in classes:
        init_fields = {f.name for f in dataclasses.fields(cls) if f.init}
        assert init_fields == set(cls.constraints), cls.__name__


BAD = [
    # negative rates
    (lambda: S.Constant(-0.1), "Constant", "value", "-0.1"),
    (lambda: S.Exponential(-1.0, gamma=0.5), "Exponential", "init", "-1.0"),
    (lambda: S.Exponential(0.1, rate=-0.1), "Exponential", "rate", "-0.1"),
    (lambda: S.Exponential(0.1, gamma=0.0), "Exponential", "gamma", "0.0"),
    (lambda: S.Power(-0.1, beta=0.1), "Power", "init", "-0.1"),
    (lambda: S.Power(0.1, beta=-1.0), "Power", "beta", "-1.0"),
    (lambda: S.Polynomial(0.1, 100, power=-1.0), "Polynomial", "power", "-1.0"),
    (lambda: S.Linear(0.1, -0.1, 100), "Linear", "end", "-0.1"),
    (lambda: S.Multiplicative(0.1, -0.9), "Multiplicative", "factor", "-0.9"),
    (lambda: S.Cosine(float("nan"), 100), "Cosine", "init", "nan"),
    (lambda: S.Piecewise((10,), (0.1, -0.01)), "Piecewise", "values", re.escape("(0.1, -0.01)")),
    # step sizes of zero
    (lambda: S.Exponential(0.1, gamma=0.5, step_size=0), "Exponential", "step_size", "0"),
    (lambda: S.Polynomial(0.1, 0), "Polynomial", "steps", "0"),
    (lambda: S.Cosine(0.1, 0), "Cosine", "period", "0"),
    (lambda: S.Cyclical(1e-4, 1e-3, step_size_up=0), "Cyclical", "step_size_up", "0"),
    (lambda: S.Cyclical(1e-4, 1e-3, step_size_down=0), "Cyclical", "step_size_down", "0"),
    (lambda: S.OneCycle(0.1, total_steps=0), "OneCycle", "total_steps", "0"),
    (lambda: S.Warmup(S.Constant(0.1), steps=0), "Warmup", "steps", "0"),
    (lambda: S.Cosine(0.1, 10.5), "Cosine", "period", "10.5"),
    # end before start, out of order
    (lambda: S.Cyclical(1e-3, 1e-4), "Cyclical", "peak", "0.0001"),
    (lambda: S.OneCycleMomentum(0.95, 0.85, 100), "OneCycleMomentum", "peak", "0.85"),
    (lambda: S.Piecewise((20, 10), (0.1, 0.01, 0.001)), "Piecewise", "boundaries", re.escape("(20, 10)")),
    (lambda: S.Piecewise((10, 20), (0.1, 0.01)), "Piecewise", "values", re.escape("(0.1, 0.01)")),
    (lambda: S.Join((S.Constant(1.0),), (10,)), "Join", "schedules", ".+"),
    (lambda: S.OneCycle(0.1, total_steps=100, pct_start=0.005), "OneCycle", "pct_start", "0.005"),
    (
        lambda: S.OneCycle(0.1, total_steps=100, pct_start=0.6, three_phase=True),
        "OneCycle",
        "pct_start",
        "0.6",
    ),
    (lambda: S.OneCycle(0.1, total_steps=100, pct_start=1.0), "OneCycle", "pct_start", "1.0"),
    # unknown modes and flags
    (lambda: S.Cyclical(1e-4, 1e-3, mode="triangle"), "Cyclical", "mode", "'triangle'"),
    (lambda: S.Cyclical(1e-4, 1e-3, mode="exp_range", gamma=1.5), "Cyclical", "gamma", "1.5"),
    (lambda: S.OneCycle(0.1, 100, anneal="cosine"), "OneCycle", "anneal", "'cosine'"),
    (lambda: S.Warmup(S.Constant(0.1), 10, mode="cubic"), "Warmup", "mode", "'cubic'"),
    (
        lambda: S.Warmup(S.Constant(0.1), 10, start_factor=0.0, mode="exponential"),
        "Warmup",
        "start_factor",
        "0.0",
    ),
    (lambda: S.Warmup(0.1, 10), "Warmup", "schedule", "0.1"),
    (lambda: S.Cosine(0.1, 10, restarts=1), "Cosine", "restarts", "1"),
    (lambda: S.Cosine(0.1, 10, period_mult=2), "Cosine", "period_mult", "2"),
    (lambda: S.Exponential(0.1), "Exponential", "rate", "None"),
    (lambda: S.Exponential(0.1, rate=0.1, gamma=0.9), "Exponential", "rate", "0.1"),
    (lambda: S.ReduceOnPlateau(0.1, mode="lowest"), "ReduceOnPlateau", "mode", "'lowest'"),
]


@pytest.mark.parametrize(
    "make, owner, name, value", BAD, ids=[f"{b[1]}-{b[2]}-{i}" for i, b in enumerate(BAD)]
)
def test_one_clear_error(make, owner: str, name: str, value: str) -> None:
    with pytest.raises(InvalidArgument, match=TEMPLATE.format(owner=owner, name=name, value=value)):
        make()


def test_invalid_argument_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        S.Cosine(-1.0, 10)


@pytest.mark.parametrize("step", [-1, 1.5, "3", True])
def test_a_step_is_an_int_at_least_zero(step) -> None:
    with pytest.raises(
        InvalidArgument, match=TEMPLATE.format(owner="Cosine", name="step", value=re.escape(repr(step)))
    ):
        S.Cosine(0.1, 10)(step)


def test_attach_names_a_missing_hyperparameter() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(
        InvalidArgument,
        match=r"The 'param' parameter of attach must be a hyperparameter of every "
        r"param group \(.*lr.*momentum.*\)\. Got 'beta1' instead\.",
    ):
        attach(opt, S.Constant(0.1), param="beta1")


def test_attach_checks_the_schedule_and_the_optimizer() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(
        InvalidArgument, match="'schedule' parameter of attach must be a schedule or a list of 1"
    ):
        attach(opt, [S.Constant(0.1), S.Constant(0.2)])
    with pytest.raises(InvalidArgument, match="'schedule' parameter"):
        attach(opt, 0.1)
    with pytest.raises(
        InvalidArgument, match="'optimizer' parameter of attach must be a torch.optim.Optimizer"
    ):
        attach(object(), S.Constant(0.1))
