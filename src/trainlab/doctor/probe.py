"""One look inside a model on a fixed batch: per-layer activity, gradient flow, output spread.

``probe(model, x, y, loss_fn, task)`` runs one forward pass in eval mode with hooks
on every leaf module and one ``torch.autograd.grad`` (so no ``.grad`` is touched and
the optimizer never sees it), and returns plain numbers:

* per activation layer (``layers``): ``dead`` - share of units that are exactly 0 for
  every row (ReLU family); ``zero`` - share of exactly-zero outputs; ``zero_grad`` -
  share of exactly-zero gradients reaching the layer's output; ``saturated`` - share of
  outputs in the flat tails (``|tanh| > 0.99``, sigmoid outside ``[0.01, 0.99]``);
* per ``Linear`` layer, in call order (``linear``): ``rel_grad = ||dL/dW|| / ||W||``,
  the input's root mean square, and ``duplicates``, the share of its units whose
  incoming weights and bias equal another unit's (symmetry);
* ``growth``: root mean square of the last ``Linear``'s input / of the network input;
* ``spread``: output variance across rows / target variance (for classes: the
  predicted probabilities' variance / their Bernoulli variance), near 0 for a
  collapsed network;
* ``finite``: whether output, loss and gradients are all finite; ``output_finite``;
  ``loss``. Activation layers after the last ``Linear`` are marked ``output``.

Example:
    >>> import torch
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> with torch.no_grad():
    ...     _ = net[0].bias.fill_(-100.0)   # every unit is dead
    >>> p = probe(net, torch.randn(32, 2), torch.randn(32, 1), torch.nn.functional.mse_loss, "regression")
    >>> p["layers"][0]["kind"], p["layers"][0]["dead"], p["spread"]
    ('relu', 1.0, 0.0)
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["KINDS", "activation_kind", "duplicate_share", "probe", "task_of_loss"]

KINDS = {"ReLU": "relu", "ReLU6": "relu", "Tanh": "tanh", "Hardtanh": "tanh", "Softsign": "tanh",
         "Sigmoid": "sigmoid", "Hardsigmoid": "sigmoid", "LeakyReLU": "leaky", "ELU": "leaky", "GELU": "leaky",
         "SiLU": "leaky", "SELU": "leaky", "Softplus": "leaky", "PReLU": "leaky"}
_SKIP = ("Dropout", "Identity", "Flatten")


def activation_kind(module: nn.Module) -> str | None:
    """``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"leaky"`` (a non-saturating, non-dying activation) or ``None``."""
    return KINDS.get(type(module).__name__)


def task_of_loss(loss: Any) -> str:
    """``"classification"`` for the class losses by name, ``"binary"`` for bce, else ``"regression"``."""
    if loss == "cross_entropy":
        return "classification"
    return "binary" if loss == "bce" else "regression"


def _spread(out: Tensor, y: Tensor, task: str) -> float:
    if out.ndim == 1:
        out = out[:, None]
    if task == "classification" and out.shape[1] > 1:
        p = torch.softmax(out, dim=1)
    elif task in ("classification", "binary"):
        p = torch.sigmoid(out)
    else:
        target = y.reshape(len(y), -1).to(out.dtype)
        return float(out.var(dim=0).mean() / target.var(dim=0).mean().clamp_min(1e-12))
    mean = p.mean(dim=0)
    return float(p.var(dim=0).mean() / (mean * (1 - mean)).mean().clamp_min(1e-12))


def duplicate_share(layer: nn.Linear) -> float:
    """The share of ``layer``'s units whose incoming weights and bias duplicate another unit's (symmetry)."""
    w = layer.weight.detach()
    rows = torch.cat([w, layer.bias.detach()[:, None]], dim=1) if layer.bias is not None else w
    if len(rows) < 2:
        return 0.0
    dist = torch.cdist(rows.double(), rows.double())
    dist.fill_diagonal_(math.inf)
    scale = rows.double().norm(dim=1).mean().clamp_min(1e-12)
    return float((dist.min(dim=1).values <= 1e-6 * scale).double().mean())


def probe(model: nn.Module, x: Tensor, y: Tensor, loss_fn: Any, task: str) -> dict[str, Any]:
    """Per-layer activity and gradient flow of ``model`` on ``(x, y)``, in eval mode (see the module docs)."""
    records: list[tuple[str, nn.Module, Tensor, Tensor]] = []
    names = {m: n for n, m in model.named_modules()}

    def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
        if isinstance(output, Tensor) and inputs and isinstance(inputs[0], Tensor):
            records.append((names[module], module, inputs[0], output))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if not list(m.children()) and type(m).__name__ not in _SKIP]
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            out = model(x)
            loss = loss_fn(out, y)
            params = [p for p in model.parameters() if p.requires_grad]
            acts = [r[3] for r in records if r[3].requires_grad]
            grads = torch.autograd.grad(loss, params + acts, allow_unused=True) if loss.requires_grad else []
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    grad_of = {id(t): g for t, g in zip(params + acts, grads, strict=False)}
    layers, linear = [], []
    last_linear = max((i for i, r in enumerate(records) if isinstance(r[1], nn.Linear)), default=-1)
    for i, (name, module, inp, output) in enumerate(records):
        kind = activation_kind(module)
        o = output.detach().reshape(len(output), -1)
        if isinstance(module, nn.Linear):
            g = grad_of.get(id(module.weight))
            w_norm = float(module.weight.detach().norm())
            linear.append({"name": name, "width": module.out_features,
                           "rel_grad": (float(g.norm()) / max(w_norm, 1e-12)) if g is not None else 0.0,
                           "input_rms": float(inp.detach().pow(2).mean().sqrt()),
                           "duplicates": duplicate_share(module)})
        elif kind is not None:
            g = grad_of.get(id(output))
            entry = {"name": name, "kind": kind, "width": o.shape[1],
                     "dead": float((o == 0).all(dim=0).double().mean()) if kind == "relu" else 0.0,
                     "zero": float((o == 0).double().mean()),
                     "zero_grad": float((g == 0).double().mean()) if g is not None else 1.0,
                     "saturated": _saturated(o, kind), "output": i > last_linear}
            layers.append(entry)
    output_finite = bool(torch.isfinite(out).all())
    finite = bool(output_finite and torch.isfinite(loss)
                  and all(g is None or bool(torch.isfinite(g).all()) for g in grads))
    x_rms = float(x.detach().double().pow(2).mean().sqrt()) if x.is_floating_point() else math.nan
    growth = linear[-1]["input_rms"] / max(x_rms, 1e-12) if linear and len(linear) > 1 else 1.0
    return {"layers": layers, "linear": linear, "growth": growth, "finite": finite, "output_finite": output_finite,
            "loss": float(loss.detach()),
            "spread": _spread(out.detach().double(), y.detach(), task) if finite else math.nan}


def _saturated(o: Tensor, kind: str) -> float:
    if kind == "tanh":
        return float((o.abs() > 0.99).double().mean())
    if kind == "sigmoid":
        return float(((o < 0.01) | (o > 0.99)).double().mean())
    return 0.0
