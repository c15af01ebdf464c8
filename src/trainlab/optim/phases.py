"""Phases: train with one optimizer, then another — "Adam first, then L-BFGS" (the Brown/NVIDIA notes).

``PhasedOptimizer`` is a ``torch.optim.Optimizer`` that runs a list of phases,
each an optimizer with a condition that ends it. Conditions:

* ``AtStep(n)`` — after ``n`` steps of the phase;
* ``Plateau(window, rel_tol)`` — the best loss of the last ``window`` steps is
  less than ``rel_tol`` (relative) below the loss before them;
* ``GradNormBelow(threshold)`` — the gradient norm left by the last closure
  call (``p.grad``) is below ``threshold``;
* ``a | b`` — whichever comes first.

Every switch is recorded with its step and reason (``switches``), and travels in
``state_dict()``.

Example:
    >>> import torch
    >>> from trainlab.optim import Adam
    >>> from trainlab.optim.second_order import LBFGS
    >>> from trainlab.optim.phases import AtStep, Phase, PhasedOptimizer, Plateau
    >>> net = torch.nn.Linear(1, 1)
    >>> x = torch.linspace(-1, 1, 20).unsqueeze(1); y = 3 * x + 1
    >>> opt = PhasedOptimizer([
    ...     Phase(Adam(net.parameters(), lr=1e-2), until=AtStep(50) | Plateau(window=10, rel_tol=1e-3)),
    ...     Phase(LBFGS(net.parameters())),
    ... ])
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = torch.nn.functional.mse_loss(net(x), y)
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(52):
    ...     _ = opt.step(closure)
    >>> opt.switches[0]["step"], opt.switches[0]["reason"]
    (50, 'reached step 50')
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, check, fail

__all__ = [
    "AnyOf", "AtStep", "Condition", "GradNormBelow", "Phase", "PhasedOptimizer", "Plateau", "adam_then_lbfgs",
]


class Condition:
    """Ends a phase: ``check`` returns the reason, or ``None`` to go on."""

    def check(self, step: int, loss: float | None, grad_norm: float) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what was seen (called when the phase starts)."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass

    def __or__(self, other: Condition) -> AnyOf:
        return AnyOf(self, other)


class AtStep(Condition):
    """After ``steps`` steps of the phase."""

    def __init__(self, steps: int) -> None:
        check("AtStep", "steps", steps, POSITIVE_INT)
        self.steps = steps

    def check(self, step: int, loss: float | None, grad_norm: float) -> str | None:
        return f"reached step {self.steps}" if step >= self.steps else None


class GradNormBelow(Condition):
    """When the gradient norm falls below ``threshold``."""

    def __init__(self, threshold: float) -> None:
        check("GradNormBelow", "threshold", threshold, POSITIVE)
        self.threshold = threshold

    def check(self, step: int, loss: float | None, grad_norm: float) -> str | None:
        if grad_norm < self.threshold:
            return f"gradient norm {grad_norm:.3g} < {self.threshold:g}"
        return None


class Plateau(Condition):
    """When ``window`` steps improved the loss by less than ``rel_tol`` of its value before them."""

    def __init__(self, window: int, rel_tol: float = 1e-3) -> None:
        check("Plateau", "window", window, POSITIVE_INT)
        check("Plateau", "rel_tol", rel_tol, NONNEGATIVE)
        self.window, self.rel_tol = window, rel_tol
        self.losses: deque[float] = deque(maxlen=window + 1)

    def reset(self) -> None:
        self.losses.clear()

    def check(self, step: int, loss: float | None, grad_norm: float) -> str | None:
        if loss is None or not math.isfinite(loss):
            return None
        self.losses.append(loss)
        if len(self.losses) <= self.window:
            return None
        before, best = self.losses[0], min(list(self.losses)[1:])
        gain = (before - best) / max(abs(before), 1e-300)
        if gain < self.rel_tol:
            return f"loss plateau: {gain:.3g} relative improvement over {self.window} steps < {self.rel_tol:g}"
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"losses": list(self.losses)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.losses = deque(state["losses"], maxlen=self.window + 1)


class AnyOf(Condition):
    """The first of several conditions to fire."""

    def __init__(self, *conditions: Condition) -> None:
        self.conditions = [c for cond in conditions for c in (cond.conditions if isinstance(cond, AnyOf) else [cond])]

    def check(self, step: int, loss: float | None, grad_norm: float) -> str | None:
        reasons = [c.check(step, loss, grad_norm) for c in self.conditions]  # all see every step
        return next((r for r in reasons if r is not None), None)

    def reset(self) -> None:
        for c in self.conditions:
            c.reset()

    def state_dict(self) -> dict[str, Any]:
        return {"conditions": [c.state_dict() for c in self.conditions]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for c, s in zip(self.conditions, state["conditions"], strict=True):
            c.load_state_dict(s)


@dataclass
class Phase:
    """An optimizer and the condition that ends its phase (``None``: it runs to the end)."""

    optimizer: Optimizer
    until: Condition | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.optimizer, Optimizer):
            fail("Phase", "optimizer", "a torch.optim.Optimizer", type(self.optimizer).__name__)
        if self.until is not None and not isinstance(self.until, Condition):
            fail("Phase", "until", "a Condition or None", type(self.until).__name__)
        self.name = self.name or type(self.optimizer).__name__


def _grad_norm(optimizer: Optimizer) -> float:
    grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    if not grads:
        return math.inf
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))


class PhasedOptimizer(Optimizer):
    """Run ``phases`` one after the other; ``param_groups`` and ``state`` are the current phase's."""

    def __init__(self, phases: Sequence[Phase]) -> None:
        phases = list(phases)
        if not phases or not all(isinstance(p, Phase) for p in phases):
            fail("PhasedOptimizer", "phases", "a non-empty sequence of Phase objects", phases)
        for i, p in enumerate(phases[:-1]):
            if p.until is None:
                fail("PhasedOptimizer", "phases", "phases that each end on a condition (all but the last)",
                     f"phase {i} ({p.name}) with until=None")
        self.phases = phases
        self.phase, self.phase_steps, self.steps = 0, 0, 0
        self.switches: list[dict[str, Any]] = []
        params = [p for g in phases[0].optimizer.param_groups for p in g["params"]]
        super().__init__(params, {})
        self._enter(0)

    def _enter(self, index: int) -> None:
        self.phase, self.phase_steps = index, 0
        current = self.phases[index]
        self.param_groups, self.state, self.defaults = (
            current.optimizer.param_groups, current.optimizer.state, current.optimizer.defaults)
        if current.until is not None:
            current.until.reset()

    @property
    def current(self) -> Optimizer:
        """The optimizer of the phase now running."""
        return self.phases[self.phase].optimizer

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """One step of the current phase's optimizer; then switch phase if its condition holds."""
        phase = self.phases[self.phase]
        loss = phase.optimizer.step(closure) if closure is not None else phase.optimizer.step()
        self.steps += 1
        self.phase_steps += 1
        if phase.until is not None:
            value = float(loss.detach()) if isinstance(loss, Tensor) else (float(loss) if isinstance(loss, (float, int)) else None)
            reason = phase.until.check(self.phase_steps, value, _grad_norm(phase.optimizer))
            if reason is not None:
                self.switches.append({"step": self.steps, "from": phase.name,
                                      "to": self.phases[self.phase + 1].name, "reason": reason})
                self._enter(self.phase + 1)
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase, "phase_steps": self.phase_steps, "steps": self.steps,
            "switches": [dict(s) for s in self.switches],
            "optimizers": [p.optimizer.state_dict() for p in self.phases],
            "conditions": [p.until.state_dict() if p.until is not None else {} for p in self.phases],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for p, opt_state in zip(self.phases, state_dict["optimizers"], strict=True):
            p.optimizer.load_state_dict(opt_state)
        self._enter(state_dict["phase"])
        for p, cond_state in zip(self.phases, state_dict["conditions"], strict=True):
            if p.until is not None:
                p.until.load_state_dict(cond_state)
        self.phase_steps, self.steps = state_dict["phase_steps"], state_dict["steps"]
        self.switches = [dict(s) for s in state_dict["switches"]]

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()  # the phases must travel with a deep copy

    def __repr__(self) -> str:
        names = " -> ".join(p.name for p in self.phases)
        return f"PhasedOptimizer({names}; now {self.phases[self.phase].name})"


def adam_then_lbfgs(params: Any, until: Condition | int, lr: float = 1e-3, **lbfgs_kwargs: Any) -> PhasedOptimizer:
    """The Brown/NVIDIA notes' recipe: ``trainlab.optim.Adam(lr)`` until ``until`` (a step count or a condition), then ``LBFGS``."""
    from trainlab.optim.adam import Adam
    from trainlab.optim.second_order.lbfgs import LBFGS

    params = list(params)
    condition = AtStep(until) if isinstance(until, int) and not isinstance(until, bool) else until
    return PhasedOptimizer([Phase(Adam(params, lr=lr), until=condition), Phase(LBFGS(params, **lbfgs_kwargs))])
