"""``attach``: drive any optimizer hyperparameter with a schedule, as a torch ``LRScheduler``.

``attach(optimizer, schedule, param="lr")`` returns a
``torch.optim.lr_scheduler.LRScheduler`` that writes ``schedule(t)`` into
``param`` of every param group: at construction ``t = 0`` (as torch schedulers
do), and ``t + 1`` at each ``step()``. ``param`` is any key of the param groups
(``"lr"``, ``"momentum"``, ``"weight_decay"``, ...) or ``"beta1"`` / ``"beta2"`` for
the entries of ``betas``. Give a list of schedules for one per param group.
It works with ``torch.optim`` and ``trainlab.optim`` optimizers alike, since both
keep hyperparameters in ``param_groups``.

A ``ReduceOnPlateau`` schedule makes a scheduler that is also a
``ReduceLROnPlateau`` (training loops recognise it) and is stepped with the
metric: ``scheduler.step(val_loss)``.

``state_dict()`` holds the step count (plus each ``ReduceOnPlateau``'s numbers),
all plain Python values, so it loads with ``torch.load(weights_only=True)``;
``load_state_dict`` restores the step and writes the schedule's values for it
into the optimizer, whether its state was loaded before or after.
``get_last_lr()`` returns the values last written (learning rates when ``param="lr"``).

Example:
    >>> import torch
    >>> from trainlab.schedules import Cosine, attach
    >>> opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
    >>> sched = attach(opt, Cosine(0.1, period=100))
    >>> for _ in range(50):
    ...     opt.step(); sched.step()
    >>> round(opt.param_groups[0]["lr"], 6)
    0.05
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from torch import Tensor
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from trainlab.constraints import fail
from trainlab.schedules.base import check_step, is_schedule
from trainlab.schedules.plateau import ReduceOnPlateau

__all__ = ["HyperparameterScheduler", "PlateauScheduler", "attach", "read_param", "write_param"]

_BETAS = {"beta1": 0, "beta2": 1}


def read_param(group: dict[str, Any], param: str) -> float:
    """The value of hyperparameter ``param`` in one param group."""
    if param in _BETAS:
        return float(group["betas"][_BETAS[param]])
    value = group[param]
    return float(value.item()) if isinstance(value, Tensor) else float(value)


def write_param(group: dict[str, Any], param: str, value: float) -> None:
    """Set hyperparameter ``param`` of one param group (tensor values are filled in place)."""
    if param in _BETAS:
        betas = list(group["betas"])
        betas[_BETAS[param]] = value
        group["betas"] = tuple(betas)
    elif isinstance(group[param], Tensor):
        group[param].fill_(value)
    else:
        group[param] = value


def _has_param(group: dict[str, Any], param: str) -> bool:
    return "betas" in group if param in _BETAS else param in group


class HyperparameterScheduler(LRScheduler):
    """A ``LRScheduler`` that sets ``param`` of group ``i`` to ``schedules[i](last_epoch)``."""

    def __init__(self, optimizer: Optimizer, schedules: Sequence[Callable[[int], float]], param: str) -> None:
        self.param = param
        self.schedules = list(schedules)
        LRScheduler.__init__(self, optimizer)

    def get_lr(self) -> list[float]:
        """The values for the current step (learning rates when ``param="lr"``)."""
        return [float(s(self.last_epoch)) for s in self.schedules]

    def _write(self) -> None:
        values = self.get_lr()
        for group, value in zip(self.optimizer.param_groups, values, strict=True):
            write_param(group, self.param, value)
        self._last_lr = values

    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance one step (or jump to step ``epoch``) and write the new values."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
        else:
            self.last_epoch = check_step(type(self).__name__, epoch)
        self._write()

    def state_dict(self) -> dict[str, Any]:
        """Step count and what is scheduled, as plain values (``weights_only``-safe)."""
        return {
            "param": self.param,
            "last_epoch": self.last_epoch,
            "_step_count": self._step_count,
            "_last_lr": list(self._last_lr),
            "schedules": [repr(s) for s in self.schedules],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the step count and write that step's values into the optimizer."""
        if state_dict["param"] != self.param:
            fail(
                type(self).__name__,
                "state_dict",
                f"a state of a scheduler of {self.param!r}",
                f"one of {state_dict['param']!r}",
            )
        self.last_epoch = int(state_dict["last_epoch"])
        self._step_count = int(state_dict["_step_count"])
        self._write()

    def __repr__(self) -> str:
        inner = self.schedules[0] if len({id(s) for s in self.schedules}) == 1 else self.schedules
        return f"{type(self).__name__}({self.param!r}, {inner!r}, step={self.last_epoch})"


class PlateauScheduler(HyperparameterScheduler, ReduceLROnPlateau):
    """``attach`` with a ``ReduceOnPlateau``: step it with the monitored metric."""

    def _plateaus(self) -> list[ReduceOnPlateau]:
        unique: dict[int, ReduceOnPlateau] = {}
        for s in self.schedules:
            if isinstance(s, ReduceOnPlateau):
                unique.setdefault(id(s), s)
        return list(unique.values())

    def step(self, metrics: Any = None) -> None:  # type: ignore[override]
        """Feed the monitored metric (e.g. ``scheduler.step(val_loss)``) and write the new values."""
        if self.last_epoch >= 0:  # -1 only for the step the constructor takes
            if metrics is None:
                raise TypeError(
                    "A ReduceOnPlateau scheduler needs the monitored metric: scheduler.step(val_loss)"
                )
            for plateau in self._plateaus():  # each once, even if shared by several groups
                plateau.update(metrics)
        HyperparameterScheduler.step(self)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["plateaus"] = [p.state_dict() for p in self._plateaus()]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for plateau, state in zip(self._plateaus(), state_dict["plateaus"], strict=True):
            plateau.load_state_dict(state)
        super().load_state_dict(state_dict)


def attach(
    optimizer: Optimizer,
    schedule: Callable[[int], float] | Sequence[Callable[[int], float]],
    param: str = "lr",
) -> HyperparameterScheduler:
    """Drive ``param`` of every param group of ``optimizer`` with ``schedule`` (one per group if a list)."""
    if not isinstance(optimizer, Optimizer):
        fail("attach", "optimizer", "a torch.optim.Optimizer", type(optimizer).__name__)
    n = len(optimizer.param_groups)
    schedules = list(schedule) if isinstance(schedule, (list, tuple)) else [schedule] * n
    if len(schedules) != n or not all(is_schedule(s) for s in schedules):
        fail("attach", "schedule", f"a schedule or a list of {n} schedules (one per param group)", schedule)
    if not all(_has_param(g, param) for g in optimizer.param_groups):
        keys = sorted(
            k
            for k, v in optimizer.param_groups[0].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        )
        keys += ["beta1", "beta2"] if "betas" in optimizer.param_groups[0] else []
        fail("attach", "param", f"a hyperparameter of every param group ({', '.join(keys)})", param)
    cls = (
        PlateauScheduler
        if any(isinstance(s, ReduceOnPlateau) for s in schedules)
        else HyperparameterScheduler
    )
    return cls(optimizer, schedules, param)
