"""Drive torch schedulers and attached trainlab schedules side by side, in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from trainlab.schedules import attach
from trainlab.schedules.attach import read_param
from tests.helpers import roundtrip

MakeOptimizer = Callable[[], torch.optim.Optimizer]


def sgd(lrs: Sequence[float] = (0.1,), momentum: float = 0.9) -> MakeOptimizer:
    """A torch SGD with one float64 parameter per group and the given learning rates."""

    def make() -> torch.optim.Optimizer:
        groups = [
            {"params": [torch.zeros(2, dtype=torch.float64, requires_grad=True)], "lr": lr} for lr in lrs
        ]
        return torch.optim.SGD(groups, lr=lrs[0], momentum=momentum)

    return make


def adam(lrs: Sequence[float] = (0.1,)) -> MakeOptimizer:
    def make() -> torch.optim.Optimizer:
        groups = [
            {"params": [torch.zeros(2, dtype=torch.float64, requires_grad=True)], "lr": lr} for lr in lrs
        ]
        return torch.optim.Adam(groups, lr=lrs[0], betas=(0.9, 0.999))

    return make


def advance(opt: torch.optim.Optimizer) -> None:
    """One optimizer step with a fixed gradient (the schedulers expect it before theirs)."""
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = torch.ones_like(p)
    opt.step()


def read(opt: torch.optim.Optimizer, params: Sequence[str]) -> list[float]:
    return [read_param(g, name) for name in params for g in opt.param_groups]


def torch_trace(
    make_opt: MakeOptimizer,
    make_scheduler,
    steps: int,
    params: Sequence[str],
    metrics: Sequence[float] | None = None,
) -> list[list[float]]:
    """Hyperparameters after construction and after each of ``steps`` torch scheduler steps."""
    opt = make_opt()
    sched = make_scheduler(opt)
    trace = [read(opt, params)]
    for t in range(steps):
        advance(opt)
        sched.step() if metrics is None else sched.step(metrics[t])
        trace.append(read(opt, params))
    return trace


def trainlab_trace(
    make_opt: MakeOptimizer,
    make_schedules: Callable[[], dict],
    steps: int,
    params: Sequence[str],
    metrics: Sequence[float] | None = None,
    resume_at: int | None = None,
    load_optimizer_first: bool = False,
) -> list[list[float]]:
    """The same with ``attach``; at ``resume_at`` everything is checkpointed through
    ``torch.save``/``torch.load(weights_only=True)`` and rebuilt from fresh objects."""

    def build(opt):
        return [attach(opt, s, param=p) for p, s in make_schedules().items()]

    opt = make_opt()
    scheds = build(opt)
    trace = [read(opt, params)]
    for t in range(steps):
        if t == resume_at:
            ckpt = roundtrip({"optimizer": opt.state_dict(), "schedulers": [s.state_dict() for s in scheds]})
            opt = make_opt()
            if load_optimizer_first:
                opt.load_state_dict(ckpt["optimizer"])
                scheds = build(opt)
            else:  # torch's advice: build schedulers, then load the optimizer
                scheds = build(opt)
                opt.load_state_dict(ckpt["optimizer"])
            for s, state in zip(scheds, ckpt["schedulers"], strict=True):
                s.load_state_dict(state)
        advance(opt)
        for s in scheds:
            s.step() if metrics is None else s.step(metrics[t])
        trace.append(read(opt, params))
    return trace


def max_abs_diff(a: list[list[float]], b: list[list[float]]) -> float:
    assert len(a) == len(b)
    return max(abs(x - y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True))
