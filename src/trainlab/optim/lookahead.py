"""``Lookahead``: k fast steps forward, one step back toward them (Zhang et al. 2019).

Update rule: the wrapped optimizer takes every step on the fast weights ``p``;
every ``k`` steps the slow weights ``s`` move toward them and the fast weights
restart from there::

    s <- s + alpha (p - s)        p <- s

``param_groups`` are the wrapped optimizer's own, so learning-rate schedulers
(torch's or trainlab's) drive both.

Taught in the lectures (full references in docs/references.md): Lookahead (Zhang et al. 2019) in the
SUTD 50.039 notes.

Example:
    >>> import torch
    >>> from trainlab.optim import Adam, Lookahead
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = Lookahead(Adam(model.parameters(), lr=1e-3), k=5, alpha=0.5)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer

from trainlab.constraints import POSITIVE_INT, UNIT_CLOSED, check

__all__ = ["Lookahead"]


class Lookahead(Optimizer):
    """Wrap any torch optimizer with Lookahead's slow weights."""

    def __init__(self, optimizer: Optimizer, k: int = 5, alpha: float = 0.5) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Lookahead wraps a torch.optim.Optimizer, got {type(optimizer).__name__}")
        check("Lookahead", "k", k, POSITIVE_INT)
        check("Lookahead", "alpha", alpha, UNIT_CLOSED)
        self.optimizer, self.k, self.alpha = optimizer, k, alpha
        params = [p for g in optimizer.param_groups for p in g["params"]]
        super().__init__(params, {"k": k, "alpha": alpha})
        # Share the inner groups so schedulers see one set of hyperparameters.
        self.param_groups = optimizer.param_groups
        self.defaults = optimizer.defaults
        self.fast_steps = 0
        for p in params:  # the slow weights start where the fast ones start
            self.state[p]["slow"] = p.detach().clone()
        self._wrapping = True

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group to the wrapped optimizer; its slow weights start at its parameters."""
        if not getattr(self, "_wrapping", False):  # Optimizer.__init__ registering the wrapped params
            super().add_param_group(param_group)
            return
        self.optimizer.add_param_group(param_group)
        for p in self.optimizer.param_groups[-1]["params"]:
            self.state[p]["slow"] = p.detach().clone()

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One fast step; every ``k``-th also pulls the slow weights toward the fast ones."""
        if closure is not None:
            with torch.enable_grad():
                loss = self.optimizer.step(closure)
        else:
            loss = self.optimizer.step()
        self.fast_steps += 1
        if self.fast_steps % self.k == 0:
            for group in self.param_groups:
                for p in group["params"]:
                    slow = self.state[p]["slow"]
                    slow.lerp_(p, self.alpha)
                    p.copy_(slow)
        return loss

    def __getstate__(self) -> dict[str, Any]:
        # torch.optim.Optimizer pickles only defaults/state/param_groups; the wrapped
        # optimizer and the step count must travel too (deepcopy, pickle).
        return dict(self.__dict__)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none)

    def state_dict(self) -> dict[str, Any]:
        params = [p for g in self.param_groups for p in g["params"]]
        slow = {i: self.state[p]["slow"] for i, p in enumerate(params)}
        return {
            "optimizer": self.optimizer.state_dict(),
            "slow": slow,
            "fast_steps": self.fast_steps,
            "k": self.k,
            "alpha": self.alpha,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state_dict["optimizer"])
        self.param_groups = self.optimizer.param_groups
        params = [p for g in self.param_groups for p in g["params"]]
        for i, slow in state_dict["slow"].items():
            p = params[int(i)]
            self.state[p]["slow"] = slow.to(p.device, p.dtype).clone()
        self.fast_steps = int(state_dict["fast_steps"])
        self.k, self.alpha = int(state_dict["k"]), float(state_dict["alpha"])
