"""One row per first-order optimizer: how to build it, sample arguments, torch's twin, bad inputs.

The generic tests (parity with torch.optim, state_dict round trips, errors,
convergence, maximize, deepcopy) are all driven by these rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

import trainlab.optim as tl


@dataclass(frozen=True)
class Row:
    name: str
    cls: type
    samples: tuple[dict[str, Any], ...]
    torch_cls: type | None = None
    invalid: tuple[tuple[dict[str, Any], str], ...] = field(default_factory=tuple)

    def build(self, params, **kwargs):
        return self.cls(params, **kwargs)


_LR = ({"lr": -1.0}, "The 'lr' parameter of {cls} must be a float in the range [0, inf). Got -1.0 instead.")
_WD = ({"weight_decay": -0.1}, "'weight_decay' parameter of {cls} must be a float in the range [0, inf)")
_EPS = ({"eps": -1e-8}, "'eps' parameter of {cls} must be a float in the range [0, inf)")
_BETA1 = ({"betas": (1.0, 0.999)}, "'betas' parameter of {cls} must be a pair of values, each a float in the range [0, 1)")
_BETA2 = ({"betas": (0.9, -0.1)}, "'betas' parameter of {cls}")
_ADAM_BAD = (_LR, _WD, _EPS, _BETA1, _BETA2)

ROWS = (
    Row("SGD", tl.SGD, (
        {"lr": 0.05},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
        {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.02, "momentum": 0.5, "maximize": True},
    ), torch.optim.SGD, (
        _LR, _WD,
        ({"momentum": -0.5}, "'momentum' parameter of SGD must be a float in the range [0, inf). Got -0.5"),
        ({"nesterov": True}, "'nesterov' parameter of SGD must be False unless momentum > 0 and dampening = 0"),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "unless momentum > 0 and dampening = 0"),
        ({"nesterov": 1}, "'nesterov' parameter of SGD must be a bool. Got 1 instead."),
    )),
    Row("Adagrad", tl.Adagrad, (
        {"lr": 0.05},
        {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-6},
        {"lr": 0.05, "maximize": True},
    ), torch.optim.Adagrad, (
        _LR, _WD, _EPS,
        ({"lr_decay": -1.0}, "'lr_decay' parameter of Adagrad"),
        ({"initial_accumulator_value": -1.0}, "'initial_accumulator_value' parameter of Adagrad"),
    )),
    Row("RMSprop", tl.RMSprop, (
        {"lr": 0.005},
        {"lr": 0.002, "alpha": 0.9, "momentum": 0.9, "centered": True, "weight_decay": 0.01},
        {"lr": 0.002, "momentum": 0.5, "maximize": True},
    ), torch.optim.RMSprop, (
        _LR, _WD, _EPS,
        ({"alpha": 1.5}, "'alpha' parameter of RMSprop must be a float in the range [0, 1]. Got 1.5 instead."),
        ({"nesterov": True}, "'nesterov' parameter of RMSprop must be False unless momentum > 0"),
    )),
    Row("Adadelta", tl.Adadelta, (
        {"lr": 1.0},
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.01},
        {"lr": 1.0, "maximize": True},
    ), torch.optim.Adadelta, (
        _LR, _WD, _EPS,
        ({"rho": 1.1}, "'rho' parameter of Adadelta must be a float in the range [0, 1]. Got 1.1 instead."),
    )),
    Row("Adam", tl.Adam, (
        {"lr": 0.005},
        {"lr": 0.005, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01},
        {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.005, "maximize": True},
    ), torch.optim.Adam, _ADAM_BAD + (({"amsgrad": "yes"}, "'amsgrad' parameter of Adam must be a bool"),)),
    Row("AdamW", tl.AdamW, (
        {"lr": 0.005},
        {"lr": 0.005, "weight_decay": 0.1, "amsgrad": True},
    ), torch.optim.AdamW, _ADAM_BAD),
    Row("Adamax", tl.Adamax, (
        {"lr": 0.005},
        {"lr": 0.005, "betas": (0.8, 0.99), "weight_decay": 0.01},
        {"lr": 0.005, "maximize": True},
    ), torch.optim.Adamax, _ADAM_BAD),
    Row("NAdam", tl.NAdam, (
        {"lr": 0.002},
        {"lr": 0.002, "weight_decay": 0.01, "momentum_decay": 0.01},
        {"lr": 0.002, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.002, "maximize": True},
    ), torch.optim.NAdam, _ADAM_BAD + (
        ({"momentum_decay": -1.0}, "'momentum_decay' parameter of NAdam"),
        ({"variant": "keras"}, "'variant' parameter of NAdam must be one of {'torch', 'dozat'}. Got 'keras' instead."),
    )),
    Row("RAdam", tl.RAdam, (
        {"lr": 0.005},
        {"lr": 0.005, "weight_decay": 0.01},
        {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.005, "maximize": True},
    ), torch.optim.RAdam, _ADAM_BAD),
    Row("ASGD", tl.ASGD, (
        {"lr": 0.05},
        {"lr": 0.05, "lambd": 1e-3, "alpha": 0.5, "t0": 30, "weight_decay": 0.01},
        {"lr": 0.05, "t0": 10, "maximize": True},
    ), torch.optim.ASGD, (
        _LR, _WD, ({"lambd": -1.0}, "'lambd' parameter of ASGD"), ({"t0": -5}, "'t0' parameter of ASGD"),
    )),
    Row("AdaBound", tl.AdaBound, (
        {"lr": 0.005},
        {"lr": 0.005, "final_lr": 0.05, "gamma": 1e-2, "weight_decay": 0.01, "amsbound": True},
    ), None, _ADAM_BAD[:4] + (
        ({"gamma": 1.0}, "'gamma' parameter of AdaBound must be a float in the range [0, 1). Got 1.0 instead."),
        ({"final_lr": -0.1}, "'final_lr' parameter of AdaBound"),
    )),
    Row("Momentum", tl.Momentum, (
        {"lr": 0.02, "momentum": 0.9},
        {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ), None, (_LR, ({"momentum": -1.0}, "'momentum' parameter of Momentum"))),
    Row("GradientControlled", tl.GradientControlled, (
        {"lr": 0.1, "control": 0.5},
        {"lr": 0.1, "control": 0.5, "inverse": True},
    ), None, (_LR, ({"control": -1.0}, "'control' parameter of GradientControlled"))),
    Row("DecayingGD", tl.DecayingGD, (
        {"lr": 0.1, "decay": 0.99},
    ), None, (_LR, ({"decay": 1.5}, "'decay' parameter of DecayingGD must be a float in the range [0, 1]"))),
)

TORCH_ROWS = tuple(r for r in ROWS if r.torch_cls is not None)


def samples(rows=ROWS):
    """(row, kwargs) pairs with readable ids for pytest parametrization."""
    out = []
    for r in rows:
        for i, kw in enumerate(r.samples):
            out.append(pytest_param(r, kw, f"{r.name}-{i}"))
    return out


def invalid_cases(rows=ROWS):
    out = []
    for r in rows:
        for i, (kw, msg) in enumerate(r.invalid):
            out.append(pytest_param(r, (kw, msg.replace("{cls}", r.name)), f"{r.name}-bad{i}"))
    return out


def pytest_param(row, value, id_):
    import pytest

    return pytest.param(row, value, id=id_)
