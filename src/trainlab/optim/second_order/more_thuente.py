"""The Moré–Thuente line search (MINPACK-2 ``dcsrch``), with guaranteed sufficient decrease.

Moré & Thuente, "Line search algorithms with guaranteed sufficient decrease",
ACM TOMS 20(3), 1994. It finds a step ``alpha`` with

    phi(alpha) <= phi(0) + c1 alpha phi'(0)      (sufficient decrease)
    |phi'(alpha)| <= c2 |phi'(0)|                (curvature)

keeping an interval of uncertainty ``[stx, sty]`` and choosing each trial with
``safeguarded_step`` (the paper's four cases of cubic / quadratic / secant
interpolation). While no trial has yet shown sufficient decrease with
``phi' >= 0`` ("stage 1"), the search works on the *auxiliary* function
``psi(alpha) = phi(alpha) - phi(0) - c1 alpha phi'(0)``. Until the minimizer is
bracketed, trials extrapolate into ``[alpha + 1.1 (alpha - stx), alpha + 4 (alpha - stx)]``;
once bracketed, a trial that fails to shrink the interval by a third in two
steps is replaced by bisection.

This is the search of scipy's BFGS and L-BFGS-B; ``more_thuente`` makes the same
trials as ``scipy.optimize``'s MINPACK search (tested in float64). Beside
``strong_wolfe`` (Nocedal & Wright's bracketing and zoom) it is the second
strong-Wolfe search the optimizers can use: ``line_search_fn="more_thuente"``.

Example:
    >>> res = more_thuente(lambda a: ((a - 2.0) ** 2, 2 * (a - 2.0)), 4.0, -4.0, 1.0, c2=0.1)
    >>> res.success, round(res.step, 6), res.evals
    (True, 2.0, 2)
"""

from __future__ import annotations

import math

from trainlab.optim.second_order.linesearch import LineSearchResult, Phi

__all__ = ["more_thuente", "safeguarded_step"]

EXTRAPOLATE_LOW, EXTRAPOLATE_HIGH = 1.1, 4.0  # bounds of an extrapolated trial, in units of (alpha - stx)
BISECT_WHEN = 0.66  # bisect when two trials shrank the bracket by less than this factor


def _cubic_gamma(theta: float, d1: float, d2: float, clip: bool) -> float:
    """``sqrt(theta^2 - d1 d2)``, computed scaled to avoid overflow (``clip``: floor the radicand at 0)."""
    s = max(abs(theta), abs(d1), abs(d2))
    radicand = (theta / s) ** 2 - (d1 / s) * (d2 / s)
    return s * math.sqrt(max(0.0, radicand) if clip else radicand)


def _cubic_from(stp: float, fp: float, dp: float, other: float, fo: float, do: float) -> float:
    """Minimizer of the cubic through ``(stp, fp, dp)`` and ``(other, fo, do)``, written from ``stp``."""
    theta = 3.0 * (fo - fp) / (stp - other) + do + dp
    gamma = _cubic_gamma(theta, do, dp, clip=False)
    if stp > other:
        gamma = -gamma
    p = (gamma - dp) + theta
    q = ((gamma - dp) + gamma) + do
    return stp + (p / q) * (other - stp)


def safeguarded_step(
    stx: float, fx: float, dx: float,
    sty: float, fy: float, dy: float,
    stp: float, fp: float, dp: float,
    bracketed: bool, step_min: float, step_max: float,
) -> tuple[float, float, float, float, float, float, float, bool]:
    """One update of the interval of uncertainty and the next trial (Moré & Thuente, sec. 4).

    ``(stx, fx, dx)`` is the best step so far, ``(sty, fy, dy)`` the other end of
    the interval, ``(stp, fp, dp)`` the trial just evaluated. Cases:

    1. ``fp > fx``: the minimizer is bracketed; take the cubic step if it is closer
       to ``stx`` than the quadratic one, else their average.
    2. ``dp`` and ``dx`` have opposite signs: bracketed; the cubic or the secant
       step, whichever is farther from ``stp``.
    3. ``|dp| < |dx|`` (same sign, slope decreasing): cubic (if it tends to
       infinity in the right direction) or secant, safeguarded toward ``sty``.
    4. otherwise: the cubic through ``stp`` and ``sty`` if bracketed, else a bound.

    Returns the new ``stx, fx, dx, sty, fy, dy``, the next trial and ``bracketed``.
    """
    sign = math.copysign(1.0, dx) * dp  # the sign of dp relative to dx
    if fp > fx:  # case 1
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp, clip=False)
        if stp < stx:
            gamma = -gamma
        p = (gamma - dx) + theta
        q = ((gamma - dx) + gamma) + dp
        cubic = stx + (p / q) * (stp - stx)
        quadratic = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        new = cubic if abs(cubic - stx) < abs(quadratic - stx) else cubic + (quadratic - cubic) / 2.0
        bracketed = True
    elif sign < 0:  # case 2
        cubic = _cubic_from(stp, fp, dp, stx, fx, dx)
        secant = stp + (dp / (dp - dx)) * (stx - stp)
        new = cubic if abs(cubic - stp) > abs(secant - stp) else secant
        bracketed = True
    elif abs(dp) < abs(dx):  # case 3
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp, clip=True)
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = (gamma + (dx - dp)) + gamma
        r = p / q
        if r < 0 and gamma != 0:
            cubic = stp + r * (stx - stp)
        else:
            cubic = step_max if stp > stx else step_min
        secant = stp + (dp / (dp - dx)) * (stx - stp)
        if bracketed:
            new = cubic if abs(cubic - stp) < abs(secant - stp) else secant
            limit = stp + BISECT_WHEN * (sty - stp)
            new = min(limit, new) if stp > stx else max(limit, new)
        else:
            new = cubic if abs(cubic - stp) > abs(secant - stp) else secant
            new = max(step_min, min(step_max, new))
    elif bracketed and not math.isfinite(fy):  # case 4 toward a non-finite end: bisect
        new = stp + 0.5 * (sty - stp)
    elif bracketed:  # case 4, bracketed: cubic through stp and sty
        new = _cubic_from(stp, fp, dp, sty, fy, dy)
    else:  # case 4, not bracketed: go to the bound
        new = step_max if stp > stx else step_min
    # the new interval of uncertainty
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sign < 0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, new, bracketed


def more_thuente(
    phi: Phi,
    value: float,
    slope: float,
    step: float = 1.0,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    xtol: float = 1e-14,
    step_min: float = 1e-100,
    step_max: float = 1e100,
    max_evals: int = 100,
) -> LineSearchResult:
    """A step satisfying the strong Wolfe conditions, by Moré & Thuente's algorithm.

    Args:
        phi: ``alpha -> (phi(alpha), phi'(alpha))``.
        value, slope: ``phi(0)`` and ``phi'(0)`` (negative).
        step: the first trial, in ``[step_min, step_max]``.
        c1, c2: sufficient-decrease and curvature constants (MINPACK's ``ftol``, ``gtol``).
        xtol: stop when the interval of uncertainty is shorter than ``xtol * alpha_max``.
        step_min, step_max: bounds on the step.
        max_evals: evaluations of ``phi`` allowed.

    Returns the accepted step (``success``) or, when the search ends without one
    (rounding errors, ``xtol``, a bound, the budget), the best step it found: the
    lowest trial with sufficient decrease, or step 0 when no trial decreased ``phi`` enough.
    Non-finite trial values count as "too long" (the search bisects back toward
    the best step).
    """
    f0, g0 = value, slope
    step = max(step_min, min(step_max, step))
    gtest = c1 * g0
    stage = 1
    bracketed = False
    width = step_max - step_min
    width1 = 2.0 * width
    stx, fx, gx = 0.0, f0, g0
    sty, fy, gy = 0.0, f0, g0
    stmin, stmax = 0.0, step + EXTRAPOLATE_HIGH * step
    message = f"strong Wolfe conditions not met in {max_evals} evaluations"
    done = False
    evals = 0
    best = (0.0, f0, g0)  # the lowest trial with sufficient decrease
    while evals < max_evals:
        f, g = phi(step)
        evals += 1
        if not math.isfinite(f) or not math.isfinite(g):  # treat as "far too long": bracket it
            f, g = math.inf, math.inf
        ftest = f0 + step * gtest
        if f <= ftest and f < best[1]:
            best = (step, f, g)
        if stage == 1 and f <= ftest and g >= 0:
            stage = 2
        if f <= ftest and abs(g) <= c2 * -g0:
            best, done, message = (step, f, g), True, "strong Wolfe conditions hold"
            break
        if bracketed and (step <= stmin or step >= stmax):
            message = "rounding errors prevent progress"
            break
        if bracketed and stmax - stmin <= xtol * stmax:
            message = "interval of uncertainty shorter than xtol"
            break
        if step == step_max and f <= ftest and g <= gtest:
            message = "step is at step_max"
            break
        if step == step_min and (f > ftest or g >= gtest):
            message = "step is at step_min"
            break
        if not math.isfinite(f):  # no interpolation through an infinite value: bisect toward stx
            sty, fy, gy, bracketed = step, f, g, True
            new = stx + 0.5 * (step - stx)
        elif stage == 1 and f <= fx and f > ftest:  # work on psi = phi - gtest * alpha
            stx, fxm, gxm, sty, fym, gym, new, bracketed = safeguarded_step(
                stx, fx - stx * gtest, gx - gtest, sty, fy - sty * gtest, gy - gtest,
                step, f - step * gtest, g - gtest, bracketed, stmin, stmax,
            )
            fx, gx = fxm + stx * gtest, gxm + gtest
            fy, gy = fym + sty * gtest, gym + gtest
        else:
            stx, fx, gx, sty, fy, gy, new, bracketed = safeguarded_step(
                stx, fx, gx, sty, fy, gy, step, f, g, bracketed, stmin, stmax,
            )
        if bracketed:
            if abs(sty - stx) >= BISECT_WHEN * width1:
                new = stx + 0.5 * (sty - stx)
            width1, width = width, abs(sty - stx)
            stmin, stmax = min(stx, sty), max(stx, sty)
        else:
            stmin, stmax = new + EXTRAPOLATE_LOW * (new - stx), new + EXTRAPOLATE_HIGH * (new - stx)
        new = max(step_min, min(step_max, new))
        if bracketed and (new <= stmin or new >= stmax or stmax - stmin <= xtol * stmax):
            new = stx
        step = new
    return LineSearchResult(best[0], best[1], best[2], evals, done, message)
