"""``BFGS``: quasi-Newton with a dense inverse-Hessian approximation (Brown/NVIDIA and UCLA ECE 239AS lecture notes).

Each iteration steps along ``d = -H g`` with a line search (strong Wolfe by
default), then updates the inverse Hessian with the pair ``s = x_{k+1} - x_k``,
``y = g_{k+1} - g_k`` exactly as the lectures write it::

    H <- (I - s y^T / y^T s) H (I - y s^T / y^T s) + s s^T / y^T s

starting from ``H_0 = I``; ``scale_initial=True`` rescales it to ``(y^T s / y^T y) I``
before the first update (Nocedal & Wright eq. 6.20). Storage is ``n^2``: for more
than a few thousand parameters use ``LBFGS``. Arguments, the loop and the stopping
tests are ``LBFGS``'s.

The defaults (strong Wolfe with ``c2 = 0.5``, first trial step
``min(lr, 2.02 (f_k - f_{k-1}) / g.d)``, ``H_0 = I``) are the candidates' best on the
Moré–Garbow–Hillstrom set (``benchmarks/bfgs_defaults.py``, docs/second_order.md):
the fewest evaluations among the settings that reach the global minimum wherever
scipy's BFGS does. ``BFGS(params, line_search_fn="more_thuente", c2=0.9)`` is scipy's
``minimize(method="BFGS")``: the same line search, first trial steps and ``H_0``, hence
the same iterates (tested in float64).

Example:
    >>> import torch
    >>> from trainlab.optim.second_order import BFGS
    >>> x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = BFGS([x], max_iter=100)
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

import torch
from torch import Tensor

from trainlab.constraints import BOOL
from trainlab.optim.second_order.line_search_loop import LineSearchOptimizer

__all__ = ["BFGS", "bfgs_inverse_update"]


def bfgs_inverse_update(h: Tensor, s: Tensor, y: Tensor) -> Tensor:
    """``(I - rho s y^T) H (I - rho y s^T) + rho s s^T`` with ``rho = 1 / y^T s``, in ``O(n^2)``.

    Expanded: ``H - rho (H y s^T + s y^T H) + (rho^2 y^T H y + rho) s s^T`` (``H`` symmetric).
    """
    rho = 1.0 / y.dot(s)
    hy = h.mv(y)
    return (
        h
        - rho * (torch.outer(hy, s) + torch.outer(s, hy))
        + (rho * rho * y.dot(hy) + rho) * torch.outer(s, s)
    )


class BFGS(LineSearchOptimizer):
    """Dense BFGS over one flat parameter vector, stepped with a closure.

    Takes ``LBFGS``'s arguments except ``history_size`` (the whole history is in ``H``),
    and ``scale_initial``: rescale ``H_0 = I`` to ``(y.s / y.y) I`` before the first
    update (default ``False``). Defaults differ from ``LBFGS``'s in ``initial_step``
    (``"previous_decrease"``) and ``c2`` (0.5); see the module docstring.
    """

    constraints = {**LineSearchOptimizer.constraints, "scale_initial": BOOL}

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
        initial_step: str = "previous_decrease",
        scale_initial: bool = False,
        c1: float = 1e-4,
        c2: float = 0.5,
    ) -> None:
        super().__init__(
            params, lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, line_search_fn=line_search_fn, initial_step=initial_step,
            scale_initial=scale_initial, c1=c1, c2=c2, torch_compat=False,
        )

    @property
    def inverse_hessian(self) -> Tensor | None:
        """The current approximation of ``H^-1`` (``None`` before the first update)."""
        return self._global.get("inverse_hessian")

    def _reset(self, state: dict[str, Any], grad: Tensor) -> Tensor:
        state["inverse_hessian"] = None
        return grad.neg()

    def _direction(self, state: dict[str, Any], grad: Tensor, prev_grad: Tensor, d: Tensor, t: float) -> Tensor:
        y = grad.sub(prev_grad)
        s = d.mul(t)
        ys, yy = y.dot(s), y.dot(y)
        h = state.get("inverse_hessian")
        if self._keep_pair(ys, yy, compat=False):
            if h is None:
                h = torch.eye(grad.numel(), dtype=grad.dtype, device=grad.device)
                if self.param_groups[0]["scale_initial"]:
                    h = h * (ys / yy)
            h = state["inverse_hessian"] = bfgs_inverse_update(h, s, y)
        return grad.neg() if h is None else h.mv(grad).neg()
