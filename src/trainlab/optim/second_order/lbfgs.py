"""``LBFGS``: limited-memory BFGS (Liu & Nocedal 1989; Brown/NVIDIA and UCLA ECE 239AS lecture notes).

The direction ``d = -H g`` comes from the two-loop recursion over the last
``history_size`` pairs ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k``, starting
from ``H_0 = (y.s / y.y) I`` (Nocedal & Wright Alg. 7.4, eq. 7.20)::

    q <- -g
    for i = newest..oldest:  a_i <- rho_i s_i.q;   q <- q - a_i y_i
    r <- H_0 q
    for i = oldest..newest:  b <- rho_i y_i.r;     r <- r + (a_i - b) s_i
    d <- r                                          (rho_i = 1 / y_i.s_i)

Arguments, defaults (except ``line_search_fn`` and ``max_eval``), the closure
protocol and the state layout are ``torch.optim.LBFGS``'s; ``torch_compat=True``
follows torch's iterates exactly (tested in float64). Without it the run does
not "stop too early" (relative loss-change test, restarts; see
``trainlab.optim.second_order.line_search_loop``) and ``stop_reason`` says why
each ``step`` returned.

Example:
    >>> import torch
    >>> from trainlab.optim.second_order import LBFGS
    >>> x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = LBFGS([x], max_iter=200)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> opt.stop_reason.value, [round(v, 6) for v in x.tolist()]
    ('converged', [1.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from trainlab.constraints import POSITIVE_INT
from trainlab.optim.second_order.line_search_loop import LineSearchOptimizer

__all__ = ["LBFGS", "two_loop"]


def two_loop(grad: Tensor, old_dirs: Sequence[Tensor], old_stps: Sequence[Tensor],
             ro: Sequence[Tensor], h_diag: Tensor | float) -> Tensor:
    """``-H g`` by the two-loop recursion (``old_dirs`` are the ``y``, ``old_stps`` the ``s``).

    The operations, and their order, are ``torch.optim.LBFGS``'s, so the result
    is bit-for-bit the same.
    """
    num_old = len(old_dirs)
    al: list[Any] = [None] * num_old
    q = grad.neg()
    for i in range(num_old - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q.add_(old_dirs[i], alpha=-al[i])
    r = torch.mul(q, h_diag)
    for i in range(num_old):
        be_i = old_dirs[i].dot(r) * ro[i]
        r.add_(old_stps[i], alpha=al[i] - be_i)
    return r


class LBFGS(LineSearchOptimizer):
    """L-BFGS over one flat parameter vector, stepped with a closure.

    Args:
        params: the parameters (one group).
        lr: scale of the first trial step of each iteration (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure calls per ``step`` (default ``max(2 max_iter, max_iter + 25)``;
            ``1.25 max_iter`` with ``torch_compat``).
        tolerance_grad: stop when ``max|g| <= tolerance_grad``.
        tolerance_change: stop when the step, the (relative) loss change or the
            directional derivative falls below it.
        history_size: pairs ``(s, y)`` kept (default 100).
        line_search_fn: ``"strong_wolfe"`` (default), ``"more_thuente"`` (MINPACK's, as
            scipy), ``"backtracking"`` (Armijo) or ``None`` (fixed step ``lr``; torch's default).
        initial_step: the first trial step of each line search: ``"lr"`` (default, torch's),
            ``"previous_decrease"`` (N&W eq. 3.60, scipy's) or ``"slope_ratio"``.
        c1, c2: line-search constants (default 1e-4, 0.9).
        torch_compat: follow ``torch.optim.LBFGS`` exactly.
    """

    constraints = {**LineSearchOptimizer.constraints, "history_size": POSITIVE_INT}

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = "strong_wolfe",
        *,
        initial_step: str = "lr",
        c1: float = 1e-4,
        c2: float = 0.9,
        torch_compat: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn,
            initial_step=initial_step, c1=c1, c2=c2, torch_compat=torch_compat,
        )

    def _reset(self, state: dict[str, Any], grad: Tensor) -> Tensor:
        state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
        return grad.neg()

    def _direction(self, state: dict[str, Any], grad: Tensor, prev_grad: Tensor, d: Tensor, t: float) -> Tensor:
        group = self.param_groups[0]
        y = grad.sub(prev_grad)
        s = d.mul(t)
        ys = y.dot(s)
        yy = y.dot(y)
        if self._keep_pair(ys, yy, group["torch_compat"]):
            if len(state["old_dirs"]) == group["history_size"]:
                for key in ("old_dirs", "old_stps", "ro"):
                    state[key].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / yy
        return two_loop(grad, state["old_dirs"], state["old_stps"], state["ro"], state["H_diag"])

