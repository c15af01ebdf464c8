"""``ConjugateGradient``: nonlinear conjugate gradients (UCLA ECE 239AS lecture notes; Nocedal & Wright ch. 5.2).

Each direction mixes the new gradient with the previous direction::

    d_{k+1} = -g_{k+1} + beta d_k
    beta_FR  = g_{k+1}.g_{k+1} / g_k.g_k                        (Fletcher-Reeves)
    beta_PR+ = max(0, g_{k+1}.(g_{k+1} - g_k) / g_k.g_k)         (Polak-Ribiere+)

with a strong-Wolfe line search (``c2 = 0.1`` by default, so that FR directions
are descent directions), the first trial step ``t_{k-1} g_{k-1}.d_{k-1} / g_k.d_k``
(``initial_step="slope_ratio"``, N&W sec. 3.5), and a restart (``beta = 0``) every ``restart_every`` iterations
(default: the number of parameters) or when the direction is not downhill.
Arguments, the loop and the stopping tests are ``LBFGS``'s.

Example:
    >>> import torch
    >>> from trainlab.optim.second_order import ConjugateGradient
    >>> x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = ConjugateGradient([x], max_iter=100, beta="fletcher_reeves")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (x[0] - 3) ** 2 + 10 * (x[1] - 0.5) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 6) for v in x.tolist()]
    [3.0, 0.5]
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from trainlab.constraints import Options
from trainlab.optim.second_order.line_search_loop import OPTIONAL_POSITIVE_INT, LineSearchOptimizer

__all__ = ["ConjugateGradient"]

BETAS = ("polak_ribiere", "fletcher_reeves")


class ConjugateGradient(LineSearchOptimizer):
    """Nonlinear CG over one flat parameter vector, stepped with a closure.

    Args (besides ``LBFGS``'s):
        beta: ``"polak_ribiere"`` (PR+, default) or ``"fletcher_reeves"``.
        restart_every: iterations between restarts (``None``: number of parameters).
        initial_step: the line search's first trial, ``"slope_ratio"`` (default), ``"lr"``
            or ``"previous_decrease"`` (see ``line_search_loop``).
    """

    constraints = {**LineSearchOptimizer.constraints, "beta": Options(BETAS), "restart_every": OPTIONAL_POSITIVE_INT}

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        line_search_fn: str | None = "strong_wolfe",
        *,
        beta: str = "polak_ribiere",
        restart_every: int | None = None,
        initial_step: str = "slope_ratio",
        c1: float = 1e-4,
        c2: float = 0.1,
    ) -> None:
        super().__init__(
            params, lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, line_search_fn=line_search_fn, c1=c1, c2=c2,
            torch_compat=False, beta=beta, initial_step=initial_step, restart_every=restart_every,
        )

    def _reset(self, state: dict[str, Any], grad: Tensor) -> Tensor:
        state["since_restart"] = 0
        return grad.neg()

    def _direction(self, state: dict[str, Any], grad: Tensor, prev_grad: Tensor, d: Tensor, t: float) -> Tensor:
        group = self.param_groups[0]
        every = group["restart_every"] or grad.numel()
        state["since_restart"] = state.get("since_restart", 0) + 1
        if state["since_restart"] >= every:
            return self._reset(state, grad)
        gg_prev = prev_grad.dot(prev_grad)
        if group["beta"] == "fletcher_reeves":
            beta = grad.dot(grad) / gg_prev
        else:
            beta = (grad.dot(grad.sub(prev_grad)) / gg_prev).clamp(min=0)
        return grad.neg().add_(d, alpha=float(beta))

