"""Checks of the setup before any training (after UMLAUT, Schoop et al., CHI 2021).

``static_checks(model, x, y, loss)`` looks at the data, the model and the loss,
and returns findings flagged ``static=True``:

* ``non_finite``: NaN or inf in the inputs or targets;
* ``unnormalized_inputs``: integer inputs, a column far from unit scale
  (``|mean|`` or standard deviation above ``INPUT_SCALE``), or columns on wildly
  different scales (standard deviations more than ``INPUT_SCALE_RATIO`` apart);
* ``output_setup``: the output already squashed before ``cross_entropy`` (rows of
  non-negative numbers summing to 1, or a ``Softmax``/``LogSoftmax`` last module), or
  a bounded last activation (sigmoid, tanh, ReLU, softmax) on a regression whose
  targets leave its range;
* ``no_nonlinearity``: a model with two or more ``Linear`` layers that is affine,
  tested on the data: ``f(a x + (1 - a) x') = a f(x) + (1 - a) f(x')``;
* ``symmetry``: a hidden ``Linear`` layer whose units have identical weights
  (constant initialization).

Example:
    >>> import torch
    >>> from torch import nn
    >>> x = torch.randn(64, 3) * 1000; y = torch.randn(64, 1)
    >>> net = nn.Sequential(nn.Linear(3, 8), nn.Linear(8, 1))
    >>> [f.code for f in static_checks(net, x, y, "mse")]
    ['unnormalized_inputs', 'no_nonlinearity']
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.doctor.codes import DUPLICATE_UNITS, INPUT_SCALE, INPUT_SCALE_RATIO
from trainlab.doctor.probe import duplicate_share, activation_kind, task_of_loss
from trainlab.doctor.report import Finding

__all__ = ["static_checks", "last_module"]

_BOUNDS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf)}


def last_module(model: nn.Module) -> nn.Module | None:
    """The last leaf module registered (the output layer of a sequential model), skipping dropout."""
    leaves = [m for m in model.modules() if not list(m.children()) and "Dropout" not in type(m).__name__]
    return leaves[-1] if leaves else None


def _inputs(x: Tensor, y: Tensor) -> list[Finding]:
    found = []
    bad = [name for name, t in (("inputs", x), ("targets", y)) if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        counts = {name: int((~torch.isfinite(t)).sum()) for name, t in (("inputs", x), ("targets", y)) if name in bad}
        found.append(Finding("non_finite", "error", evidence={f"non-finite {k}": v for k, v in counts.items()},
                             epoch=0, static=True))
    if not x.is_floating_point():
        found.append(Finding("unnormalized_inputs", "error", evidence={"input dtype": str(x.dtype),
                             "expected": "a float dtype"}, epoch=0, static=True))
        return found
    cols = x.detach().double().reshape(len(x), -1)
    cols = cols[:, torch.isfinite(cols).all(dim=0)]
    if cols.shape[1] == 0 or len(cols) < 2:
        return found
    mean, std = cols.mean(dim=0), cols.std(dim=0)
    varying = std[std > 1e-12]
    scale = float(torch.maximum(mean.abs(), std).max())
    ratio = float(varying.max() / varying.min()) if len(varying) else 1.0
    if scale > INPUT_SCALE or ratio > INPUT_SCALE_RATIO:
        found.append(Finding("unnormalized_inputs", "warning", evidence={
            "largest |mean| or std": scale, "threshold": INPUT_SCALE, "std ratio": ratio,
            "ratio threshold": INPUT_SCALE_RATIO}, epoch=0, static=True))
    return found


def _output(model: nn.Module, out: Tensor, y: Tensor, loss: Any) -> list[Finding]:
    last = last_module(model)
    name = type(last).__name__ if last is not None else ""
    task = task_of_loss(loss)
    if task == "classification":
        o = out.detach().reshape(len(out), -1)
        rows_are_probs = bool((o >= 0).all() and torch.allclose(o.sum(dim=1), torch.ones(len(o), dtype=o.dtype),
                                                                 atol=1e-4))
        if name in ("Softmax", "LogSoftmax") or (o.shape[1] > 1 and rows_are_probs):
            return [Finding("output_setup", "error", evidence={"last module": name or "?",
                            "rows sum to 1": rows_are_probs, "loss": "cross_entropy (applies log-softmax itself)"},
                            epoch=0, static=True)]
        return []
    if task != "regression" or not y.is_floating_point():
        return []
    kind = "softmax" if name == "Softmax" else activation_kind(last) if last is not None else None
    lo, hi = _BOUNDS.get(kind, (0.0, 1.0)) if kind in (*_BOUNDS, "softmax") else (None, None)
    if lo is None:
        return []
    y_lo, y_hi = float(y.min()), float(y.max())
    if y_lo < lo - 1e-6 or y_hi > hi + 1e-6 or kind in ("sigmoid", "softmax"):
        return [Finding("output_setup", "warning" if lo <= y_lo and y_hi <= hi else "error", evidence={
            "last module": name, "output range": f"[{lo:g}, {hi:g}]", "target range": f"[{y_lo:.3g}, {y_hi:.3g}]"},
            epoch=0, static=True)]
    return []


@torch.no_grad()
def _affine(model: nn.Module, x: Tensor) -> bool:
    n = min(len(x), 64)
    if n < 2:
        return False
    a, b = x[:n], torch.roll(x[:n], 1, dims=0)
    g = torch.Generator().manual_seed(0)
    t = torch.rand(n, *([1] * (x.ndim - 1)), generator=g, dtype=x.dtype)
    left = model(t * a + (1 - t) * b)
    right = t.reshape(n, *([1] * (left.ndim - 1))) * model(a) + (1 - t.reshape(n, *([1] * (left.ndim - 1)))) * model(b)
    scale = float(right.abs().max()) + 1e-12
    return bool(torch.isfinite(left).all()) and float((left - right).abs().max()) <= 1e-4 * scale


def static_checks(model: nn.Module, x: Tensor, y: Tensor, loss: Any) -> list[Finding]:
    """Findings about the data, the model and the loss before training (see the module docs)."""
    found = _inputs(x, y)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    was_training = model.training
    model.eval()
    try:
        xf = x if x.is_floating_point() else x.to(torch.get_default_dtype())
        xf = torch.nan_to_num(xf[:256])
        with torch.no_grad():
            out = model(xf)
        found += _output(model, out, y[:256], loss)
        nonlinear = [m for m in model.modules() if activation_kind(m) is not None]
        varies = bool(out.double().reshape(len(out), -1).var(dim=0).max() > 1e-10) if len(out) > 1 else False
        if len(linears) >= 2 and not nonlinear and varies and _affine(model, xf):
            found.append(Finding("no_nonlinearity", "warning", evidence={"Linear layers": len(linears),
                                 "affine": True}, epoch=0, static=True))
    finally:
        model.train(was_training)
    for i, layer in enumerate(linears[:-1]):
        share = duplicate_share(layer)
        if share > DUPLICATE_UNITS:
            found.append(Finding("symmetry", "error", layer=f"Linear {i}", evidence={
                "units with a twin": share, "threshold": DUPLICATE_UNITS}, epoch=0, static=True))
            break
    return found
