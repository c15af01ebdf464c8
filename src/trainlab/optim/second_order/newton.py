"""``Newton``: the exact Hessian with Levenberg-Marquardt damping (Brown/NVIDIA, UCLA ECE 239AS lecture notes).

Each iteration takes the exact gradient ``g`` and Hessian ``H`` (``torch.func``
vmap over vector-Jacobian products; fine up to a few thousand parameters) and
steps by the damped Newton direction of the UCLA ECE 239AS lecture notes::

    p = -(H + lambda I)^-1 g          x <- x + lr p

``lambda`` starts at ``damping`` (0: the pure Newton step, which lands on the
minimum of a positive-definite quadratic in one step) and adapts as in
Levenberg-Marquardt (Moré 1978; Nocedal & Wright sec. 4.1) from the ratio of the
actual to the predicted reduction ``rho = (f(x) - f(x + p)) / (-g.p - p.H p / 2)``:

* ``H + lambda I`` not positive definite (Cholesky fails: negative curvature,
  e.g. near a saddle or a maximum) -> ``lambda`` rises past ``-lambda_min(H)``;
* ``rho < 1/4`` -> ``lambda *= damping_increase``; ``rho > 3/4`` -> ``lambda *= damping_decrease``
  (and back to 0 below ``min_damping``);
* a step that does not lower the loss is undone and retried with more damping.

As ``lambda`` grows the step tends to gradient descent with rate ``1/lambda``
(UCLA ECE 239AS lecture notes). The closure may call ``backward()`` or not: Newton runs it with
``backward`` deferred, so the graph survives for the second derivatives.

Example:
    >>> import torch
    >>> from trainlab.optim.second_order import Newton
    >>> x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = Newton([x])
    >>> closure = lambda: 0.5 * (x[0] ** 2 + 100 * x[1] ** 2) + x[0] * x[1]
    >>> _ = opt.step(closure)
    >>> [abs(v) < 1e-12 for v in x.tolist()]
    [True, True]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Interval
from trainlab.optim.second_order._closure import add_flat_, clone_params, restore_params, value_only
from trainlab.optim.second_order.base import ANY_REAL, StopReason
from trainlab.optim.second_order.curvature import hessian_matrix
from trainlab.optim.second_order.damped_loop import DampedOptimizer, Stop

__all__ = ["Newton", "damped_newton_direction"]

ABOVE_ONE = Interval(1, None, closed="neither")
OPEN_UNIT = Interval(0, 1, closed="neither")


def damped_newton_direction(hess: Tensor, grad: Tensor, damping: float) -> Tensor | None:
    """``-(H + damping I)^-1 g`` by Cholesky, or ``None`` when ``H + damping I`` is not positive definite."""
    eye = torch.eye(hess.shape[0], dtype=hess.dtype, device=hess.device)
    factor, info = torch.linalg.cholesky_ex(hess + damping * eye)
    if int(info) != 0 or not bool(torch.isfinite(factor).all()):
        return None
    return torch.cholesky_solve(grad.neg().unsqueeze(1), factor).squeeze(1)


class Newton(DampedOptimizer):
    """Damped Newton's method over one flat parameter vector, stepped with a closure.

    Args:
        params: the parameters (one group; a few thousand scalars at most).
        lr: multiplies the Newton step (default 1).
        max_iter: Newton iterations per ``step`` (default 1).
        max_eval: closure calls per ``step`` (default ``10 * max_iter``).
        damping: initial ``lambda`` (default 0: pure Newton while it works).
        damping_increase, damping_decrease: Levenberg-Marquardt factors (3 and 1/3).
        min_damping: the smallest non-zero ``lambda`` (default 1e-8).
        tolerance_grad: stop when ``max|g| <= tolerance_grad``.
        tolerance_change: stop when the step or the relative loss change is below it.
    """

    constraints = {
        "lr": POSITIVE,
        "max_iter": POSITIVE_INT,
        "max_eval": POSITIVE_INT,
        "damping": NONNEGATIVE,
        "damping_increase": ABOVE_ONE,
        "damping_decrease": OPEN_UNIT,
        "min_damping": POSITIVE,
        "tolerance_grad": ANY_REAL,
        "tolerance_change": NONNEGATIVE,
    }

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        max_iter: int = 1,
        max_eval: int | None = None,
        damping: float = 0.0,
        damping_increase: float = 3.0,
        damping_decrease: float = 1 / 3,
        min_damping: float = 1e-8,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
    ) -> None:
        super().__init__(params, dict(
            lr=lr, max_iter=max_iter, max_eval=max_eval, damping=damping, damping_increase=damping_increase,
            damping_decrease=damping_decrease, min_damping=min_damping, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
        ))

    def default_max_eval(self, defaults: Mapping[str, Any]) -> int:
        return 10 * defaults["max_iter"]

    def _iteration(self, closure: Callable[[], Any], loss_t: Tensor, outputs: Any, grads: tuple[Tensor, ...],
                   grad: Tensor, loss: float, lam: float, group: dict[str, Any],
                   start_evals: int) -> tuple[float, Tensor | None, float]:
        hess = hessian_matrix(grads, self._params).detach()
        if not bool(torch.isfinite(hess).all()):
            raise Stop(StopReason.NON_FINITE, "the Hessian is not finite")
        accepted, lam, new_loss, p = self._damped_step(closure, hess, grad, loss, lam, group, start_evals)
        return lam, (p if accepted else None), new_loss

    def _damped_step(self, closure: Callable[[], Any], hess: Tensor, grad: Tensor, loss: float, lam: float,
                     group: dict[str, Any], start_evals: int) -> tuple[bool, float, float, Tensor]:
        """Try ``x + lr p(lambda)`` with growing ``lambda`` until the loss drops; adapt ``lambda``."""
        state, params = self._global, self._params
        inc, dec, floor = group["damping_increase"], group["damping_decrease"], group["min_damping"]
        start = clone_params(params)
        lam_min: float | None = None
        p = grad.neg()
        while state["func_evals"] - start_evals < group["max_eval"] and lam < 1e300:
            direction = damped_newton_direction(hess, grad, lam)
            if direction is None:  # not positive definite: shift past the most negative eigenvalue
                if lam_min is None:
                    lam_min = float(torch.linalg.eigvalsh(hess)[0])
                lam = max(lam * inc, 2.0 * -lam_min, floor)
                continue
            p = direction.mul(float(group["lr"]))
            predicted = -float(grad.dot(p)) - 0.5 * float(p.dot(hess.mv(p)))
            add_flat_(params, p)
            state["func_evals"] += 1
            new_loss = value_only(closure)
            actual = loss - new_loss
            rho = actual / predicted if predicted > 0 else -math.inf
            if not math.isfinite(new_loss) or rho < 0.25:
                lam = max(lam * inc, floor)
            elif rho > 0.75:
                lam = lam * dec if lam * dec >= floor else 0.0
            if math.isfinite(new_loss) and new_loss < loss:
                return True, lam, new_loss, p
            restore_params(params, start)
        return False, lam, loss, p
