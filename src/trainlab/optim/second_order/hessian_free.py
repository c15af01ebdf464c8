"""``HessianFree``: truncated-Newton optimization without forming the Hessian (Martens 2010; UCLA ECE 239AS lecture notes).

Each iteration minimizes the damped quadratic model
``q(p) = g.p + p.(B + lambda I)p / 2`` with linear conjugate gradients, using
only curvature-vector products ``B v``:

* ``curvature="gauss_newton"`` — ``B = J^T H_L J`` (positive semi-definite for
  convex losses of the outputs); the closure returns ``(loss, outputs)``;
* ``curvature="hessian"`` — ``B = H`` by double backward; the closure returns the loss.

Martens' recipe, step by step:

1. CG starts from ``cg_decay`` times the previous solution and stops by the
   relative-progress test on the quadratic: after ``i > k = max(10, i/10)``
   iterations, when ``(phi_i - phi_{i-k}) / phi_i < k * cg_tol`` (or on
   negative curvature, or after ``cg_max_iter`` iterations). An optional
   diagonal ``preconditioner(grad, damping) -> M`` solves with ``M``.
2. CG backtracking: of the iterates kept at ``i = ceil(1.3^j)``, take the last,
   then step back while an earlier one has a lower loss.
3. Damping by the reduction ratio ``rho = (f(x + p) - f(x)) / (q_0(p) - q_0(0))``
   (``q_0`` undamped): ``lambda *= damping_increase`` (3/2) if ``rho < 1/4``,
   ``lambda *= damping_decrease`` (2/3) if ``rho > 3/4``.
4. A backtracking Armijo search on the step (``c1 = 1e-2``, factor 0.8;
   Martens & Sutskever 2012) when the CG step is not already good enough; a step
   with no decrease is undone.

Example (Rosenbrock as a least-squares problem, Gauss-Newton curvature):
    >>> import torch
    >>> from trainlab.optim.second_order import HessianFree
    >>> x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    >>> opt = HessianFree([x], max_iter=50, damping=1e-3)
    >>> def closure():
    ...     residuals = torch.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]])
    ...     return (residuals ** 2).sum(), residuals
    >>> _ = opt.step(closure)
    >>> [round(v, 6) for v in x.tolist()]
    [1.0, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Interval, Options, Satisfies
from trainlab.optim.second_order.linesearch import backtracking
from trainlab.optim.second_order._closure import add_flat_, clone_params, restore_params, value_only
from trainlab.optim.second_order.curvature import GaussNewton, hessian_vector_product
from trainlab.optim.second_order.base import ANY_REAL
from trainlab.optim.second_order.damped_loop import DampedOptimizer
from trainlab.optim.second_order.newton import ABOVE_ONE, OPEN_UNIT

__all__ = ["CGResult", "HessianFree", "martens_cg"]

MatVec = Callable[[Tensor], Tensor]


@dataclass
class CGResult:
    """The last CG iterate, the iterates kept for backtracking (with the quadratic at each), iterations run and why CG stopped."""

    x: Tensor
    kept: list[Tensor]
    kept_phi: list[float]
    iterations: int
    reason: str


def martens_cg(matvec: MatVec, b: Tensor, x0: Tensor, *, max_iter: int = 250, tol: float = 5e-4,
               precondition: Tensor | None = None) -> CGResult:
    """Preconditioned CG on ``A x = b`` with Martens' (2010) stopping test and kept iterates.

    ``A`` should be positive definite; CG stops at the first direction of
    non-positive curvature. ``precondition`` is the diagonal ``M`` (solves ``M z = r``).
    """
    x = x0.clone()
    r = b - matvec(x) if bool(x.any()) else b.clone()
    y = r / precondition if precondition is not None else r
    p, ry = y.clone(), float(r.dot(y))
    kept: list[Tensor] = []
    phis: list[float] = [-0.5 * float(x.dot(b + r))]
    kept_phi: list[float] = []
    next_keep, j = 1, 1
    reason, i = f"max_iter = {max_iter}", 0
    for i in range(1, max_iter + 1):
        ap = matvec(p)
        curvature = float(p.dot(ap))
        if not curvature > 0:
            reason, i = "negative curvature", i - 1
            if i == 0 and not bool(x.any()):  # nothing done yet: fall back to the (preconditioned) residual
                x = y * (ry / max(float(y.dot(y)), 1e-300)) if ry > 0 else x
            break
        alpha = ry / curvature
        x.add_(p, alpha=alpha)
        r.sub_(ap, alpha=alpha)
        y = r / precondition if precondition is not None else r
        ry_new = float(r.dot(y))
        p.mul_(ry_new / ry).add_(y)
        ry = ry_new
        phis.append(-0.5 * float(x.dot(b + r)))  # 1/2 x.Ax - b.x, with Ax = b - r
        if i == next_keep:
            kept.append(x.clone())
            kept_phi.append(phis[-1])
            while next_keep <= i:
                j += 1
                next_keep = math.ceil(1.3**j)
        k = max(10, int(0.1 * i))
        phi = phis[-1]
        if i > k and phi < 0 and (phi - phis[-1 - k]) / phi < k * tol:
            reason = "relative progress below cg_tol"
            break
        if ry == 0.0:
            reason = "exact solution"
            break
    if not kept or not torch.equal(kept[-1], x):
        kept.append(x.clone())
        kept_phi.append(-0.5 * float(x.dot(b + r)))
    return CGResult(x, kept, kept_phi, i, reason)


_CALLABLE_OR_NONE = Satisfies(lambda v: v is None or callable(v), "None or a callable (grad, damping) -> diagonal")


class HessianFree(DampedOptimizer):
    """Hessian-free (truncated Newton-CG) optimization, stepped with a closure.

    A step with no decrease is undone and the next iteration retries with more damping.

    Args:
        params: the parameters (one group).
        curvature: ``"gauss_newton"`` (default; closure returns ``(loss, outputs)``) or ``"hessian"``.
        max_iter: outer iterations per ``step`` (default 1).
        max_eval: closure calls per ``step`` (default ``40 * max_iter``).
        damping: initial Tikhonov ``lambda`` (default 1).
        damping_increase, damping_decrease: factors for poor / good ``rho`` (3/2, 2/3).
        cg_max_iter, cg_tol, cg_decay: CG iterations, Martens' progress tolerance, warm-start factor.
        preconditioner: ``None`` or ``(grad, damping) -> M`` (a positive diagonal).
        tolerance_grad, tolerance_change: as in ``LBFGS``.
    """

    stop_on_rejection = False

    constraints = {
        "curvature": Options(("gauss_newton", "hessian")),
        "max_iter": POSITIVE_INT,
        "max_eval": POSITIVE_INT,
        "damping": POSITIVE,
        "damping_increase": ABOVE_ONE,
        "damping_decrease": OPEN_UNIT,
        "cg_max_iter": POSITIVE_INT,
        "cg_tol": POSITIVE,
        "cg_decay": Interval(0, 1, closed="both"),
        "tolerance_grad": ANY_REAL,
        "tolerance_change": NONNEGATIVE,
        "preconditioner": _CALLABLE_OR_NONE,
    }

    def __init__(
        self,
        params: Any,
        curvature: str = "gauss_newton",
        max_iter: int = 1,
        max_eval: int | None = None,
        damping: float = 1.0,
        damping_increase: float = 1.5,
        damping_decrease: float = 2 / 3,
        cg_max_iter: int = 250,
        cg_tol: float = 5e-4,
        cg_decay: float = 0.95,
        preconditioner: Callable[[Tensor, float], Tensor] | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
    ) -> None:
        super().__init__(params, dict(
            curvature=curvature, max_iter=max_iter, max_eval=max_eval, damping=damping,
            damping_increase=damping_increase, damping_decrease=damping_decrease, cg_max_iter=cg_max_iter,
            cg_tol=cg_tol, cg_decay=cg_decay, preconditioner=preconditioner,
            tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
        ))

    def default_max_eval(self, defaults: Mapping[str, Any]) -> int:
        return 40 * defaults["max_iter"]

    def state_dict(self) -> dict[str, Any]:
        sd = super().state_dict()
        for group in sd["param_groups"]:  # a callable does not belong in a checkpoint
            group["preconditioner"] = None
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        keep = self.param_groups[0]["preconditioner"]
        super().load_state_dict(state_dict)
        self.param_groups[0]["preconditioner"] = keep

    def _curvature(self, group: dict[str, Any], loss: Tensor, outputs: Any, grads: tuple[Tensor, ...]) -> MatVec:
        if group["curvature"] == "gauss_newton":
            return GaussNewton(loss, outputs, self._params)
        return lambda v: hessian_vector_product(grads, self._params, v)

    def _iteration(self, closure: Callable[[], Any], loss_t: Tensor, outputs: Any, grads: tuple[Tensor, ...],
                   grad: Tensor, loss: float, lam: float, group: dict[str, Any],
                   start_evals: int) -> tuple[float, Tensor | None, float]:
        """CG, CG backtracking, damping update and line search; returns (lambda, step or None, new loss)."""
        state, params = self._global, self._params
        curv = self._curvature(group, loss_t, outputs, grads)
        start = clone_params(params)
        values: dict[int, float] = {}

        def loss_at(v: Tensor) -> float:
            add_flat_(params, v)
            state["func_evals"] += 1
            value = value_only(closure)
            restore_params(params, start)
            return value if math.isfinite(value) else math.inf

        precondition = group["preconditioner"](grad, lam) if group["preconditioner"] is not None else None
        init = state.get("cg_init")
        x0 = init * group["cg_decay"] if init is not None and init.shape == grad.shape else torch.zeros_like(grad)
        cg = martens_cg(lambda v: curv(v) + lam * v, grad.neg(), x0, max_iter=group["cg_max_iter"],
                        tol=group["cg_tol"], precondition=precondition)
        state["cg_init"], state["cg_iterations"] = cg.x, cg.iterations
        # CG backtracking over the kept iterates, last to first
        best = len(cg.kept) - 1
        values[best] = loss_at(cg.kept[best])
        for i in range(best - 1, -1, -1):
            values[i] = loss_at(cg.kept[i])
            if values[i] >= values[best]:
                break
            best = i
        p, new_loss = cg.kept[best], values[best]
        gp = float(grad.dot(p))
        model = cg.kept_phi[best] - 0.5 * lam * float(p.dot(p))  # undamped q(p) - q(0)
        rho = (new_loss - loss) / model if model < 0 else -math.inf
        if rho < 0.25:
            lam *= group["damping_increase"]
        elif rho > 0.75:
            lam *= group["damping_decrease"]
        alpha = 1.0
        if gp < 0 and not new_loss <= loss + 1e-2 * gp:
            cache = {1.0: new_loss}

            def phi(a: float) -> tuple[float, float]:
                if a not in cache:
                    cache[a] = loss_at(p * a)
                return cache[a], math.nan

            res = backtracking(phi, loss, gp, 1.0, c1=1e-2, shrink=0.8, interpolate=False, max_evals=20)
            alpha, new_loss = (res.step, res.value) if res.success else (0.0, loss)
        if not new_loss < loss:
            return lam, None, loss
        add_flat_(params, p, alpha)
        return lam, p * alpha, new_loss
