"""``ScheduleCallback``: drive a hyperparameter from a schedule, step by step or epoch by epoch.

Accepts either

- a callable ``step -> value`` (every trainlab schedule, or a lambda): before
  each step, ``group[param] = schedule(t) * trainer.lr_scale`` for every
  parameter group, with ``t`` the number of finished steps (``interval="step"``)
  or epochs (``"epoch"``). It holds no state; ``t`` comes from the Trainer, so a
  resumed run continues the schedule exactly. ``lr_scale`` is 1 unless a
  ``NaNGuard`` lowered it (other hyperparameters are not scaled).
- a ``torch.optim.lr_scheduler.LRScheduler`` (``StepLR``, ``OneCycleLR``, or the
  adapter ``trainlab.schedules.attach`` returns): ``scheduler.step()`` after each
  step or epoch; its ``state_dict()`` goes into checkpoints.

Example:
    >>> import math
    >>> warm_cosine = ScheduleCallback(lambda t: 1e-3 * 0.5 * (1 + math.cos(math.pi * min(t, 1000) / 1000)))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch.optim.lr_scheduler import LRScheduler

from trainlab.constraints import Options, Satisfies, check
from trainlab.deprecation import relocated
from trainlab.train.callbacks.base import Callback, Logs

__all__ = ["ScheduleCallback"]

_SCHEDULE = Satisfies(lambda s: isinstance(s, LRScheduler) or callable(s),
                      "a callable step -> value or a torch LRScheduler")
_PARAM = Satisfies(lambda p: isinstance(p, str) and bool(p), "a hyperparameter name such as 'lr'")


class ScheduleCallback(Callback):
    """Set ``param`` from ``schedule`` each step (or epoch).

    (Called ``Schedule`` before, a name it shared with the base class of the
    schedules themselves, ``trainlab.schedules.Schedule``.)
    """

    state_key = "Schedule"  # its key in checkpoints, unchanged by the rename so old runs resume

    def __init__(self, schedule: Callable[[int], float] | LRScheduler, param: str = "lr",
                 interval: str = "step") -> None:
        check("ScheduleCallback", "schedule", schedule, _SCHEDULE)
        check("ScheduleCallback", "param", param, _PARAM)
        check("ScheduleCallback", "interval", interval, Options(("step", "epoch")))
        self.schedule, self.param, self.interval = schedule, param, interval
        self.scheduler = schedule if isinstance(schedule, LRScheduler) else None

    def on_step_start(self, trainer) -> None:
        if self.scheduler is not None:
            return
        t = trainer.global_step if self.interval == "step" else trainer.epoch
        value = float(self.schedule(t))
        if self.param == "lr":
            value *= trainer.lr_scale
        for group in trainer.optimizer.param_groups:
            group[self.param] = value

    def on_step_end(self, trainer, logs: Logs) -> None:
        if self.scheduler is not None and self.interval == "step":
            self.scheduler.step()

    def on_epoch_end(self, trainer, logs: Logs) -> None:
        if self.scheduler is not None and self.interval == "epoch":
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler.state_dict()} if self.scheduler is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])


__getattr__ = relocated(__name__, {"Schedule": f"{__name__}:ScheduleCallback"})  # the old name, for one release
