"""The learning-rate range test (Smith 2017; seed 000, "Learning Rate Scheduling").

Seed 000: "train the model for a few hundred iterations, exponentially increasing
the learning rate from a very small value to a very large value, then look at the
learning curve and pick a learning rate slightly lower than the one at which the
learning curve starts shooting back up; then reinitialize the model".

``lr_range_test`` does exactly that and puts everything back:

1. the rate of every param group follows ``Exponential(start, gamma)`` from
   ``start`` to ``end`` over ``steps`` steps; step ``i`` is paired with the loss
   measured right after it (on the next batch);
2. it stops early once the loss diverges: a non-finite loss, or a running
   average (an exponential moving average of factor ``STOP_SMOOTHING``, or
   ``smoothing`` if given) above ``diverge`` times its lowest value;
3. the model's parameters and buffers, its train/eval mode, the gradients, the
   optimizer's state and hyperparameters, and torch's CPU random state are
   restored exactly as they were.

The curve is then smoothed without lag (a moving average run forward and
backward over ``log(loss)``, just strong enough to bring the noise of the curve
down to 1%; see ``auto_smoothing``) and read by two rules (see ``suggest``): the
suggestion ``"valley"`` and Smith's ``"steepest"`` (where the loss falls fastest).
The valley is the stretch where the smoothed loss is within 5% (or three times
its noise) of its minimum: it starts where the loss stops falling (``"floor"``)
and ends where it starts to rise (``"rise"``, seed 000's "where the learning curve
starts shooting back up"). The suggestion is ``min(floor / 3, rise / 30)``. The
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
    >>> import torch
    >>> from trainlab.schedules import lr_range_test
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> X = torch.randn(256, 5); y = X @ torch.randn(5, 1)
    >>> model = torch.nn.Linear(5, 1)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.01)
    >>> result = lr_range_test(model, torch.nn.functional.mse_loss, (X, y), opt, start=1e-5, end=10.0)
    >>> 1e-3 < result.suggestion < 1.0, opt.param_groups[0]["lr"]
    (True, 0.01)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE, Interval, Optional, check, fail
from trainlab.schedules.basic import Exponential

__all__ = [
    "FLOOR_DIVISOR",
    "RISE_DIVISOR",
    "STOP_SMOOTHING",
    "RangeTest",
    "auto_smoothing",
    "curve_noise",
    "lr_range_test",
    "running_average",
    "smooth_log",
    "suggest",
]

_OWNER = "lr_range_test"


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

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        """Loss against rate (log axis), the smoothed curve and the suggestion marked; returns the path."""
        from trainlab.report.schedules import plot_range_test

        return plot_range_test(self, path, title=title)

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
      loss stops falling and where it starts shooting up (seed 000).
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


# -- the test ---------------------------------------------------------------------
class _Snapshot:
    """Everything the test changes, copied bit for bit, and put back."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self.model, self.optimizer = model, optimizer
        self.weights = copy.deepcopy(model.state_dict())
        self.modes = [m.training for m in model.modules()]
        self.grads = [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]
        self.opt_state = copy.deepcopy(optimizer.state_dict())
        self.rng = torch.get_rng_state()

    def restore(self) -> None:
        self.model.load_state_dict(self.weights)
        for m, mode in zip(self.model.modules(), self.modes, strict=True):
            m.training = mode
        for p, g in zip(self.model.parameters(), self.grads, strict=True):
            p.grad = g
        self.optimizer.load_state_dict(self.opt_state)
        torch.set_rng_state(self.rng)


def _batches(data: Any) -> Iterator[tuple[Tensor, Tensor]]:
    """``(x, y)`` forever: the same full batch, or the batches of an iterable, cycled."""
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(d, Tensor) for d in data):
        while True:
            yield data[0], data[1]
    if not isinstance(data, Iterable):
        fail(_OWNER, "data", "a pair (x, y) of tensors or an iterable of (x, y) batches", type(data).__name__)
    while True:
        empty = True
        for x, y in data:
            empty = False
            yield x, y
        if empty:
            fail(_OWNER, "data", "an iterable with at least one batch", "an empty iterable")


def lr_range_test(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    data: Any,
    optimizer: torch.optim.Optimizer,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    smoothing: float | None = None,
    diverge: float = 4.0,
) -> RangeTest:
    """Run the range test on ``model`` (restored afterwards) and suggest a learning rate.

    ``data`` is a pair ``(x, y)`` (full batch every step) or an iterable of
    ``(x, y)`` batches, cycled (e.g. a ``DataLoader``); ``loss_fn(model(x), y)`` is
    minimized with ``optimizer``, whose rate in every param group is set to the ramp.
    """
    check(_OWNER, "start", start, POSITIVE)
    check(_OWNER, "end", end, POSITIVE)
    if end <= start:
        fail(_OWNER, "end", f"greater than start ({start!r})", end)
    check(_OWNER, "steps", steps, Interval(5, None, closed="left", integer=True))
    check(_OWNER, "smoothing", smoothing, Optional(Interval(0, 1, closed="left")))
    check(_OWNER, "diverge", diverge, Interval(1, None, closed="neither"))
    ramp = Exponential(start, gamma=(end / start) ** (1 / (steps - 1)))
    batches = _batches(data)
    snapshot = _Snapshot(model, optimizer)
    lrs: list[float] = []
    losses: list[float] = []
    diverged = False
    try:
        model.train()
        avg, best = 0.0, math.inf
        beta = STOP_SMOOTHING if smoothing is None else smoothing
        for i in range(steps + 1):
            x, y = next(batches)
            optimizer.zero_grad()
            with torch.set_grad_enabled(i < steps):
                loss = loss_fn(model(x), y)
            if i > 0:  # the loss after step i - 1
                value = float(loss.detach())
                losses.append(value)
                avg = beta * avg + (1 - beta) * value
                running = avg / (1 - beta**i)
                best = min(best, running)
                if not math.isfinite(value) or running > diverge * best:
                    diverged = True
                    break
            if i == steps:
                break
            lr = ramp(i)
            for group in optimizer.param_groups:
                group["lr"] = lr
            lrs.append(lr)
            loss.backward()
            optimizer.step()
    finally:
        snapshot.restore()
    return _analyse(np.array(lrs[: len(losses)]), np.array(losses), smoothing, diverge, diverged)


def _analyse(
    lrs: np.ndarray, losses: np.ndarray, smoothing: float | None, diverge: float, diverged: bool
) -> RangeTest:
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
