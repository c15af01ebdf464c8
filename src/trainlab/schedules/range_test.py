"""Reading a learning-rate range test's curve (Smith 2017; Brown/NVIDIA lecture notes).

``trainlab.train.lr_range_test`` ramps the rate exponentially and records the
loss after every step (the Brown/NVIDIA "Training and Optimization" lecture
notes, "Learning Rate Scheduling"); this module is the math that reads that curve.

The curve is smoothed without lag (a moving average run forward and
backward over ``log(loss)``, just strong enough to bring the noise of the curve
down to 1%; see ``auto_smoothing``) and read by two rules (see ``suggest``): the
suggestion ``"valley"`` and Smith's ``"steepest"`` (where the loss falls fastest).
The valley is the stretch where the smoothed loss is within 5% (or three times
its noise) of its minimum: it starts where the loss stops falling (``"floor"``)
and ends where it starts to rise (``"rise"``, the lecture's "where the learning curve
starts shooting back up"). The suggestion is ``min(floor / 3, rise / 30)``, kept
within the scanned rates (a note says when the rule reads below the start). The
result says how far apart the two rules are (in decades), how noisy the curve is,
and grades its confidence.

Why so far below the rise, not "slightly lower": on a quadratic with largest
curvature ``L``, gradient descent is stable below ``2/L``, but under an exponential
ramp the loss turns up only far later. The stiff direction is first shrunk by
``prod |1 - lr_k L|`` ~ ``exp(-n pi^2/4)`` (``n`` steps per e-fold of the rate) and
then has to grow back by ``prod |lr_k L - 1|``, which first happens at
``lr L ~ 12.6`` whatever ``n`` is (``int_2^x log(t - 1)/t dt = pi^2/4``), 6x past the
edge, and later still before it shows above the rest of the loss (up to ~45/L on
least squares with a noise floor). Where the loss reaches a noise floor early, the
floor tells instead: a third of the rate where the loss stops falling. On least
squares with 30-400 ramp steps, conditionings 1-1000 and noise 0-10%, the
suggestion landed in 0.037/L-0.51/L (``tests/schedules/test_range_test.py``), while
the steepest point often lies past ``2/L``.

Example:
    >>> import numpy as np
    >>> lrs = np.geomspace(1e-4, 10, 50)
    >>> losses = 1 / (1 + 300 * lrs) + np.where(lrs > 1, (lrs - 1) ** 2, 0.0)  # falls, floors, shoots up
    >>> result = read_curve(lrs, losses, smoothing=None, diverge=4.0, diverged=True)
    >>> result.rule, 0.001 < result.suggestion < 0.1
    ('valley', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from trainlab.constraints import fail
from trainlab.deprecation import relocated

__all__ = [
    "FLOOR_DIVISOR",
    "RISE_DIVISOR",
    "STOP_SMOOTHING",
    "RangeTest",
    "auto_smoothing",
    "curve_noise",
    "read_curve",
    "running_average",
    "smooth_log",
    "suggest",
]

_OWNER = "lr_range_test"

# The loop moved to trainlab.train.range_test (it trains a model); the old path works for one release.
__getattr__ = relocated(__name__, {"lr_range_test": "trainlab.train.range_test:lr_range_test"})


@dataclass
class RangeTest:
    """The curve of a range test and what it suggests.

    ``lrs[i]`` is the rate of step ``i``; ``losses[i]`` the loss right after it;
    ``smoothed`` the lag-free smoothed loss. ``suggestion`` is the rate chosen by
    ``rule``; ``candidates`` holds every rule's rate; ``agreement`` is the distance
    between the two rules in decades; ``noise`` the standard deviation of
    ``log(loss)`` around the smoothed curve; ``confidence`` is ``"high"``,
    ``"medium"`` or ``"low"`` with the reasons in ``notes``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    rule: str
    candidates: dict[str, float]
    agreement: float
    noise: float
    confidence: str
    diverged: bool
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: the suggestion, the rule, and the confidence."""
        others = ", ".join(f"{k} {v:.3g}" for k, v in self.candidates.items() if k != self.rule)
        return (
            f"suggested lr {self.suggestion:.3g} ({self.rule}; {others}); "
            f"confidence {self.confidence}: rules {self.agreement:.2f} decades apart, "
            f"noise {self.noise:.3f}" + (f"; {'; '.join(self.notes)}" if self.notes else "")
        )


# -- smoothing and the rules -------------------------------------------------------
def running_average(values: np.ndarray, smoothing: float) -> np.ndarray:
    """The exponential moving average ``a_i = smoothing a_{i-1} + (1 - smoothing) v_i``, ``a_0 = v_0``."""
    out = np.array(values, dtype=np.float64)
    for i in range(1, len(out)):
        out[i] = smoothing * out[i - 1] + (1 - smoothing) * out[i]
    return out


STOP_SMOOTHING = 0.9


def auto_smoothing(noise: float, target: float = 0.01) -> float:
    """The factor ``s`` whose forward-backward average cuts noise ``noise`` to about ``target``.

    One pass of an exponential average scales white noise by ``sqrt((1 - s)/(1 + s))``;
    two passes by about ``(1 - s)/(1 + s)``, so ``s = (noise - target)/(noise + target)``
    (0 for a clean, full-batch curve), at most 0.98.
    """
    return float(min(0.98, max(0.0, (noise - target) / (noise + target))))


def smooth_log(losses: np.ndarray, smoothing: float, ceiling: float = math.inf, after: int = 0) -> np.ndarray:
    """``exp`` of the running average of ``log(loss)``, run forward then backward (no lag).

    Losses from index ``after`` on are first capped at ``ceiling``, so that the
    blow-up at the end does not leak into the points before it.
    """
    y = np.log(np.asarray(losses, dtype=np.float64))
    y[after:] = np.minimum(y[after:], math.log(ceiling))
    return np.exp(running_average(running_average(y, smoothing)[::-1], smoothing)[::-1])


def curve_noise(losses: np.ndarray) -> float:
    """Noise of ``log(loss)`` around its trend: a robust spread of its second differences.

    For white noise of standard deviation ``s`` the second differences have
    standard deviation ``sqrt(6) s``; the median absolute deviation ignores the
    few bends of the trend itself.
    """
    d2 = np.diff(np.log(np.asarray(losses, dtype=np.float64)), 2)
    if len(d2) == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6))


FLOOR_DIVISOR, RISE_DIVISOR = 3, 30


def suggest(lrs: np.ndarray, smoothed: np.ndarray, noise: float = 0.0) -> dict[str, float]:
    """The rates the rules read off a smoothed curve.

    - ``"floor"`` and ``"rise"``: the first and the last rate at which the smoothed
      loss is within ``max(5%, 3 noise)`` (in log scale) of its minimum: where the
      loss stops falling and where it starts shooting up (the Brown/NVIDIA notes).
    - ``"valley"`` (the suggestion): ``min(floor / FLOOR_DIVISOR, rise / RISE_DIVISOR)``.
    - ``"steepest"``: where ``d log(loss) / d log(lr)`` is most negative before the
      rise (Smith 2017: "the loss falls fastest").
    """
    y = np.log(smoothed)
    near = np.nonzero(y <= y.min() + max(0.05, 3 * noise))[0]
    i_floor, i_rise = int(near[0]), int(near[-1])
    slope = np.gradient(y[: i_rise + 1], np.log(lrs[: i_rise + 1])) if i_rise >= 1 else np.zeros(1)
    floor, rise = float(lrs[i_floor]), float(lrs[i_rise])
    return {
        "valley": min(floor / FLOOR_DIVISOR, rise / RISE_DIVISOR),
        "steepest": float(lrs[int(np.argmin(slope))]),
        "floor": floor,
        "rise": rise,
    }


def read_curve(
    lrs: np.ndarray, losses: np.ndarray, smoothing: float | None, diverge: float, diverged: bool
) -> RangeTest:
    """Smooth a measured curve (``losses[i]`` after a step at rate ``lrs[i]``) and read the rules off it."""
    notes = []
    finite = np.isfinite(losses) & (losses > 0)
    keep = int(np.argmin(finite)) if not finite.all() else len(losses)  # up to the first non-finite loss
    if keep < 3:
        fail(_OWNER, "start", "small enough that the first steps give finite losses", float(lrs[0]))
    lr, raw = lrs[:keep], losses[:keep]
    running = running_average(raw, STOP_SMOOTHING if smoothing is None else smoothing)
    # The blow-up comes after i_low; the stop rule draws its line at diverge * running[i_low].
    i_low = int(np.argmin(running))
    noise = curve_noise(raw[: i_low + 1])
    smoothed = smooth_log(
        raw,
        auto_smoothing(noise) if smoothing is None else smoothing,
        ceiling=diverge * float(running[i_low]),
        after=i_low,
    )
    candidates = suggest(lr, smoothed, noise)
    rule = "valley"
    scanned = (float(lr[0]), float(lr[-1]))
    if candidates[rule] < scanned[0]:  # the rule reads past the scan's start: the curve says nothing there
        notes.append(f"the rule's rate {candidates[rule]:.3g} lies below the scan's start {scanned[0]:.3g} "
                     "(the loss fell from the first rates on): the start is suggested; lower start to see more")
    candidates = {k: min(max(v, scanned[0]), scanned[1]) for k, v in candidates.items()}  # never off the scan
    agreement = abs(math.log10(candidates[rule] / candidates["steepest"]))
    i_min = int(np.argmin(smoothed))
    if not diverged:
        notes.append("the loss never blew up: raise end")
    if i_min == 0:
        notes.append("the loss only rose: lower start")
    if smoothed[0] / smoothed[i_min] < 1.2:
        notes.append("the loss barely fell")
    if notes:
        confidence = "low"
    elif agreement <= 1.5 and noise < 0.05:
        confidence = "high"
    else:
        confidence = "medium"
    full_smoothed = np.concatenate([smoothed, np.full(len(losses) - keep, np.nan)])
    return RangeTest(
        lrs,
        losses,
        full_smoothed,
        candidates[rule],
        rule,
        candidates,
        agreement,
        noise,
        confidence,
        diverged,
        notes,
    )
