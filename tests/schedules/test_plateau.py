"""ReduceOnPlateau against torch's ReduceLROnPlateau, fed the same metric sequence."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

from trainlab.constraints import InvalidArgument
from trainlab.schedules import ReduceOnPlateau, attach

from .helpers import max_abs_diff, sgd, torch_trace, trainlab_trace
from tests.helpers import roundtrip

STEPS = 1200
LRS = (0.1, 0.02)


def metric_sequence(seed: int, steps: int = STEPS) -> list[float]:
    """A validation-loss-like curve: improving stretches, flat plateaus, tiny gains, repeats and spikes."""
    rng = np.random.default_rng(seed)
    values, m = [], 1.0
    while len(values) < steps:
        kind = rng.integers(4)
        for _ in range(int(rng.integers(3, 40))):
            if kind == 0:
                m *= 1 - rng.uniform(0.005, 0.05)  # clear improvement
            elif kind == 1:
                m *= 1 + rng.normal(0, 1e-5)  # plateau (below any threshold)
            elif kind == 2:
                m *= 1 - rng.uniform(0, 2e-4)  # gains around the threshold
            values.append(m * (1.5 if kind == 3 and rng.random() < 0.2 else 1.0))  # spikes
    values[100:110] = [values[99]] * 10  # exact repeats
    return values[:steps]


CONFIGS = [
    dict(mode="min", threshold_mode="rel", threshold=1e-3, patience=5, cooldown=3, factor=0.5, min_lr=1e-4),
    dict(mode="min", threshold_mode="abs", threshold=0.0, patience=10, cooldown=10, factor=0.1, min_lr=0.0),
    dict(mode="min", threshold_mode="rel", threshold=1e-4, patience=0, cooldown=0, factor=0.9, min_lr=1e-3),
    dict(mode="max", threshold_mode="rel", threshold=1e-4, patience=3, cooldown=2, factor=0.5, min_lr=1e-5),
    dict(
        mode="max",
        threshold_mode="abs",
        threshold=1e-3,
        patience=7,
        cooldown=0,
        factor=0.7,
        min_lr=[1e-3, 2e-4],
    ),
]


@pytest.mark.parametrize(
    "config", CONFIGS, ids=lambda c: f"{c['mode']}-{c['threshold_mode']}-p{c['patience']}"
)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_torch_reduce_lr_on_plateau(config: dict, seed: int) -> None:
    metrics = metric_sequence(seed)
    if config["mode"] == "max":
        metrics = [1.0 / m for m in metrics]  # an accuracy-like curve that rises and stalls
    min_lrs = config["min_lr"] if isinstance(config["min_lr"], list) else [config["min_lr"]] * len(LRS)
    ours = {k: v for k, v in config.items() if k != "min_lr"}

    def schedules() -> dict:
        return {"lr": [ReduceOnPlateau(lr, min_lr=m, **ours) for lr, m in zip(LRS, min_lrs, strict=True)]}

    expected = torch_trace(sgd(LRS), lambda o: ReduceLROnPlateau(o, **config), STEPS, ["lr"], metrics)
    got = trainlab_trace(sgd(LRS), schedules, STEPS, ["lr"], metrics, resume_at=STEPS // 2 + 7)
    assert len({row[0] for row in expected}) >= 3, "the metric sequence must trigger several reductions"
    assert max_abs_diff(got, expected) < 1e-12


def test_cooldown_and_min_lr_bind() -> None:
    """The sequence makes cooldown and min_lr matter: changing either changes torch's result."""
    metrics = metric_sequence(0)
    base = CONFIGS[0]
    runs = {}
    for name, cfg in {
        "base": base,
        "no-cooldown": {**base, "cooldown": 0},
        "no-floor": {**base, "min_lr": 0.0},
    }.items():
        runs[name] = torch_trace(sgd(LRS), lambda o, c=cfg: ReduceLROnPlateau(o, **c), STEPS, ["lr"], metrics)
    assert max_abs_diff(runs["base"], runs["no-cooldown"]) > 0
    assert max_abs_diff(runs["base"], runs["no-floor"]) > 0
    assert min(row[0] for row in runs["base"]) == base["min_lr"]


def test_one_shared_plateau_is_fed_once_per_step() -> None:
    opt = sgd(LRS)()
    plateau = ReduceOnPlateau(0.1, patience=0, factor=0.5)
    sched = attach(opt, plateau)  # one schedule for both groups
    for m in (1.0, 2.0, 3.0):
        sched.step(m)
    assert plateau.updates == 3
    assert [g["lr"] for g in opt.param_groups] == [0.025, 0.025]


def test_is_a_reduce_lr_on_plateau_and_needs_the_metric() -> None:
    opt = sgd()()
    sched = attach(opt, ReduceOnPlateau(0.1))
    assert isinstance(sched, ReduceLROnPlateau)
    with pytest.raises(TypeError, match="monitored metric"):
        sched.step()


def test_state_dict_is_plain_and_round_trips() -> None:
    s = ReduceOnPlateau(0.1, patience=1, factor=0.5, cooldown=2)
    for m in (1.0, 1.0, 1.0, 0.5, 0.5):
        s.update(m)
    t = ReduceOnPlateau(0.1, patience=1, factor=0.5, cooldown=2)
    t.load_state_dict(roundtrip(s.state_dict()))
    assert t.state_dict() == s.state_dict()
    assert [s.update(m) for m in (0.5,) * 6] == [t.update(m) for m in (0.5,) * 6]


@pytest.mark.parametrize(
    "name, value",
    [
        ("factor", 1.0),
        ("factor", -0.1),
        ("patience", -1),
        ("mode", "mean"),
        ("threshold_mode", "relative"),
        ("cooldown", 1.5),
        ("min_lr", -1e-3),
    ],
)
def test_invalid_arguments(name: str, value: object) -> None:
    with pytest.raises(InvalidArgument, match=f"'{name}' parameter of ReduceOnPlateau must be"):
        ReduceOnPlateau(0.1, **{name: value})


def test_torch_scheduler_drives_a_trainlab_optimizer_the_same() -> None:
    """The metric-driven scheduler works on trainlab optimizers too."""
    from trainlab.optim import SGD

    metrics = metric_sequence(3, 200)
    opt = SGD([torch.zeros(2, dtype=torch.float64, requires_grad=True)], lr=0.1)
    sched = attach(opt, ReduceOnPlateau(0.1, patience=2, factor=0.5))
    ref = ReduceOnPlateau(0.1, patience=2, factor=0.5)
    for m in metrics:
        sched.step(m)
        assert opt.param_groups[0]["lr"] == ref.update(m)
