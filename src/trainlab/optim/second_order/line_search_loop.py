"""``LineSearchOptimizer``: the iteration BFGS, L-BFGS and nonlinear CG share.

One ``step(closure)`` runs up to ``max_iter`` iterations of::

    d <- direction(g, memory)          (memory updated with s = t d, y = g - g_prev)
    t <- line search along d           (strong Wolfe, backtracking Armijo, or fixed lr)
    x <- x + t d

with ``torch.optim.LBFGS``'s structure, its state layout and its stopping tests
(so ``torch_compat=True`` reproduces torch's iterates). Subclasses write the
direction (``_reset``, ``_direction``).

The line search is ``strong_wolfe`` (Nocedal & Wright Alg. 3.5/3.6),
``more_thuente`` (Moré & Thuente 1994, MINPACK's, as in scipy), ``backtracking``
(Armijo) or none (a fixed step ``lr``). Its first trial step (``initial_step``):

* ``"lr"``: ``min(1, 1/|g|_1) lr`` on the first iteration (and after a restart),
  then ``lr`` (torch's rule; right for quasi-Newton directions, whose natural step is 1);
* ``"slope_ratio"``: ``t_prev g_prev.d_prev / g.d`` (Nocedal & Wright
  sec. 3.5; nonlinear CG's default);
* ``"previous_decrease"``: ``min(lr, 2.02 (f_k - f_{k-1}) / g.d)`` (N&W eq. 3.60, scipy's
  BFGS), with ``f_k - f_{k-1}`` taken as ``-|g|_2 / 2`` on the first iteration.

Differences from torch when ``torch_compat=False`` (the default), each aimed at
"L-BFGS stops too early":

* the loss-change test is relative: ``|f - f_prev| <= tolerance_change * max(|f|, |f_prev|)``,
  so small losses do not stop the run;
* a direction that is not a descent direction, or a line search that finds no
  lower point, restarts from steepest descent before giving up
  (``stop_reason == "line_search_failed"``);
* curvature pairs are kept when ``y.s > eps * y.y`` (scale-free) instead of ``y.s > 1e-10``;
* ``max_eval`` defaults to ``max(2 max_iter, max_iter + 25)`` (torch: ``1.25 max_iter``),
  so even ``max_iter=1`` leaves a full line search.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from trainlab.constraints import (
    BOOL, NONNEGATIVE, POSITIVE, POSITIVE_INT, Interval, Optional, Options, fail,
)
from trainlab.optim.second_order.linesearch import LineSearchResult, backtracking, strong_wolfe
from trainlab.optim.second_order.more_thuente import more_thuente
from trainlab.optim.second_order._closure import add_flat_
from trainlab.optim.second_order.base import ANY_REAL, ClosureOptimizer, LineFunction, StopReason, first_step, max_abs

__all__ = ["LineSearchOptimizer", "LINE_SEARCHES"]

LINE_SEARCHES = (None, "strong_wolfe", "more_thuente", "backtracking")
INITIAL_STEPS = ("lr", "slope_ratio", "previous_decrease")
OPEN_UNIT = Interval(0, 1, closed="neither")
OPTIONAL_POSITIVE_INT = Optional(POSITIVE_INT)


class LineSearchOptimizer(ClosureOptimizer):
    """Shared loop of the line-search methods; see the module docstring."""

    constraints = {
        "lr": POSITIVE,
        "max_iter": POSITIVE_INT,
        "max_eval": POSITIVE_INT,
        "tolerance_grad": ANY_REAL,
        "tolerance_change": NONNEGATIVE,
        "line_search_fn": Options(LINE_SEARCHES),
        "initial_step": Options(INITIAL_STEPS),
        "c1": OPEN_UNIT,
        "c2": OPEN_UNIT,
        "torch_compat": BOOL,
    }

    def __init__(self, params: Any, *, max_eval: int | None, **defaults: Any) -> None:
        owner = type(self).__name__
        if not OPTIONAL_POSITIVE_INT.accepts(max_eval):
            fail(owner, "max_eval", str(OPTIONAL_POSITIVE_INT), max_eval)
        super().__init__(params, {**defaults, "max_eval": max_eval})

    def default_max_eval(self, defaults: Mapping[str, Any]) -> int:
        n = defaults["max_iter"]
        return n * 5 // 4 if defaults.get("torch_compat") else max(2 * n, n + 25)

    def check_relations(self, group: Mapping[str, Any], owner: str) -> None:
        c1, c2 = group.get("c1"), group.get("c2")
        if c1 is not None and c2 is not None and not c1 < c2:
            fail(owner, "c2", f"greater than c1 = {c1}", c2)

    # -- what subclasses write ------------------------------------------------------
    def _reset(self, state: dict[str, Any], grad: Tensor) -> Tensor:
        """Forget the memory; return the steepest-descent direction."""
        return grad.neg()

    def _direction(self, state: dict[str, Any], grad: Tensor, prev_grad: Tensor, d: Tensor, t: float) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def _initial_step(rule: str, lr: float, grad: Tensor, fresh: bool,
                      t_prev: float, gtd_prev: float, gtd: float, loss: float, older_loss: float | None) -> float:
        """The first trial step of the line search (see ``initial_step`` in the module docstring)."""
        if rule == "previous_decrease":
            if fresh or older_loss is None:  # scipy's convention: f_{k-1} = f_k + |g|_2 / 2
                older_loss = loss + 0.5 * float(grad.norm())
            t = min(lr, 2.02 * (loss - older_loss) / gtd) if gtd < 0 else lr
        elif fresh:
            return first_step(grad, lr)
        elif rule == "slope_ratio":
            t = float(t_prev) * gtd_prev / gtd if gtd < 0 else lr
        else:
            return lr
        return t if math.isfinite(t) and t > 0 else lr  # a guess that is no step falls back to lr

    def _keep_pair(self, ys: Tensor, yy: Tensor, compat: bool) -> bool:
        """Whether the curvature pair is safe to use (``y.s`` large enough)."""
        return bool(ys > 1e-10) if compat else bool(ys > torch.finfo(ys.dtype).eps * yy)

    # -- the loop -----------------------------------------------------------------------
    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Tensor:  # type: ignore[override]
        """Run up to ``max_iter`` iterations; return the loss at the starting point."""
        if closure is None:
            raise RuntimeError(f"{type(self).__name__}.step needs a closure that recomputes the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        compat, ls_fn = group["torch_compat"], group["line_search_fn"]
        state = self._global
        start_evals = state["func_evals"]

        orig_loss, loss, grad = self._evaluate(closure)
        if not (math.isfinite(loss) and bool(torch.isfinite(grad).all())):
            self._stop(StopReason.NON_FINITE, f"loss {loss} or its gradient is not finite")
            return orig_loss
        if max_abs(grad) <= tol_grad:
            self._stop(StopReason.CONVERGED, f"max|g| = {max_abs(grad):.3g} <= tolerance_grad {tol_grad:g}")
            return orig_loss

        d, t = state.get("d"), state.get("t")
        prev_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        gtd_prev = state.get("gtd", 0.0)
        restart = state.get("restart", False)
        reason, message = StopReason.BUDGET, f"max_iter = {max_iter} iterations done"
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # -- direction ----------------------------------------------------------
            fresh = state["n_iter"] == 1 or restart or d is None
            if fresh:
                d = self._reset(state, grad)
            else:
                d = self._direction(state, grad, prev_grad, d, t)
            prev_grad = grad.clone(memory_format=torch.contiguous_format)
            older_loss, prev_loss = prev_loss, loss
            gtd = float(grad.dot(d))
            if not compat and not gtd < 0 and not fresh:  # not a descent direction: start over
                d, fresh = self._reset(state, grad), True
                gtd = float(grad.dot(d))
            t = self._initial_step(group["initial_step"], lr, grad, state["n_iter"] == 1 or (fresh and not compat),
                                   t, gtd_prev, gtd, loss, older_loss)
            gtd_prev = gtd
            restart = False
            if gtd > -tol_change if compat else not gtd < 0:
                reason, message = StopReason.TOLERANCE, f"directional derivative {gtd:.3g} > -{tol_change:g}"
                break
            # -- step length -----------------------------------------------------
            if ls_fn is None:
                add_flat_(self._params, d, t)
                opt_cond = False
                if n_iter != max_iter:
                    _, loss, grad = self._evaluate(closure)
                    opt_cond = max_abs(grad) <= tol_grad
            else:
                phi = LineFunction(self, closure, d, loss, grad)
                res = self._line_search(phi, ls_fn, loss, gtd, t, group, max_eval - (state["func_evals"] - start_evals))
                if not compat and not res.value < prev_loss:  # no decrease along d: stay put
                    t = 0.0
                    if fresh:
                        reason = StopReason.LINE_SEARCH_FAILED
                        message = f"no lower point along steepest descent ({res.message}); loss {loss:.6g}"
                        break
                    restart = True  # retry from steepest descent next iteration
                else:
                    t = res.step
                    phi.move_to(t)
                    loss, grad = res.value, phi.grad_at(t)
                opt_cond = max_abs(grad) <= tol_grad
            current = state["func_evals"] - start_evals
            # -- stopping tests (torch.optim.LBFGS's order) ---------------------------
            if not math.isfinite(loss):
                reason, message = StopReason.NON_FINITE, f"loss {loss} is not finite"
                break
            if n_iter == max_iter:
                break
            if current >= max_eval:
                reason, message = StopReason.BUDGET, f"max_eval = {max_eval} closure calls used"
                break
            if opt_cond:
                reason, message = StopReason.CONVERGED, f"max|g| = {max_abs(grad):.3g} <= tolerance_grad {tol_grad:g}"
                break
            if restart:
                continue
            step_size = max_abs(d.mul(t))
            if step_size <= tol_change:
                reason, message = StopReason.TOLERANCE, f"max|step| = {step_size:.3g} <= tolerance_change {tol_change:g}"
                break
            change = abs(loss - prev_loss)
            scale = 1.0 if compat else max(abs(loss), abs(prev_loss))
            if (change < tol_change) if compat else (change <= tol_change * scale):
                kind = "" if compat else "relative "
                reason, message = StopReason.TOLERANCE, f"{kind}loss change {change / (scale or 1):.3g} below tolerance_change {tol_change:g}"
                break
        state.update(d=d, t=t, prev_flat_grad=prev_grad, prev_loss=prev_loss, gtd=gtd_prev, restart=restart)
        self._stop(reason, message)
        return orig_loss

    def _line_search(self, phi: LineFunction, ls_fn: str, loss: float, gtd: float, t: float,
                     group: dict[str, Any], evals_left: int) -> LineSearchResult:
        limit = max(1, min(25, evals_left))
        if ls_fn == "strong_wolfe":
            return strong_wolfe(
                phi, loss, gtd, t, c1=group["c1"], c2=group["c2"],
                max_evals=evals_left + 1 if group["torch_compat"] else limit,
                tolerance_change=group["tolerance_change"], scale=max_abs(phi.direction),
                torch_compat=group["torch_compat"],
            )
        if ls_fn == "more_thuente":
            return more_thuente(phi, loss, gtd, t, c1=group["c1"], c2=group["c2"], max_evals=limit)
        return backtracking(phi, loss, gtd, t, c1=group["c1"], max_evals=max(1, min(30, evals_left)))
