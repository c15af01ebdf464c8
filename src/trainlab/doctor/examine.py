"""``examine``: train a copy of a model briefly with the ``Doctor`` watching, and return its ``Report``.

The one-call entry point. The model is deep-copied, so the caller's weights, buffers
and gradients are untouched; the copy is trained with a fresh optimizer (a name of
``trainlab.optim.registry``: ``"adam"``, ``"sgd"``..., or a callable
``params -> optimizer``) for ``epochs`` epochs. Data the Trainer cannot take (NaN or
inf values) is reported by the static checks without training; integer inputs are
reported and then trained as floats.

Example:
    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(200, 2); y = (x[:, 0] * x[:, 1] > 0).long()
    >>> net = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2), nn.Softmax(dim=1))
    >>> report = examine(net, (x, y), loss="cross_entropy", epochs=5)
    >>> report.findings[0].code, report.findings[0].advice[0][:30]
    ('output_setup', 'remove the last activation: en')
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE, POSITIVE_INT, BOOL, Optional, Satisfies, check
from trainlab.doctor.report import Report
from trainlab.doctor.static import static_checks
from trainlab.doctor.watch import Doctor
from trainlab.train.callbacks.base import Callback
from trainlab.train.losses import resolve_loss
from trainlab.train.run_options import build_run_optimizer
from trainlab.train.trainer import Trainer

__all__ = ["examine", "make_optimizer"]

_PAIR = Satisfies(lambda d: isinstance(d, (tuple, list)) and len(d) == 2 and all(isinstance(t, Tensor) for t in d),
                  "a pair (X, y) of tensors")
_OPTIMIZER = Satisfies(lambda o: isinstance(o, str) or callable(o), "an optimizer name or a callable params -> optimizer")
_MODULE = Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module")


def make_optimizer(optimizer: str | Callable[..., Any], params: Any, lr: float, momentum: float | None = None,
                   weight_decay: float | None = None) -> Any:
    """``optimizer`` built on ``params``: a registry name with ``lr`` (and momentum/weight decay), or a callable."""
    if isinstance(optimizer, str):
        return build_run_optimizer(optimizer, params, lr, momentum=momentum, weight_decay=weight_decay)
    return optimizer(params)


def examine(model: nn.Module, data: tuple[Tensor, Tensor], *, loss: str | Callable[[Tensor, Tensor], Tensor],
            optimizer: str | Callable[..., Any] = "adam", lr: float = 1e-3, epochs: int = 30,
            batch_size: int | None = None, val_data: tuple[Tensor, Tensor] | None = None, seed: int = 0,
            momentum: float | None = None, weight_decay: float | None = None, curvature: bool = False,
            callbacks: list[Callback] | None = None) -> Report:
    """Train a copy of ``model`` on ``data`` for ``epochs`` with a ``Doctor`` attached; return its ``Report``."""
    check("examine", "model", model, _MODULE)
    check("examine", "data", data, _PAIR)
    check("examine", "val_data", val_data, Optional(_PAIR, none="no validation"))
    check("examine", "optimizer", optimizer, _OPTIMIZER)
    check("examine", "lr", lr, POSITIVE)
    check("examine", "epochs", epochs, POSITIVE_INT)
    check("examine", "curvature", curvature, BOOL)
    loss_fn = resolve_loss(loss, "examine")
    x, y = data
    if not (x.is_floating_point() and bool(torch.isfinite(x).all())) or \
            (y.is_floating_point() and not bool(torch.isfinite(y).all())):
        found = static_checks(model, x, y, loss)
        if any(f.code == "non_finite" for f in found):
            return Report(found, {"trained": False})
        x = x.to(torch.get_default_dtype())
        if val_data is not None:
            val_data = (val_data[0].to(x.dtype), val_data[1])
    twin = copy.deepcopy(model)
    opt = make_optimizer(optimizer, twin.parameters(), lr, momentum, weight_decay)
    doctor = Doctor(task=_task_name(loss), seed=seed)
    with torch.random.fork_rng():
        Trainer(twin, opt, loss=loss_fn, epochs=epochs, batch_size=batch_size, seed=seed,
                callbacks=[doctor, *(callbacks or [])]).fit((x, y), val_data)
    report = doctor.report()
    if not data[0].is_floating_point():
        report = Report(static_checks(model, data[0], y, loss) + [f for f in report.findings
                                                                  if f.code != "unnormalized_inputs"],
                        report.measurements)
    return report


def _task_name(loss: Any) -> str | None:
    return {"cross_entropy": "classification", "bce": "binary", "mse": "regression", "mae": "regression"}.get(loss) \
        if isinstance(loss, str) else None
