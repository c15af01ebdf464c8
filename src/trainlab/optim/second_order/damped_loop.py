"""``DampedOptimizer``: the outer iteration Newton and Hessian-free share.

One ``step(closure)`` runs up to ``max_iter`` iterations of::

    loss, gradient (and the graph, for curvature)    <- the closure, backward deferred
    stop if not finite, or if max|g| <= tolerance_grad
    lambda, step <- _iteration(...)                  (subclass: a damped curvature step)
    stop if the step or the relative loss change is below tolerance_change, or max_eval is used

The damping ``lambda`` lives in the optimizer state (so it is checkpointed) and is
carried from step to step. ``_iteration`` returns ``None`` for the step when no trial
lowered the loss: Newton then stops (``line_search_failed``); Hessian-free goes on with
more damping.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import Tensor

from trainlab.constraints import fail
from trainlab.optim.second_order._closure import flat_grad, flatten, loss_value, loss_with_graph
from trainlab.optim.second_order.base import ClosureOptimizer, StopReason, max_abs

__all__ = ["DampedOptimizer", "Stop"]


class Stop(Exception):
    """Raised by ``_iteration`` to end the step with a reason."""

    def __init__(self, reason: StopReason, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


class DampedOptimizer(ClosureOptimizer):
    """Shared loop of the damped curvature methods; see the module docstring."""

    stop_on_rejection: ClassVar[bool] = True

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        super().__init__(params, defaults)
        if any(p.is_complex() for p in self._params):
            fail(type(self).__name__, "params", "real tensors (its curvature is a real matrix; pass the real and "
                 "imaginary parts as two real parameters)", "a complex tensor")

    @property
    def damping(self) -> float:
        """The current ``lambda``."""
        return float(self._global.get("damping", self.param_groups[0]["damping"]))

    def _iteration(self, closure: Callable[[], Any], loss_t: Tensor, outputs: Any, grads: tuple[Tensor, ...],
                   grad: Tensor, loss: float, lam: float, group: dict[str, Any],
                   start_evals: int) -> tuple[float, Tensor | None, float]:
        """One damped step from the current point: ``(new lambda, step taken or None, new loss)``."""
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Tensor:  # type: ignore[override]
        """Up to ``max_iter`` iterations; return the loss at the starting point."""
        if closure is None:
            raise RuntimeError(f"{type(self).__name__}.step needs a closure that recomputes the loss")
        group = self.param_groups[0]
        state, params = self._global, self._params
        lam = float(state.get("damping", group["damping"]))
        start_evals, orig_loss = state["func_evals"], None
        reason, message = StopReason.BUDGET, f"max_iter = {group['max_iter']} iterations done"
        for _ in range(group["max_iter"]):
            state["func_evals"] += 1
            with torch.enable_grad():
                loss_t, outputs, grads = loss_with_graph(closure, params)
            if orig_loss is None:
                orig_loss = loss_t.detach() if isinstance(loss_t, Tensor) else loss_t
            loss = loss_value(loss_t)
            grad = flat_grad(params) if grads is None else flatten(grads).detach()
            if not (math.isfinite(loss) and bool(torch.isfinite(grad).all())):
                reason, message = StopReason.NON_FINITE, f"loss {loss} or its gradient is not finite"
                break
            if max_abs(grad) <= group["tolerance_grad"]:
                reason, message = StopReason.CONVERGED, f"max|g| = {max_abs(grad):.3g} <= tolerance_grad {group['tolerance_grad']:g}"
                break
            if grads is None:
                raise RuntimeError(
                    f"{type(self).__name__} differentiates the loss twice: the closure must return the loss "
                    f"tensor with its graph, got {loss_t!r} (the parameters' gradients are not zero)")
            state["n_iter"] += 1
            try:
                with torch.enable_grad():
                    lam, step, new_loss = self._iteration(closure, loss_t, outputs, grads, grad, loss, lam, group,
                                                          start_evals)
            except Stop as stop:
                reason, message = stop.reason, stop.message
                break
            finally:
                del loss_t, outputs, grads  # free the graph
            if step is None and self.stop_on_rejection:
                reason, message = StopReason.LINE_SEARCH_FAILED, f"no damping up to {lam:.3g} lowered the loss {loss:.6g}"
                break
            if step is not None:
                step_size, change = max_abs(step), abs(loss - new_loss)
                if step_size <= group["tolerance_change"]:
                    reason, message = StopReason.TOLERANCE, f"max|step| = {step_size:.3g} <= tolerance_change"
                    break
                if change <= group["tolerance_change"] * max(abs(loss), abs(new_loss)):
                    reason = StopReason.TOLERANCE
                    message = f"relative loss change {change / max(abs(loss), 1e-300):.3g} below tolerance_change"
                    break
            if state["func_evals"] - start_evals >= group["max_eval"]:
                reason, message = StopReason.BUDGET, f"max_eval = {group['max_eval']} closure calls used"
                break
        state["damping"] = lam
        self._stop(reason, message)
        return orig_loss
