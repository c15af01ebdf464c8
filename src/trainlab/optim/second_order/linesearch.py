"""Line searches: backtracking Armijo and strong Wolfe (bracketing + zoom).

Both are pure functions of a one-dimensional restriction of the objective::

    phi(alpha) -> (f(x + alpha d), grad f(x + alpha d) . d)

so every method (BFGS, L-BFGS, nonlinear CG, Hessian-free, Newton) shares them.
The caller knows ``phi(0)`` and ``phi'(0) < 0`` and passes them in.

* ``backtracking`` — shrink ``alpha`` until the sufficient-decrease (Armijo)
  condition ``phi(alpha) <= phi(0) + c1 alpha phi'(0)`` holds, with safeguarded
  quadratic interpolation (Nocedal & Wright 2006, Alg. 3.1 and sec. 3.5).
* ``strong_wolfe`` — Nocedal & Wright Alg. 3.5 (bracketing) and 3.6 (zoom):
  find ``alpha`` with sufficient decrease and ``|phi'(alpha)| <= c2 |phi'(0)|``.
  Trial steps come from safeguarded cubic interpolation as in minFunc (Schmidt)
  and ``torch.optim.LBFGS``; with ``torch_compat=True`` the search makes the very
  same trials as torch's ``_strong_wolfe`` (it compares with the previous trial
  only from the third trial on).

The third search, Moré & Thuente's (MINPACK's, as in scipy), takes the same
arguments and lives in ``trainlab.optim.second_order.more_thuente``.

Example:
    >>> res = strong_wolfe(lambda a: ((a - 2.0) ** 2, 2 * (a - 2.0)), 4.0, -4.0, 1.0, c2=0.1)
    >>> res.success, round(res.step, 6)
    (True, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LineSearchResult", "Phi", "backtracking", "cubic_minimizer", "strong_wolfe"]

Phi = Callable[[float], tuple[float, float]]


@dataclass(frozen=True)
class LineSearchResult:
    """The step a line search chose, ``phi`` and ``phi'`` there, and how it went."""

    step: float
    value: float
    slope: float
    evals: int
    success: bool
    message: str


def cubic_minimizer(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Minimizer of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clipped to ``bounds``.

    Nocedal & Wright eq. (3.59); falls back to the middle of the bounds when the
    cubic has no minimizer. The arithmetic follows minFunc's ``polyinterp`` (and
    torch's ``_cubic_interpolate``) step for step.
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    if x1 == x2:
        return min(max(x1, lo), hi)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    try:
        d2_square = d1**2 - g1 * g2
    except OverflowError:  # values of 1e154 and more (far starts): no cubic step
        return (lo + hi) / 2.0
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        if math.isfinite(pos):
            return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def backtracking(
    phi: Phi,
    value: float,
    slope: float,
    step: float = 1.0,
    *,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_evals: int = 30,
    interpolate: bool = True,
) -> LineSearchResult:
    """Backtracking Armijo search starting at ``step``.

    Each rejected trial is replaced by the minimizer of the quadratic through
    ``phi(0)``, ``phi'(0)`` and ``phi(step)``, kept within ``[0.1, shrink] * step``
    (plain ``step *= shrink`` with ``interpolate=False``). Non-finite trial values
    count as rejections. On failure the lowest point seen is returned (step 0 if none
    was lower than ``phi(0)``).
    """
    best = (0.0, value, slope)  # the lowest point seen, returned on failure
    for evals in range(1, max_evals + 1):
        f, g = phi(step)
        if math.isfinite(f) and f <= value + c1 * step * slope:
            return LineSearchResult(step, f, g, evals, True, "sufficient decrease")
        if math.isfinite(f) and f < best[1]:
            best = (step, f, g)
        new = shrink * step
        if interpolate and math.isfinite(f):
            denom = 2.0 * (f - value - slope * step)
            if denom > 0:
                new = min(max(-slope * step * step / denom, 0.1 * step), shrink * step)
        step = new
    return LineSearchResult(*best, max_evals, False, f"no sufficient decrease in {max_evals} evaluations")


def strong_wolfe(
    phi: Phi,
    value: float,
    slope: float,
    step: float = 1.0,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 26,
    tolerance_change: float = 1e-9,
    scale: float = 1.0,
    torch_compat: bool = False,
) -> LineSearchResult:
    """A step satisfying the strong Wolfe conditions (Nocedal & Wright Alg. 3.5/3.6).

    Args:
        phi: ``alpha -> (phi(alpha), phi'(alpha))``.
        value, slope: ``phi(0)`` and ``phi'(0)`` (negative).
        step: the first trial step.
        c1, c2: sufficient-decrease and curvature constants, ``0 < c1 < c2 < 1``.
        max_evals: evaluations of ``phi`` allowed (at least 1).
        tolerance_change: stop zooming when the bracket times ``scale`` (the
            largest ``|d_i|``) is shorter than this.
        torch_compat: reproduce ``torch.optim.lbfgs._strong_wolfe`` exactly.

    Returns the lowest point found (``success`` says whether it satisfies both
    conditions); a step of 0 means no trial decreased ``phi``.
    """
    f0, g0 = value, slope
    first_compare = 2 if torch_compat else 1
    max_ls = max_evals - 1
    t = step
    f_new, g_new = phi(t)
    evals, ls_iter = 1, 0
    t_prev, f_prev, g_prev = 0.0, f0, g0
    done = False
    bracket: list[float] = [0.0, t]
    bf: list[float] = [f0, f_new]
    bg: list[float] = [g0, g_new]
    # -- bracketing (Alg. 3.5) -------------------------------------------------
    while ls_iter < max_ls:
        if not math.isfinite(f_new):  # overshot into a non-finite region: step back
            t = t_prev + 0.5 * (t - t_prev)
            f_new, g_new = phi(t)
            evals, ls_iter = evals + 1, ls_iter + 1
            continue
        if f_new > f0 + c1 * t * g0 or (ls_iter >= first_compare and f_new >= f_prev):
            bracket, bf, bg = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            break
        if abs(g_new) <= -c2 * g0:
            bracket, bf, bg = [t], [f_new], [g_new]
            done = True
            break
        if g_new >= 0:
            bracket, bf, bg = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            break
        # extrapolate within [t + 0.01 (t - t_prev), 10 t]
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_next = cubic_minimizer(t_prev, f_prev, g_prev, t, f_new, g_new, bounds=(lo, hi))
        t_prev, f_prev, g_prev = t, f_new, g_new
        t = t_next
        f_new, g_new = phi(t)
        evals, ls_iter = evals + 1, ls_iter + 1
    if ls_iter == max_ls and not done:
        bracket, bf, bg = [0.0, t], [f0, f_new], [g0, g_new]
        if not math.isfinite(f_new):
            bf[1] = math.inf
    # -- zoom (Alg. 3.6) -------------------------------------------------------
    insufficient = False
    low, high = (0, 1) if bf[0] <= bf[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * scale < tolerance_change or bracket[0] == bracket[1]:
            break
        if all(math.isfinite(v) for v in (*bf, *bg)):
            t = cubic_minimizer(bracket[0], bf[0], bg[0], bracket[1], bf[1], bg[1])
        else:  # a non-finite end: bisect
            t = 0.5 * (bracket[0] + bracket[1])
        # keep the trial at least 10% of the bracket away from its ends
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = phi(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        if not math.isfinite(f_new) or f_new > f0 + c1 * t * g0 or f_new >= bf[low]:
            bracket[high], bf[high], bg[high] = t, (f_new if math.isfinite(f_new) else math.inf), g_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(g_new) <= -c2 * g0:
                done = True
            elif g_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bf[high], bg[high] = bracket[low], bf[low], bg[low]
            bracket[low], bf[low], bg[low] = t, f_new, g_new
    message = "strong Wolfe conditions hold" if done else (
        f"strong Wolfe conditions not met in {evals} evaluations"
        if ls_iter >= max_ls else "bracket shorter than tolerance_change"
    )
    return LineSearchResult(bracket[low], bf[low], bg[low], evals, done, message)
