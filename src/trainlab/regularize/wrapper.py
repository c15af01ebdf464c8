"""``StepWrapper``: an optimizer around another one that acts around each of its steps.

The wrapped optimizer keeps its hyperparameters and state; the wrapper shares its
``param_groups`` (so torch's and trainlab's schedules drive both), forwards
``step(closure)`` and ``zero_grad``, and saves its own state next to the wrapped
one's in ``state_dict`` (``{"optimizer": ..., "wrapper": ...}``), so a Trainer
checkpoint holds both and a resumed run continues exactly. Subclasses override
``before`` / ``after`` (around the wrapped step), ``wrap_closure`` and
``wrapper_state`` / ``load_wrapper_state``.

Example:
    >>> import torch
    >>> net = torch.nn.Linear(2, 1)
    >>> opt = StepWrapper(torch.optim.SGD(net.parameters(), lr=0.1))
    >>> opt.param_groups is opt.optimizer.param_groups
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer

from trainlab.constraints import Satisfies, check

__all__ = ["StepWrapper"]

_OPTIMIZER = Satisfies(lambda o: isinstance(o, Optimizer), "a torch.optim.Optimizer")


class StepWrapper(Optimizer):
    """Forward every step to ``optimizer``, with ``before``/``after`` hooks and a wrapped closure."""

    def __init__(self, optimizer: Optimizer) -> None:
        check(type(self).__name__, "optimizer", optimizer, _OPTIMIZER)
        self.optimizer = optimizer
        params = [p for g in optimizer.param_groups for p in g["params"]]
        super().__init__(params, {})
        self.param_groups = optimizer.param_groups
        self.defaults = optimizer.defaults
        self._wrapping = True

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not getattr(self, "_wrapping", False):  # Optimizer.__init__ registering the wrapped params
            super().add_param_group(param_group)
            return
        self.optimizer.add_param_group(param_group)

    def params(self) -> list[torch.Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    # -- hooks ------------------------------------------------------------------------
    def before(self) -> Any:
        """Called before the wrapped step; its result is passed to ``after``."""
        return None

    def after(self, token: Any) -> None:
        """Called after the wrapped step."""

    def wrap_closure(self, closure: Callable[[], Any]) -> Callable[[], Any]:
        return closure

    def wrapper_state(self) -> dict[str, Any]:
        return {}

    def load_wrapper_state(self, state: dict[str, Any]) -> None:
        pass

    # -- the optimizer interface --------------------------------------------------------
    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        token = self.before()
        if closure is not None:
            with torch.enable_grad():
                loss = self.optimizer.step(self.wrap_closure(closure))
        else:
            loss = self.optimizer.step()
        self.after(token)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none)

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict(), "wrapper": self.wrapper_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state_dict["optimizer"])
        self.param_groups = self.optimizer.param_groups
        self.load_wrapper_state(state_dict["wrapper"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.optimizer!r})"
