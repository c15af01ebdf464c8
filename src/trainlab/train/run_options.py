"""What a run's optional training settings build: the optimizer's extra arguments, the penalty, the schedule.

``trainlab train --momentum M --weight-decay W --l1 A --l2 A --label-smoothing E
--schedule NAME --set k=v --warmup N`` become ``RunConfig`` fields; these functions
turn them into objects, so the command line only declares options.

``weight_decay`` goes to the optimizer when it takes one (decoupled for ``adamw``,
coupled - added to the gradient inside the optimizer - for every other); an optimizer
without it (``lbfgs``, ``bfgs``, ``newton``, ``cg``, ``hessian-free``,
``gradient-control``, ``gd-decay``) gets the same coupled decay as the penalty
``(W/2) ||theta||^2`` on every parameter (``run_penalty``), whose gradient is ``W theta``.
``l1``/``l2`` are ``trainlab.regularize.L1``/``L2`` on the weights (biases left out);
``label_smoothing`` is ``LabelSmoothing`` (cross-entropy runs only).

A schedule named from ``trainlab.schedules.registry`` starts from that entry's demo
arguments; its rate (``init``, ``value`` or ``peak``) defaults to the run's ``lr``
and its horizon (``steps``, ``total_steps``, or a cosine's ``period``) to the run's
total number of steps, unless ``settings`` give them. ``warmup`` ramps the rate
linearly from 1% over that many steps (``Warmup``), in front of the schedule or of
the constant ``lr``.

Example:
    >>> run_schedule("cosine", {}, lr=0.1, total_steps=500)
    Cosine(init=0.1, period=500, end=0.0, restarts=False, period_mult=1)
    >>> run_schedule(None, {}, lr=0.1, total_steps=500) is None
    True
    >>> run_schedule(None, {}, lr=0.1, total_steps=500, warmup=10)(5)
    0.0505
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from torch.optim import Optimizer

from trainlab.constraints import NONNEGATIVE, UNIT_CLOSED, InvalidArgument, Optional, check, fail
from trainlab.regularize import L1, L2, LabelSmoothing, Penalty, SumPenalty
from trainlab.optim import registry as optimizers
from trainlab.schedules import Constant, Schedule, Warmup
from trainlab.schedules import registry as schedules

__all__ = ["RATE_FIELDS", "build_run_optimizer", "run_penalty", "run_schedule", "takes_weight_decay"]

_STRENGTH = Optional(NONNEGATIVE, none="off")
RATE_FIELDS = ("init", "value", "peak")  # the argument of a schedule that is its learning rate
_HORIZON_FIELDS = ("steps", "total_steps")


def build_run_optimizer(name: str, params: Iterable[Any], lr: float, momentum: float | None = None,
                        weight_decay: float | None = None) -> Optimizer:
    """``optimizers.build(name, params, lr=lr, ...)`` with ``momentum``/``weight_decay`` when given.

    An optimizer that takes no such argument is refused with ``InvalidArgument``
    naming it (``momentum`` for Adam, say).
    """
    if not takes_weight_decay(name):
        weight_decay = None  # run_penalty adds it as an L2 penalty on the loss
    extra = {k: v for k, v in (("momentum", momentum), ("weight_decay", weight_decay)) if v is not None}
    entry = optimizers.get(name)
    for key in extra:
        if key not in inspect.signature(entry.cls.__init__).parameters and not entry.wraps:
            raise InvalidArgument(f"The {key!r} parameter does not apply to the optimizer {name!r} "
                                  f"({entry.cls.__name__} takes no {key}).")
    return entry.build(params, lr=lr, **extra)


def takes_weight_decay(name: str) -> bool:
    """Whether the optimizer called ``name`` has a ``weight_decay`` argument of its own."""
    entry = optimizers.get(name)
    return entry.wraps or "weight_decay" in inspect.signature(entry.cls.__init__).parameters


def run_penalty(c: Any, loss: str) -> Penalty | None:
    """The penalty of run config ``c`` (``l1``, ``l2``, ``label_smoothing``, and ``weight_decay`` for an
    optimizer without one), or ``None``; negative strengths are refused naming the field."""
    for name in ("l1", "l2", "weight_decay"):
        check("start_run", name, getattr(c, name), _STRENGTH)
    check("start_run", "label_smoothing", c.label_smoothing, Optional(UNIT_CLOSED, none="off"))
    terms: list[Penalty] = []
    if c.l1:
        terms.append(L1(c.l1))
    if c.l2:
        terms.append(L2(c.l2))
    if c.weight_decay and not takes_weight_decay(c.optimizer):
        terms.append(L2(c.weight_decay, include_bias=True, include_norm=True))
    if c.label_smoothing:
        if loss != "cross_entropy":
            fail("start_run", "label_smoothing", f"left out for a {loss} run (label smoothing acts on class labels "
                 "with the cross_entropy loss)", c.label_smoothing)
        terms.append(LabelSmoothing(c.label_smoothing))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else SumPenalty(terms)


def run_schedule(name: str | None, settings: Mapping[str, str], lr: float, total_steps: int,
                 warmup: int = 0) -> Schedule | None:
    """The learning-rate schedule of a run, or ``None`` for a constant ``lr`` without warm-up."""
    if name is None:
        schedule = Constant(lr) if warmup else None
    else:
        entry = schedules.get(name)
        fields = entry.fields()
        filled: dict[str, Any] = dict(settings)
        rate = next((f for f in RATE_FIELDS if f in fields), None)
        if rate is not None and rate not in filled:
            filled[rate] = lr
        horizons = [*_HORIZON_FIELDS, *(("period",) if not entry.defaults.get("restarts") else ())]
        for f in horizons:
            if f in fields and f not in filled:
                filled[f] = max(int(total_steps), 1)
        schedule = entry.build(**filled)
    if schedule is not None and warmup:
        schedule = Warmup(schedule, steps=warmup)
    return schedule
