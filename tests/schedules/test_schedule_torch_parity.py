"""Every schedule torch.optim.lr_scheduler also has gives torch's values, step for step.

Each case runs the torch scheduler for ``STEPS`` steps and the trainlab schedule
attached to a fresh optimizer for the same steps, with a checkpoint round trip
(``torch.save`` / ``torch.load(weights_only=True)`` into new optimizer and
scheduler objects) halfway. Learning rates (and momenta, where torch cycles
them) must agree to 1e-12 at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from torch.optim import lr_scheduler as ls

from trainlab.schedules import (
    Cosine,
    Cyclical,
    Exponential,
    Join,
    Linear,
    Multiplicative,
    OneCycle,
    Piecewise,
    Polynomial,
    Power,
    Warmup,
)

from .helpers import adam, max_abs_diff, sgd, torch_trace, trainlab_trace

STEPS = 1000
TOL = 1e-12
LRS = (0.1, 0.025)  # two param groups


@dataclass
class Case:
    id: str
    make_opt: Callable
    torch_scheduler: Callable
    schedules: Callable[[], dict]  # param -> schedule or one per group
    params: tuple[str, ...] = ("lr",)


def per_group(make: Callable[[float], object]) -> list:
    return [make(lr) for lr in LRS]


def lecture_lr_poly(base_lr, it, max_iter, power):  # the Brown/NVIDIA notes, "Power scheduling: user defined"
    return base_lr * ((1 - float(it) / max_iter) ** power)


CASES = [
    Case(
        "StepLR",
        sgd(LRS),
        lambda o: ls.StepLR(o, step_size=30, gamma=0.9),
        lambda: {"lr": per_group(lambda lr: Exponential(lr, gamma=0.9, step_size=30))},
    ),
    Case(
        "MultiStepLR",
        sgd(LRS),
        lambda o: ls.MultiStepLR(o, milestones=[100, 250, 600, 601], gamma=0.3),
        lambda: {
            "lr": per_group(lambda lr: Piecewise((100, 250, 600, 601), tuple(lr * 0.3**i for i in range(5))))
        },
    ),
    Case(
        "ConstantLR",
        sgd(LRS),
        lambda o: ls.ConstantLR(o, factor=0.5, total_iters=100),
        lambda: {"lr": per_group(lambda lr: Piecewise((100,), (lr * 0.5, lr)))},
    ),
    Case(
        "ExponentialLR",
        sgd(LRS),
        lambda o: ls.ExponentialLR(o, gamma=0.995),
        lambda: {"lr": per_group(lambda lr: Exponential(lr, gamma=0.995))},
    ),
    Case(
        "PolynomialLR",
        sgd(LRS),
        lambda o: ls.PolynomialLR(o, total_iters=800, power=2.0),
        lambda: {"lr": per_group(lambda lr: Polynomial(lr, steps=800, power=2.0))},
    ),
    Case(
        "LambdaLR-seed-lr_poly",
        sgd((1.0,)),
        lambda o: ls.LambdaLR(o, lr_lambda=lambda it: lecture_lr_poly(1.0, min(it, 900), 900, 0.5)),
        lambda: {"lr": Polynomial(1.0, steps=900, power=0.5)},
    ),
    Case(
        "LinearLR-up",
        sgd(LRS),
        lambda o: ls.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=700),
        lambda: {"lr": per_group(lambda lr: Linear(lr * 0.25, lr * 1.0, steps=700))},
    ),
    Case(
        "LinearLR-down",
        sgd(LRS),
        lambda o: ls.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=900),
        lambda: {"lr": per_group(lambda lr: Linear(lr, lr * 0.1, steps=900))},
    ),
    Case(
        "MultiplicativeLR",
        sgd(LRS),
        lambda o: ls.MultiplicativeLR(o, lr_lambda=Power(1.0, beta=2e-3, alpha=0.01)),
        lambda: {"lr": per_group(lambda lr: Multiplicative(lr, Power(1.0, beta=2e-3, alpha=0.01)))},
    ),
    Case(
        "CosineAnnealingLR",
        sgd(LRS),
        lambda o: ls.CosineAnnealingLR(o, T_max=STEPS, eta_min=1e-4),
        lambda: {"lr": per_group(lambda lr: Cosine(lr, period=STEPS, end=1e-4))},
    ),
    Case(
        "CosineAnnealingWarmRestarts",
        sgd(LRS),
        lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=50, eta_min=1e-3),
        lambda: {"lr": per_group(lambda lr: Cosine(lr, period=50, end=1e-3, restarts=True))},
    ),
    Case(
        "CosineAnnealingWarmRestarts-T_mult",
        sgd(LRS),
        lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=0.0),
        lambda: {"lr": per_group(lambda lr: Cosine(lr, period=7, restarts=True, period_mult=2))},
    ),
    Case(
        "ChainedScheduler-LinearLR-Cosine",
        sgd(LRS),
        lambda o: ls.ChainedScheduler(
            [ls.LinearLR(o, start_factor=0.1, total_iters=50), ls.CosineAnnealingLR(o, T_max=STEPS)]
        ),
        lambda: {"lr": per_group(lambda lr: Warmup(Cosine(lr, period=STEPS), steps=50, start_factor=0.1))},
    ),
    Case(
        "SequentialLR-LinearLR-Cosine",
        sgd(LRS),
        lambda o: ls.SequentialLR(
            o,
            [ls.LinearLR(o, start_factor=0.1, total_iters=40), ls.CosineAnnealingLR(o, T_max=STEPS - 40)],
            milestones=[40],
        ),
        lambda: {
            "lr": per_group(lambda lr: Join((Linear(lr * 0.1, lr, steps=40), Cosine(lr, STEPS - 40)), (40,)))
        },
    ),
]

for mode, gamma in (("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.998)):
    CASES.append(
        Case(
            f"CyclicLR-{mode}",
            sgd(LRS),
            lambda o, mode=mode, gamma=gamma: ls.CyclicLR(
                o,
                base_lr=[1e-4, 1e-5],
                max_lr=[1e-3, 5e-4],
                step_size_up=40,
                step_size_down=60,
                mode=mode,
                gamma=gamma,
            ),
            lambda mode=mode, gamma=gamma: {
                "lr": [Cyclical(1e-4, 1e-3, 40, 60, mode, gamma), Cyclical(1e-5, 5e-4, 40, 60, mode, gamma)],
                "momentum": Cyclical(1e-4, 1e-3, 40, 60, mode, gamma).momentum(0.8, 0.9),
            },
            ("lr", "momentum"),
        )
    )

CASES.append(
    Case(
        "CyclicLR-adam-beta1",
        adam(LRS),
        lambda o: ls.CyclicLR(
            o, base_lr=1e-4, max_lr=1e-3, step_size_up=3, base_momentum=0.85, max_momentum=0.95
        ),
        lambda: {"lr": Cyclical(1e-4, 1e-3, 3), "beta1": Cyclical(1e-4, 1e-3, 3).momentum(0.85, 0.95)},
        ("lr", "beta1"),
    )
)

for anneal in ("cos", "linear"):
    for three_phase in (False, True):
        CASES.append(
            Case(
                f"OneCycleLR-{anneal}-{'three' if three_phase else 'two'}-phase",
                sgd(LRS),
                lambda o, a=anneal, tp=three_phase: ls.OneCycleLR(
                    o,
                    max_lr=[0.5, 0.05],
                    total_steps=STEPS,
                    pct_start=0.25,
                    anneal_strategy=a,
                    div_factor=10.0,
                    final_div_factor=100.0,
                    three_phase=tp,
                    base_momentum=0.8,
                    max_momentum=0.95,
                ),
                lambda a=anneal, tp=three_phase: {
                    "lr": [OneCycle(p, STEPS, 0.25, a, 10.0, 100.0, tp) for p in (0.5, 0.05)],
                    "momentum": OneCycle(0.5, STEPS, 0.25, a, 10.0, 100.0, tp).momentum(0.8, 0.95),
                },
                ("lr", "momentum"),
            )
        )

CASES.append(
    Case(
        "OneCycleLR-adam-beta1",
        adam(LRS),
        lambda o: ls.OneCycleLR(o, max_lr=0.01, total_steps=STEPS),
        lambda: {"lr": OneCycle(0.01, STEPS), "beta1": OneCycle(0.01, STEPS).momentum()},
        ("lr", "beta1"),
    )
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_torch_scheduler_with_a_checkpoint_midway(case: Case) -> None:
    expected = torch_trace(case.make_opt, case.torch_scheduler, STEPS, case.params)
    got = trainlab_trace(case.make_opt, case.schedules, STEPS, case.params, resume_at=STEPS // 2 + 1)
    assert len(got) == STEPS + 1
    assert len({tuple(row) for row in expected}) > 1, "the torch schedule must actually change"
    if case.id.startswith("OneCycleLR"):
        # OneCycleLR's last step is total_steps - 1: it extrapolates one step further (a linear anneal
        # goes below zero there) and raises after that. trainlab holds the last value from then on.
        assert got[STEPS] == got[STEPS - 1]
        got, expected = got[:STEPS], expected[:STEPS]
    assert max_abs_diff(got, expected) < TOL


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.id in ("OneCycleLR-cos-two-phase", "CyclicLR-exp_range")],
    ids=lambda c: c.id,
)
def test_resume_is_independent_of_loading_order(case: Case) -> None:
    """Loading the optimizer before building the scheduler (torch warns against it) still resumes exactly."""
    straight = trainlab_trace(case.make_opt, case.schedules, 300, case.params)
    resumed = trainlab_trace(
        case.make_opt, case.schedules, 300, case.params, resume_at=123, load_optimizer_first=True
    )
    assert max_abs_diff(straight, resumed) == 0.0


def test_a_wrong_schedule_is_caught() -> None:
    """The harness can fail: a cosine with another period differs from torch's."""
    case = next(c for c in CASES if c.id == "CosineAnnealingLR")
    expected = torch_trace(case.make_opt, case.torch_scheduler, 200, case.params)
    got = trainlab_trace(
        case.make_opt,
        lambda: {"lr": per_group(lambda lr: Cosine(lr, period=STEPS + 1, end=1e-4))},
        200,
        case.params,
    )
    assert max_abs_diff(got, expected) > TOL
