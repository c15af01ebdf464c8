"""``ApplyIfFinite``: skip a step whose gradients are not all finite (optax's ``apply_if_finite``).

Update rule, for the wrapped optimizer's step ``step(p, g)``::

    finite   = every gradient entry is finite (no NaN, no +-inf)
    errors   = 0 if finite else errors + 1          (consecutive non-finite steps)
    p        = step(p, g)   if finite or errors > max_consecutive_errors
               p            otherwise               (parameters and optimizer state untouched)

as ``optax.apply_if_finite(inner, max_consecutive_errors)``: a skipped step leaves
the parameters and the wrapped optimizer's state (moments, step count) exactly as
they were; after more than ``max_consecutive_errors`` non-finite steps in a row
the update goes through, so a run that only produces NaN does not stall silently.
``skipped`` counts every skipped step, ``consecutive_errors`` the current streak,
``last_finite`` says whether the latest gradients were finite; all three go into
``state_dict``. ``param_groups`` are the wrapped optimizer's own, so schedulers
(torch's or trainlab's) drive it unchanged.

With a closure (second-order optimizers, L-BFGS), the closure is evaluated once
to check the gradients and, when they are finite, the wrapped optimizer steps
with the same closure (so it is evaluated again).

Example:
    >>> import torch
    >>> from trainlab.optim import Adam, ApplyIfFinite
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> opt = ApplyIfFinite(Adam([w], lr=0.1), max_consecutive_errors=5)
    >>> w.grad = torch.tensor([float("nan"), 1.0])
    >>> opt.step(); w.tolist(), opt.skipped
    ([1.0, 1.0], 1)
    >>> w.grad = torch.tensor([1.0, 1.0])
    >>> opt.step(); [round(v, 6) for v in w.tolist()], opt.consecutive_errors
    ([0.9, 0.9], 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer

from trainlab.constraints import Interval, check

__all__ = ["ApplyIfFinite", "gradients_are_finite"]

_MAX_ERRORS = Interval(0, None, closed="left", integer=True)


def gradients_are_finite(param_groups: list[dict[str, Any]]) -> bool:
    """Whether every gradient in ``param_groups`` is finite (parameters without one are ignored)."""
    checks = []
    for group in param_groups:
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad.coalesce().values() if p.grad.is_sparse else p.grad
            checks.append(torch.isfinite(g).all())
    return bool(torch.stack(checks).all()) if checks else True


class ApplyIfFinite(Optimizer):
    """Wrap any torch optimizer: steps with a non-finite gradient are skipped and counted."""

    def __init__(self, optimizer: Optimizer, max_consecutive_errors: int = 5) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ApplyIfFinite wraps a torch.optim.Optimizer, got {type(optimizer).__name__}")
        check("ApplyIfFinite", "max_consecutive_errors", max_consecutive_errors, _MAX_ERRORS)
        self.optimizer, self.max_consecutive_errors = optimizer, int(max_consecutive_errors)
        params = [p for g in optimizer.param_groups for p in g["params"]]
        super().__init__(params, {"max_consecutive_errors": self.max_consecutive_errors})
        # Share the inner groups and state so schedulers and checkpoints see one optimizer.
        self.param_groups, self.defaults, self.state = optimizer.param_groups, optimizer.defaults, optimizer.state
        self.skipped, self.consecutive_errors, self.last_finite = 0, 0, True

    def hyperparameter_constraints(self) -> dict[str, Any]:
        """The declared range of each argument (the wrapped optimizer declares its own)."""
        return {"max_consecutive_errors": _MAX_ERRORS}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Step the wrapped optimizer unless a gradient is NaN or infinite (see the module docstring)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self.last_finite = gradients_are_finite(self.param_groups)
        self.consecutive_errors = 0 if self.last_finite else self.consecutive_errors + 1
        if not self.last_finite and self.consecutive_errors <= self.max_consecutive_errors:
            self.skipped += 1
            return loss
        if closure is None:
            return self.optimizer.step()
        with torch.enable_grad():
            return self.optimizer.step(closure)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none)

    def state_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer.state_dict(),
            "skipped": self.skipped,
            "consecutive_errors": self.consecutive_errors,
            "last_finite": self.last_finite,
            "max_consecutive_errors": self.max_consecutive_errors,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state_dict["optimizer"])
        self.param_groups, self.state = self.optimizer.param_groups, self.optimizer.state
        self.skipped, self.consecutive_errors = int(state_dict["skipped"]), int(state_dict["consecutive_errors"])
        self.last_finite = bool(state_dict["last_finite"])
        self.max_consecutive_errors = int(state_dict["max_consecutive_errors"])
