"""``repair``: apply the first advised fix of a report's first finding, retrain with the same budget, compare.

After AUTOTRAINER (Zhang et al., ICSE 2021): each code maps to one concrete change
of the model, the optimizer, the learning rate or the data.

================== ==============================================================
code               change
================== ==============================================================
non_finite         drop the rows with NaN/inf (data); else clip gradients at norm 1
output_setup       replace the last activation by the identity (logits out)
symmetry           re-draw every Linear layer's weights (torch's default init)
unnormalized_inputs standardize the inputs with training statistics
exploding_gradient Glorot-normal weights, zero biases, and clip gradients at norm 1
no_nonlinearity    insert ReLU after every hidden Linear layer (``nn.Sequential``)
dying_relu         ReLU -> LeakyReLU(0.01), biases set to 0
saturation         Glorot-normal weights, zero biases
vanishing_gradient tanh/sigmoid -> ReLU with He-normal weights
collapse           ReLU -> LeakyReLU(0.1) with He-normal weights
oscillation        momentum 0.9
lr_too_high        lr x 3e-3 / (first update-to-weight ratio), between x1e-4 and x0.1
lr_too_low         lr x 3e-3 / (median update-to-weight ratio), between x10 and x1e6
stalled            make every parameter trainable
overfitting        weight decay 1e-2 and early stopping (patience 3) on the validation loss
underfitting       no weight decay, no dropout; hidden layers of width <= 2 widened to 32
================== ==============================================================

The model comes from ``model_factory()`` (called twice: before and after), so the
repair is measured on the same initialization. ``Repair.fixed()`` is true when the
code is gone from the warnings and errors after the change and the final loss
(validation when given, else training) is finite and no worse than before.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from trainlab.doctor import examine
    >>> _ = torch.manual_seed(0); x = torch.randn(128, 2); y = x.sum(1, keepdim=True)
    >>> factory = lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    >>> settings = dict(loss="mse", optimizer="sgd", lr=1e-6, epochs=20, batch_size=16)
    >>> before = examine(factory(), (x, y), **settings)
    >>> fix = repair(factory, (x, y), before, **settings)
    >>> fix.code, fix.change.startswith("lr x"), fix.fixed()
    ('lr_too_low', True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.doctor.examine import examine
from trainlab.doctor.probe import activation_kind
from trainlab.doctor.report import Report
from trainlab.doctor.static import last_module
from trainlab.train.callbacks import EarlyStopping, GradientClipping

__all__ = ["Repair", "repair"]

TARGET_RATIO = 3e-3  # the update-to-weight ratio a rate repair aims at (healthy runs here: 1e-3 to 1e-2)


@dataclass
class Repair:
    """What ``repair`` changed, and the reports and final losses before and after."""

    code: str | None
    change: str
    before: Report
    after: Report
    before_loss: float
    after_loss: float

    def fixed(self, code: str | None = None) -> bool:
        code = code or self.code
        if code is None or self.change == "none":  # nothing was changed: nothing was repaired
            return False
        gone = code not in self.after.codes
        better = math.isfinite(self.after_loss) and (not math.isfinite(self.before_loss)
                                                      or self.after_loss <= self.before_loss * 1.02)
        return gone and better


def _final_loss(report: Report) -> float:
    m = report.measurements
    curve = m.get("val") or m.get("train") or [math.nan]
    v = curve[-1]
    return float(v) if v is not None else math.nan


def _replace(model: nn.Module, test: Callable[[nn.Module], bool], make: Callable[[nn.Module], nn.Module]) -> int:
    """Replace every submodule ``m`` with ``test(m)`` by ``make(m)``; the number replaced."""
    count = 0
    for name, parent in list(model.named_modules()):
        for child_name, child in list(parent.named_children()):
            if test(child):
                setattr(parent, child_name, make(child))
                count += 1
    return count


def _init(model: nn.Module, how: str) -> None:
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                if how == "glorot":
                    nn.init.xavier_normal_(m.weight)
                elif how == "he":
                    nn.init.kaiming_normal_(m.weight, nonlinearity="leaky_relu", a=0.01)
                else:
                    m.reset_parameters()
                    continue
                if m.bias is not None:
                    m.bias.zero_()


def _widen(model: nn.Sequential, width: int = 32) -> bool:
    """Replace each hidden ``Linear`` of at most 2 units (and the next one's input) by ``width`` units."""
    linears = [i for i, m in enumerate(model) if isinstance(m, nn.Linear)]
    changed = False
    for i, j in zip(linears, linears[1:]):
        if model[i].out_features <= 2:
            model[i] = nn.Linear(model[i].in_features, width)
            model[j] = nn.Linear(width, model[j].out_features)
            changed = True
    return changed


def _standardize(x: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    return (x.double() - mean) / std


def _fix(code: str, model: nn.Module, train: tuple, val: tuple | None, s: dict, report: Report) -> str:
    """Change ``model``, ``train``/``val`` (returned through ``s``) or the settings ``s`` in place; describe it."""
    relu = lambda m: type(m).__name__ in ("ReLU", "ReLU6")  # noqa: E731
    bounded = lambda m: activation_kind(m) in ("tanh", "sigmoid")  # noqa: E731
    if code == "non_finite":
        x, y = train
        keep = torch.isfinite(x.reshape(len(x), -1)).all(1) & (torch.isfinite(y.reshape(len(y), -1)).all(1)
                                                               if y.is_floating_point() else True)
        if not bool(keep.all()):
            s["data"] = (x[keep], y[keep])
            return "drop non-finite rows"
        s["callbacks"] = [GradientClipping(1.0)]
        return "clip gradients at 1"
    if code == "output_setup":
        last = last_module(model)
        n = _replace(model, lambda m: m is last and not isinstance(m, nn.Linear), lambda m: nn.Identity())
        return "remove the last activation" if n else "none"
    if code == "symmetry":
        _init(model, "default")
        return "random re-initialization"
    if code == "unnormalized_inputs":
        x = train[0].double()
        mean, std = x.mean(0), x.std(0).clamp_min(1e-8)
        s["data"] = (_standardize(train[0], mean, std).float(), train[1])
        if val is not None:
            s["val_data"] = (_standardize(val[0], mean, std).float(), val[1])
        return "standardize the inputs"
    if code == "exploding_gradient":
        _init(model, "glorot")
        s["callbacks"] = [GradientClipping(1.0)]
        return "Glorot init, clip gradients at 1"
    if code == "no_nonlinearity":
        if not isinstance(model, nn.Sequential):
            return "none"
        linears = [i for i, m in enumerate(model) if isinstance(m, nn.Linear)]
        layers = []
        for i, m in enumerate(model):
            if isinstance(m, nn.Identity):
                continue
            layers.append(m)
            if i in linears[:-1]:
                layers.append(nn.ReLU())
        s["model"] = nn.Sequential(*layers)
        return "insert ReLU"
    if code == "dying_relu":
        _replace(model, relu, lambda m: nn.LeakyReLU(0.01))
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.Linear) and m.bias is not None:
                    m.bias.zero_()
        return "LeakyReLU, zero biases"
    if code == "saturation":
        _init(model, "glorot")
        return "Glorot init, zero biases"
    if code == "vanishing_gradient":
        _replace(model, bounded, lambda m: nn.ReLU())
        _init(model, "he")
        return "ReLU with He init"
    if code == "collapse":
        _replace(model, relu, lambda m: nn.LeakyReLU(0.1))
        _init(model, "he")
        return "LeakyReLU(0.1) with He init"
    if code == "oscillation":
        s["momentum"] = 0.9
        return "momentum 0.9"
    if code in ("lr_too_high", "lr_too_low"):
        ratios = [v for v in report.measurements.get("update_ratio", []) if v and math.isfinite(v)]
        ratio = ratios[0] if code == "lr_too_high" and ratios else \
            sorted(ratios)[len(ratios) // 2] if ratios else math.nan
        low, high = (1e-4, 0.1) if code == "lr_too_high" else (10.0, 1e6)
        factor = min(max(TARGET_RATIO / ratio, low), high) if math.isfinite(ratio) else (0.1 if low < 1 else 100.0)
        s["lr"] = s["lr"] * factor
        return f"lr x {factor:.3g}"
    if code == "stalled":
        frozen = [p for p in model.parameters() if not p.requires_grad]
        for p in frozen:
            p.requires_grad_(True)
        return "unfreeze parameters" if frozen else "none"
    if code == "overfitting":
        s["weight_decay"] = 1e-2
        if val is not None:
            s["callbacks"] = [EarlyStopping(patience=3)]
            return "weight decay 1e-2, early stopping"
        return "weight decay 1e-2"
    if code == "underfitting":
        s["weight_decay"] = None
        n = _replace(model, lambda m: isinstance(m, nn.Dropout), lambda m: nn.Identity())
        if isinstance(model, nn.Sequential) and _widen(model):
            return "widen layers of width <= 2 to 32" + (", no dropout" if n else "")
        return "no weight decay, no dropout"
    return "none"


def repair(model_factory: Callable[[], nn.Module], data: tuple[Tensor, Tensor], report: Report, *,
           val_data: tuple[Tensor, Tensor] | None = None, **settings: Any) -> Repair:
    """Fix the first finding of ``report`` (see the module table), retrain with the same budget, compare.

    ``settings`` are ``examine``'s (``loss``, ``optimizer``, ``lr``, ``epochs``...), the ones
    ``report`` was made with.
    """
    codes = report.codes
    code = codes[0] if codes else None
    s: dict[str, Any] = {"data": data, "val_data": val_data, **settings}
    model = model_factory()
    change = _fix(code, model, data, val_data, s, report) if code else "none"
    model = s.pop("model", model)
    train = s.pop("data")
    after = examine(model, train, **s) if change != "none" else report
    return Repair(code, change, report, after, _final_loss(report), _final_loss(after))
