"""The rules: measurements in, findings out, each with the numbers that triggered it and its threshold.

``diagnose(m)`` reads what ``Doctor`` measured (``trainlab.doctor.watch``) - plain
numbers, so a saved ``doctor.json`` can be diagnosed again - and returns findings.
Every rule states a cause, not a case:

* at initialization (the probe before the first step): activations growing through
  the layers or non-finite outputs mean *exploding* gradients; a loss or gradient
  that is non-finite from finite outputs means a *non-finite* computation;
* the probes over the run: dead ReLU units, saturated tanh/sigmoid units, the
  first-to-last ratio of relative gradient norms, the output's spread across inputs;
* the loss curve against the task: the trivial predictor's loss (stalled,
  underfitting), a linear model's, the validation noise band (overfitting), the
  share of the movement that goes up (oscillation, too high a rate), the
  update-to-weight ratio and whether the loss still falls (too low a rate).

Where one cause produces another's symptom the finding of the cause is placed
ahead (``Finding.order``): heavy regularization ahead of the collapse it causes, a
deep narrow ReLU network's collapse ahead of its dead units (Lu et al. 2019).
Each finding carries ``epoch``, the first epoch its rule held (0: at initialization).

Example:
    >>> m = {"task": "regression", "epochs": 4, "trivial": 1.0, "linear": None,
    ...      "train": [1.0, 1.0, 1.0, 1.0, 1.0], "val": [], "update_ratio": [0.0] * 4, "probes": [],
    ...      "optimizer": {"lr": 0.1, "momentum": 0.0, "weight_decay": 0.0, "adaptive": False},
    ...      "model": {"dropout": 0.0, "min_width": 16, "depth": 2}, "nonfinite_step": None, "sharpness": []}
    >>> [f.code for f in diagnose(m)]
    ['stalled']
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from trainlab.doctor import codes as c
from trainlab.doctor.codes import PRIORITY
from trainlab.doctor.report import Finding

__all__ = ["diagnose", "rises", "noise"]


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def rises(curve: list[float]) -> tuple[float, float]:
    """Share of the curve's total movement that goes up, and the summed rises / the first value."""
    d = [b - a for a, b in zip(curve, curve[1:], strict=False)]
    moved = sum(abs(x) for x in d)
    up = sum(x for x in d if x > 0)
    return (up / moved if moved > 0 else 0.0), (up / abs(curve[0]) if curve and curve[0] else 0.0)


def noise(curve: list[float]) -> float:
    """Epoch-to-epoch noise of a curve: a robust standard deviation from its second differences."""
    d2 = [a - 2 * b + cc for a, b, cc in zip(curve, curve[1:], curve[2:], strict=False)]
    if not d2:
        return 0.0
    return 1.4826 * statistics.median(abs(x) for x in d2) / math.sqrt(6)


def _relative_drop(curve: list[float], start: int) -> float:
    """(loss at ``start`` - final loss) / final loss."""
    a, b = curve[start], curve[-1]
    return (a - b) / max(abs(b), 1e-12)


class _Run:
    """Handy views of one run's measurements."""

    def __init__(self, m: dict[str, Any]) -> None:
        self.m = m
        self.train = m.get("train", [])
        self.val = m.get("val", [])
        self.probes = [p for p in m.get("probes", []) if p]
        self.epochs = max(int(m.get("epochs", len(self.train) - 1) or 1), 1)
        self.trivial = m.get("trivial", math.nan)
        self.opt = m.get("optimizer", {})
        self.model = m.get("model", {})
        self.finite_train = _finite(self.train)
        self.first_loss = self.train[0] if self.train and math.isfinite(self.train[0]) else math.nan
        self.final = self.train[-1] if self.train else math.nan
        self.share = self.final / self.trivial if self.trivial and math.isfinite(self.trivial) else math.nan
        self.steps = int(m.get("steps") or len(m.get("step_loss", [])) or max(len(self.train) - 1, 1))

    def probe_epochs(self, test) -> int | None:
        """The first probe's epoch at which ``test(probe)`` holds."""
        return next((p["epoch"] for p in self.probes if test(p)), None)

    @property
    def regularized(self) -> dict[str, float]:
        wd, drop = self.opt.get("weight_decay", 0.0), self.model.get("dropout", 0.0)
        out = {}
        if wd >= c.REGULARIZATION[0]:
            out["weight decay"] = wd
        if drop >= c.REGULARIZATION[1]:
            out["dropout"] = drop
        return out


def _layer_max(p: dict[str, Any], key: str, kinds: tuple[str, ...]) -> tuple[float, str | None]:
    best, name = 0.0, None
    for layer in p.get("layers", []):
        if layer["kind"] in kinds and not layer.get("output") and layer[key] > best:
            best, name = layer[key], layer["name"]
    return best, name


def _grad_ratio(p: dict[str, Any]) -> float | None:
    lin = p.get("linear", [])
    if len(lin) < 3 or not p.get("finite", False):
        return None
    first, last = lin[0]["rel_grad"], lin[-1]["rel_grad"]
    return first / last if last > 0 else None


def _at_init(r: _Run) -> list[Finding]:
    if not r.probes or r.probes[0]["epoch"] != 0:
        return []
    p0 = r.probes[0]
    growth = p0.get("growth", 1.0)
    ratio = _grad_ratio(p0)
    if not p0.get("output_finite", True) or (math.isfinite(growth) and growth > c.ACTIVATION_GROWTH) \
            or (ratio is not None and ratio > c.EXPLODING_RATIO):
        return [Finding("exploding_gradient", "error", epoch=0, static=True, evidence={
            "outputs finite at init": p0.get("output_finite", True), "activation growth": growth,
            "growth threshold": c.ACTIVATION_GROWTH, "first/last gradient ratio": ratio,
            "ratio threshold": c.EXPLODING_RATIO})]
    if not p0.get("finite", True):
        return [Finding("non_finite", "error", epoch=0, evidence={"loss at init": p0.get("loss"),
                                                                  "outputs finite": True})]
    return []


def _activity(r: _Run) -> list[Finding]:
    found = []
    if not r.probes:
        return found
    p0, pl = r.probes[0], r.probes[-1]
    dead_end, layer = _layer_max(pl, "dead", ("relu",))
    dead_start = next((l["dead"] for l in p0.get("layers", []) if l["name"] == layer), 0.0)
    if dead_end >= c.DEAD_FRACTION or (dead_end - dead_start) >= c.DEAD_RISE:
        found.append(Finding("dying_relu", "error" if dead_end >= 0.9 else "warning", layer=layer,
                             epoch=r.probe_epochs(lambda p: _layer_max(p, "dead", ("relu",))[0] >= c.DEAD_FRACTION),
                             evidence={"dead at start": dead_start, "dead at end": dead_end,
                                       "threshold": c.DEAD_FRACTION, "rise threshold": c.DEAD_RISE}))
    sat = [(_layer_max(p, "saturated", ("tanh", "sigmoid")), p["epoch"]) for p in r.probes]
    (worst, name), epoch = max(sat, key=lambda s: s[0][0])
    if worst >= c.SATURATED:
        found.append(Finding("saturation", "warning", layer=name, epoch=next(e for (v, _), e in sat if v >= c.SATURATED),
                             evidence={"saturated share": worst, "threshold": c.SATURATED}))
    ratios = [x for p in r.probes if (x := _grad_ratio(p)) is not None]
    if ratios and statistics.median(ratios) < c.VANISHING_RATIO:
        found.append(Finding("vanishing_gradient", "warning", layer=r.probes[0]["linear"][0]["name"],
                             epoch=r.probe_epochs(lambda p: (x := _grad_ratio(p)) is not None and x < c.VANISHING_RATIO),
                             evidence={"first/last gradient ratio (median)": statistics.median(ratios),
                                       "threshold": c.VANISHING_RATIO}))
    spread = pl.get("spread", math.nan)
    ratios = _finite(r.m.get("update_ratio", []))
    moved = statistics.median(ratios) * r.steps if ratios else math.inf
    if math.isfinite(spread) and spread < c.COLLAPSE_VARIANCE and not (r.share < c.UNDERFIT_SHARE) \
            and moved >= c.MOVE_LOW:  # an untrained network's small output is its initialization's, not a collapse
        narrow = (r.model.get("min_width") or 99) <= c.NARROW and r.model.get("depth", 0) >= 4
        order = PRIORITY.index("dying_relu") - 0.5 if narrow else \
            PRIORITY.index("underfitting") + 0.5 if r.regularized else None
        found.append(Finding("collapse", "warning", order=order,
                             epoch=r.probe_epochs(lambda p: p.get("spread", 1.0) < c.COLLAPSE_VARIANCE),
                             evidence={"output variance / target variance": spread, "threshold": c.COLLAPSE_VARIANCE,
                                       "narrowest hidden layer": r.model.get("min_width")}))
    dup = max(((l["duplicates"], l["name"]) for l in pl.get("linear", [])[:-1]), default=(0.0, None))
    if dup[0] > c.DUPLICATE_UNITS:
        found.append(Finding("symmetry", "error", layer=dup[1], epoch=r.probe_epochs(
            lambda p: max((l["duplicates"] for l in p.get("linear", [])[:-1]), default=0) > c.DUPLICATE_UNITS),
            evidence={"units with a twin": dup[0], "threshold": c.DUPLICATE_UNITS}))
    return found


def _first_epoch(r: _Run, holds, start: int = 3) -> int | None:
    """The first epoch ``t`` at which ``holds(train[: t + 1], val[: t + 1])`` is true."""
    for t in range(start, len(r.train)):
        if holds(r.train[: t + 1], r.val[: t + 1]):
            return t
    return None


def _divergence(r: _Run) -> list[Finding]:
    found = []
    step = r.m.get("nonfinite_step")
    nonfinite = step is not None or len(r.finite_train) < len(r.train)
    steps = _finite(r.m.get("step_loss", []))
    rose = bool(steps) and max(steps) > c.DIVERGE_FACTOR * steps[0]
    grew = math.isfinite(r.first_loss) and bool(r.finite_train) and \
        max(r.finite_train) > c.DIVERGE_FACTOR * r.first_loss
    ev = {"first loss": r.first_loss, "largest loss": max(r.finite_train, default=math.nan),
          "factor threshold": c.DIVERGE_FACTOR}
    if nonfinite and not (rose or grew):
        found.append(Finding("non_finite", "error", epoch=_nonfinite_epoch(r), evidence={
            "first non-finite step": step, "loss rose before": False}))
    elif nonfinite or grew:
        heavy = r.opt.get("momentum", 0.0) >= c.HEAVY_MOMENTUM and not r.opt.get("adaptive")
        if heavy:
            found.append(Finding("oscillation", "error", order=PRIORITY.index("dying_relu") - 0.6,
                                 epoch=_nonfinite_epoch(r) if nonfinite else 1,
                                 evidence={**ev, "diverged": nonfinite, "momentum": r.opt.get("momentum")}))
        found.append(Finding("lr_too_high", "error", order=PRIORITY.index("dying_relu") - 0.5 if nonfinite else None, epoch=_nonfinite_epoch(r) if nonfinite else
                             _first_epoch(r, lambda t, v: max(_finite(t), default=0) > c.DIVERGE_FACTOR * r.first_loss, 1),
                             evidence={**ev, "diverged": nonfinite, "lr": r.opt.get("lr")}))
        if nonfinite:
            found.append(Finding("non_finite", "error", epoch=_nonfinite_epoch(r),
                                 evidence={"first non-finite step": step, "loss rose before": True}))
        return found
    if len(r.finite_train) < 4:
        return found
    share, amplitude = rises(r.finite_train)
    sharp = [s for s in r.m.get("sharpness", []) if math.isfinite(s.get("top", math.nan))]
    too_sharp = [s for s in sharp if s["top"] > 2 * s["bound"]] if not r.opt.get("adaptive") else []
    if (share > c.RISE_SHARE and amplitude > c.RISE_AMPLITUDE) or (too_sharp and share > 0.05):
        heavy = r.opt.get("momentum", 0.0) >= c.HEAVY_MOMENTUM
        code = "oscillation" if heavy else "lr_too_high"
        found.append(Finding(code, "warning", epoch=_first_epoch(
            r, lambda t, v: (lambda s, a: s > c.RISE_SHARE and a > c.RISE_AMPLITUDE)(*rises(_finite(t)))),
            evidence={"rising share": share, "threshold": c.RISE_SHARE, "rises / first loss": amplitude,
                      "amplitude threshold": c.RISE_AMPLITUDE, "momentum": r.opt.get("momentum"),
                      "lr": r.opt.get("lr"), **({"sharpness": sharp[-1]["top"], "2(1+momentum)/lr": sharp[-1]["bound"]}
                                                 if sharp else {})}))
    return found


def _nonfinite_epoch(r: _Run) -> int:
    step, steps = r.m.get("nonfinite_step"), r.m.get("step_loss", [])
    if step is not None and steps:
        per_epoch = max(len(steps) / max(len(r.train) - 1, 1), 1.0)
        return int(math.ceil(step / per_epoch))
    return next((i for i, v in enumerate(r.train) if not math.isfinite(v)), len(r.train))


def _progress(r: _Run) -> list[Finding]:
    found = []
    if len(r.finite_train) < 4 or len(r.finite_train) < len(r.train) or not math.isfinite(r.share):
        return found
    curve = r.train
    third = max(len(curve) - 1 - (len(curve) - 1) // 3, 0)
    late_drop = _relative_drop(curve, third)
    ratios = _finite(r.m.get("update_ratio", []))
    step = statistics.median(ratios) if ratios else math.nan
    share, _ = rises(curve[third:])
    little = r.first_loss and curve[-1] / r.first_loss > c.UNDERFIT_SHARE
    moved = step * r.steps
    tiny = math.isfinite(step) and 0 < moved < c.MOVE_LOW and little
    slow = math.isfinite(step) and 0 < step < c.UPDATE_RATIO_SLOW and late_drop > c.STILL_FALLING \
        and share < 0.1 and r.share > 0.3
    ev = {"update/weight (median)": step, "moved (ratio x steps)": moved, "move threshold": c.MOVE_LOW,
          "ratio threshold": c.UPDATE_RATIO_SLOW,
          "drop over the last third": late_drop, "loss / trivial loss": r.share}
    if tiny or slow:
        found.append(Finding("lr_too_low", "warning", epoch=min(3, len(curve) - 1) if tiny else third, evidence=ev))
        return found
    if r.share >= c.TRIVIAL_SHARE:
        found.append(Finding("stalled", "warning", epoch=_first_epoch(
            r, lambda t, v: t[-1] / r.trivial >= c.TRIVIAL_SHARE and len(t) > len(curve) // 2) or len(curve) - 1,
            evidence={"loss / trivial loss": r.share, "threshold": c.TRIVIAL_SHARE, "update/weight (median)": step}))
    found += _fit(r, curve, late_drop)
    return found


def _overfit_at(train: list[float], val: list[float], trivial: float = math.nan) -> dict[str, float] | None:
    """Overfitting evidence: the validation loss, averaged over windows of ``k`` epochs, rose from its
    lowest window to the last by more than ``OVERFIT_NOISE`` epoch-to-epoch noise units (window means
    tame the noise: the lowest of many noisy windows is not mistaken for a rise)."""
    val = _finite(val)
    if len(val) < 6 or len(train) < len(val):
        return None
    k = max(3, len(val) // 8)
    means = [sum(val[i:i + k]) / k for i in range(len(val) - k + 1)]
    best = min(range(len(means)), key=means.__getitem__)
    end, low = means[-1], means[best]
    sigma = noise(val)
    rise = end - low
    at_best = train[min(best + k // 2, len(train) - 1)]
    gap = end - train[-1]
    if math.isfinite(trivial) and gap > c.OVERFIT_GAP * trivial and train[-1] < 0.25 * trivial:
        return {"val at end (window mean)": end, "train at end": train[-1], "gap / trivial loss": gap / trivial,
                "threshold": c.OVERFIT_GAP}
    if best < len(means) - 2 and rise > c.OVERFIT_NOISE * sigma and rise > c.OVERFIT_SHARE * abs(low) \
            and train[-1] < at_best and train[-1] < end:
        return {"val min (window mean)": low, "val at end (window mean)": end, "window": k, "noise": sigma,
                "rise / noise": rise / max(sigma, 1e-12), "threshold": c.OVERFIT_NOISE,
                "rise / min": rise / max(abs(low), 1e-12)}
    return None


def _fit(r: _Run, curve: list[float], late_drop: float) -> list[Finding]:
    found = []
    over = _overfit_at(curve, r.val, r.trivial)
    if over:
        found.append(Finding("overfitting", "warning", evidence=over,
                             epoch=_first_epoch(r, lambda t, v: _overfit_at(t, v, r.trivial) is not None, 4)))
        return found
    causes = dict(r.regularized)
    width = r.model.get("min_width")
    if width is not None and width <= 2:
        causes["narrowest hidden layer"] = width
    structural = bool(causes)  # a cause in the setup: too little capacity or too much regularization
    linear = r.m.get("linear")
    known = linear is not None and math.isfinite(linear) and math.isfinite(r.trivial)
    worse_than_linear = known and r.final > linear + c.LINEAR_MARGIN * r.trivial
    not_better = known and r.final > linear - c.LINEAR_MARGIN / 2 * r.trivial
    if worse_than_linear:
        causes["linear model's loss"] = linear
    converged = late_drop < c.FLAT
    if (structural and (r.share >= c.TRIVIAL_SHARE or r.share > c.UNDERFIT_SHARE or not_better)) or \
            (converged and r.share < c.TRIVIAL_SHARE and (r.share > c.UNDERFIT_SHARE or worse_than_linear)):
        found.append(Finding("underfitting", "warning" if causes else "info", epoch=len(curve) - 1,
                             order=PRIORITY.index("dying_relu") - 0.4 if structural else None,
                             evidence={"loss / trivial loss": r.share, "threshold": c.UNDERFIT_SHARE,
                                       "drop over the last third": late_drop, **causes}))
    return found


def diagnose(m: dict[str, Any]) -> list[Finding]:
    """Findings from the measurements of one run (see the module docs); empty when nothing was measured."""
    if not m:
        return []
    r = _Run(m)
    found = _at_init(r)
    if found and found[0].code == "exploding_gradient":
        return found + [f for f in _activity(r) if f.code != "vanishing_gradient"]
    found += _activity(r) + _divergence(r)
    if not any(f.code == "lr_too_high" and f.severity == "error" for f in found):
        found += _progress(r)
    return _explained(found)


def _explained(found: list[Finding]) -> list[Finding]:
    """Saturation that appeared during training after the loss jumped is placed after ``lr_too_high``:
    the steps blew the weights up."""
    jumped = next((f for f in found if f.code == "lr_too_high"), None)
    for f in found:
        if f.code == "saturation" and jumped is not None and (f.epoch or 0) > 0:
            f.order = PRIORITY.index("lr_too_high") + 0.5
    return found
