"""Callbacks: a base with do-nothing hooks, a list that dispatches, and a metric monitor.

After Keras: a callback overrides only the hooks it needs. The Trainer calls, in
this order,

``on_fit_start`` -> per epoch: ``on_epoch_start`` -> per step: ``on_step_start``,
``on_after_backward`` (inside the closure, once per loss evaluation, so a
line-search optimizer calls it several times), ``on_step_end`` -> after the
epoch: ``on_validation_end``, ``on_epoch_end`` -> ``on_fit_end``.

The list calls only the hooks each callback's class overrides (looked up once,
when the list is built), so a hook nobody overrides costs nothing per step.

Callbacks run in ascending ``order`` (then in the order given): guards first
(``NaNGuard``: -10), ``Checkpoint`` last (100) so a checkpoint sees every other
callback's state after the same hook. A callback with state returns it from
``state_dict()`` (tensors and plain data) so that checkpoints resume it exactly.

``MonitorCallback`` is the shared "watch one metric" base of ``EarlyStopping``
and ``Checkpoint(save_best=True)``: ``improved(value)`` is true when ``value``
beats the best so far by more than ``min_delta`` in direction ``mode``.

Example:
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, trainer, logs):
    ...         print(f"epoch {logs['epoch']}: {logs['train_loss']:.3f}")
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from trainlab.constraints import NONNEGATIVE, Options, Satisfies, check, fail

if TYPE_CHECKING:  # pragma: no cover
    from torch import Tensor

    from trainlab.train.trainer import Trainer

__all__ = ["Callback", "CallbackList", "MonitorCallback", "overrides"]

Logs = dict[str, float]
_NAME = Satisfies(lambda v: isinstance(v, str) and bool(v), "a metric name such as 'val_loss'")


class Callback:
    """Do-nothing hooks; subclass and override what you need."""

    order: int = 0
    state_key: str | None = None  # its name in checkpoints (default: the class name)

    def on_fit_start(self, trainer: Trainer) -> None: ...
    def on_epoch_start(self, trainer: Trainer) -> None: ...
    def on_step_start(self, trainer: Trainer) -> None: ...
    def on_after_backward(self, trainer: Trainer, loss: Tensor) -> None: ...
    def on_step_end(self, trainer: Trainer, logs: Logs) -> None: ...
    def on_validation_end(self, trainer: Trainer, logs: Logs) -> None: ...
    def on_epoch_end(self, trainer: Trainer, logs: Logs) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint must hold to resume this callback exactly (default: nothing)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


_HOOKS = ("on_fit_start", "on_epoch_start", "on_step_start", "on_after_backward", "on_step_end",
          "on_validation_end", "on_epoch_end", "on_fit_end")


def overrides(callback: Callback, hook: str) -> bool:
    """True when ``callback``'s class (or the instance itself) defines ``hook`` other than ``Callback``'s no-op."""
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


def _nothing(*args: Any) -> None:
    return None


def _dispatcher(methods: list[Any]):
    if not methods:
        return _nothing
    if len(methods) == 1:
        return methods[0]

    def dispatch(*args: Any) -> None:
        for method in methods:
            method(*args)

    return dispatch


class CallbackList:
    """Callbacks sorted by ``order``; calling a hook on the list calls it on each."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        callbacks = list(callbacks)
        for i, cb in enumerate(callbacks):
            if not isinstance(cb, Callback):
                fail("Trainer", f"callbacks[{i}]", "a trainlab.train.Callback", cb)
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)
        counts: Counter[str] = Counter()
        self.keys = []
        for cb in self.callbacks:  # "EarlyStopping", or "Schedule#1" for a second one
            name = cb.state_key or type(cb).__name__
            self.keys.append(name if counts[name] == 0 else f"{name}#{counts[name]}")
            counts[name] += 1

        # Only the hooks a callback overrides are called: a do-nothing hook costs nothing.
        self.listeners: dict[str, list[Any]] = {
            hook: [getattr(cb, hook) for cb in self.callbacks if overrides(cb, hook)] for hook in _HOOKS}
        for hook, methods in self.listeners.items():
            setattr(self, hook, _dispatcher(methods))

    def __iter__(self):
        return iter(self.callbacks)

    def wants(self, hook: str) -> bool:
        """True when some callback overrides ``hook``."""
        return bool(self.listeners[hook])

    def state_dict(self) -> dict[str, dict[str, Any]]:
        return {k: s for k, cb in zip(self.keys, self.callbacks, strict=True) if (s := cb.state_dict())}

    def load_state_dict(self, state: dict[str, dict[str, Any]]) -> list[str]:
        """Restore each callback's state; return the saved keys no callback here matched."""
        for key, cb in zip(self.keys, self.callbacks, strict=True):
            if key in state:
                cb.load_state_dict(state[key])
        return [k for k in state if k not in self.keys]


class MonitorCallback(Callback):
    """Watches ``logs[monitor]`` at each epoch end and remembers the best value."""

    def __init__(self, monitor: str = "val_loss", mode: str = "min", min_delta: float = 0.0) -> None:
        owner = type(self).__name__
        check(owner, "monitor", monitor, _NAME)
        check(owner, "mode", mode, Options(("min", "max")))
        check(owner, "min_delta", min_delta, NONNEGATIVE)
        self.monitor, self.mode, self.min_delta = monitor, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf

    def check_monitor(self, keys: list[str]) -> None:
        """One clear error, before training starts, when ``monitor`` is not among ``keys``."""
        if self.monitor not in keys:
            no_val = self.monitor.startswith("val_") and not any(k.startswith("val_") for k in keys)
            hint = " (pass validation data to fit)" if no_val else ""
            fail(type(self).__name__, "monitor", f"a logged metric, one of {keys}{hint}", self.monitor)

    def on_fit_start(self, trainer: Trainer) -> None:
        self.check_monitor(trainer.epoch_keys)

    def value(self, logs: Logs) -> float:
        """The monitored value from the epoch's logs."""
        self.check_monitor(list(logs))
        return float(logs[self.monitor])

    def improved(self, value: float) -> bool:
        """True (and ``best`` updated) when ``value`` beats ``best`` by more than ``min_delta``."""
        if not math.isfinite(value):
            return False
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best = value
        return better

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])

