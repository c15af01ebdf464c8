"""What a run's optional training settings build: the optimizer's extra arguments and the schedule.

``trainlab train --momentum M --weight-decay W --schedule NAME --set k=v --warmup N``
become ``RunConfig`` fields; these functions turn them into objects, so the
command line only declares options.

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

from trainlab.constraints import InvalidArgument
from trainlab.optim import registry as optimizers
from trainlab.schedules import Constant, Schedule, Warmup
from trainlab.schedules import registry as schedules

__all__ = ["RATE_FIELDS", "build_run_optimizer", "run_schedule"]

RATE_FIELDS = ("init", "value", "peak")  # the argument of a schedule that is its learning rate
_HORIZON_FIELDS = ("steps", "total_steps")


def build_run_optimizer(name: str, params: Iterable[Any], lr: float, momentum: float | None = None,
                        weight_decay: float | None = None) -> Optimizer:
    """``optimizers.build(name, params, lr=lr, ...)`` with ``momentum``/``weight_decay`` when given.

    An optimizer that takes no such argument is refused with ``InvalidArgument``
    naming it (``momentum`` for Adam, say).
    """
    extra = {k: v for k, v in (("momentum", momentum), ("weight_decay", weight_decay)) if v is not None}
    entry = optimizers.get(name)
    for key in extra:
        if key not in inspect.signature(entry.cls.__init__).parameters and not entry.wraps:
            raise InvalidArgument(f"The {key!r} parameter does not apply to the optimizer {name!r} "
                                  f"({entry.cls.__name__} takes no {key}).")
    return entry.build(params, lr=lr, **extra)


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
