"""``Doctor``: a Trainer callback that measures cheaply while training and returns a ``Report``.

What it records (all plain numbers, kept in ``measurements``):

* before the first step: the static checks (``trainlab.doctor.static``), the loss of
  the trivial predictor and of a linear least-squares fit (``trainlab.doctor.baselines``),
  the training loss, the optimizer's rate, momentum and weight decay, the largest
  dropout rate and the narrowest hidden ``Linear`` layer, and a ``probe``;
* on the first step of every epoch: the update-to-weight ratio ``||delta w|| / ||w||``
  (the weights are copied before that one step and compared after it);
* after every step: the first step whose loss is not finite;
* after every epoch: the epoch's training and validation loss and a ``probe``
  (``trainlab.doctor.probe``: per-layer dead units, saturation, gradient flow,
  output spread) on a fixed batch of at most ``probe_size`` training rows;
* with ``curvature=True``, after the first and the last epoch: the top Hessian
  eigenvalue on the probe batch (Lanczos, ``trainlab.diagnose.spectrum``) beside
  ``2 (1 + momentum) / lr``, the stability bound of heavy-ball gradient descent.

The cost per epoch is one forward and one backward pass on the probe batch and one
copy of the weights. ``report()`` (also called at the end of the fit, result in
``.last``) turns the measurements into findings with ``trainlab.doctor.rules``.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.train import Trainer
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(128, 2); y = (x[:, :1] * x[:, 1:]).tanh()
    >>> model = MLP([2, 16, 1], activation="tanh"); doctor = Doctor()
    >>> _ = Trainer(model, torch.optim.SGD(model.parameters(), lr=1e-7), epochs=20, callbacks=[doctor]).fit((x, y))
    >>> doctor.last.codes[0]
    'lr_too_low'
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from trainlab.constraints import BOOL, POSITIVE_INT, Optional, Options, check
from trainlab.doctor.baselines import linear_loss, trivial_loss
from trainlab.doctor.probe import probe
from trainlab.doctor.report import Report
from trainlab.doctor.rules import diagnose
from trainlab.doctor.static import static_checks
from trainlab.train.callbacks.base import Callback

__all__ = ["Doctor", "optimizer_settings", "model_settings"]

_TASK = Optional(Options(("regression", "classification", "binary")), none="from the loss and the targets")


def optimizer_settings(optimizer: Any) -> dict[str, Any]:
    """``lr``, ``momentum`` (SGD's, or Adam's beta1), ``weight_decay`` and ``adaptive`` of the first group."""
    groups = getattr(optimizer, "param_groups", None) or [{}]
    g = groups[0]
    betas = g.get("betas")
    momentum = float(betas[0]) if betas else float(g.get("momentum", 0.0) or 0.0)
    adaptive = betas is not None or any(k in g for k in ("alpha", "lr_decay", "eps"))
    return {"name": type(optimizer).__name__, "lr": float(g.get("lr", math.nan)), "momentum": momentum,
            "nesterov": bool(g.get("nesterov", False)), "weight_decay": float(g.get("weight_decay", 0.0) or 0.0),
            "adaptive": bool(adaptive)}


def model_settings(model: nn.Module) -> dict[str, Any]:
    """The largest dropout rate, the narrowest hidden ``Linear`` layer and the number of ``Linear`` layers."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    rates = [float(getattr(m, "p", 0.0)) for m in model.modules() if "Dropout" in type(m).__name__]
    hidden = [m.out_features for m in linears[:-1]]
    return {"dropout": max(rates, default=0.0), "min_width": min(hidden, default=None), "depth": len(linears),
            "parameters": sum(p.numel() for p in model.parameters())}


def _task(loss_fn: Any, y: torch.Tensor) -> str:
    if loss_fn is F.cross_entropy:
        return "classification"
    if loss_fn is F.binary_cross_entropy_with_logits:
        return "binary"
    return "regression" if y.is_floating_point() else "classification"


class Doctor(Callback):
    """Watch a run (see the module docs); ``report()`` returns the findings so far."""

    order = 50  # after guards and schedules, before Checkpoint (100)
    state_key = "Doctor"

    def __init__(self, probe_size: int = 256, curvature: bool = False, task: str | None = None,
                 seed: int = 0) -> None:
        check("Doctor", "probe_size", probe_size, POSITIVE_INT)
        check("Doctor", "curvature", curvature, BOOL)
        check("Doctor", "task", task, _TASK)
        self.probe_size, self.curvature, self.task, self.seed = probe_size, curvature, task, seed
        self.measurements: dict[str, Any] = {}
        self.static: list = []
        self.last: Report | None = None
        self._rows: torch.Tensor | None = None
        self._before: list[torch.Tensor] | None = None

    # -- the hooks ---------------------------------------------------------------------------
    def on_fit_start(self, trainer: Any) -> None:
        if self.measurements:  # a resumed fit keeps what it measured
            return
        data, model = trainer.train_data, trainer.model
        n = len(data.x)
        g = torch.Generator().manual_seed(self.seed)
        self._rows = torch.sort(torch.randperm(n, generator=g)[: min(n, self.probe_size)]).values
        task = self.task or _task(trainer.loss_fn, data.y)
        self.static = static_checks(model, data.x, data.y, "cross_entropy" if task == "classification" else
                                    "bce" if task == "binary" else "mse")
        first = self._probe(trainer, task)
        with torch.no_grad():
            outputs = model.eval()(data.x[:2]).reshape(2, -1).shape[1] if n >= 2 else 1
        model.train()
        m = self.measurements
        m.update(task=task, epochs=trainer.epochs, optimizer=optimizer_settings(trainer.optimizer),
                 model=model_settings(model), trivial=trivial_loss(trainer.loss_fn, data.y, outputs, task),
                 linear=linear_loss(trainer.loss_fn, data.x, data.y, task, outputs), probes=[{"epoch": 0, **first}],
                 train=[_finite_or_nan(self._full_loss(trainer))], val=[], update_ratio=[], nonfinite_step=None,
                 step_loss=[], sharpness=[])
        if trainer.val_data is not None:
            m["val"].append(_finite_or_nan(trainer.evaluate(trainer.val_data)["loss"]))
        if self.curvature:
            self._sharpness(trainer, epoch=0)

    def on_step_start(self, trainer: Any) -> None:
        if trainer.batch_index == 0 and self.measurements:
            self._before = [p.detach().clone() for p in trainer.model.parameters() if p.requires_grad]

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        m = self.measurements
        if not m:
            return
        loss = logs.get("loss", math.nan)
        m["step_loss"].append(_finite_or_nan(loss))
        if not math.isfinite(loss) and m["nonfinite_step"] is None:
            m["nonfinite_step"] = int(logs["step"])
        if self._before is not None:
            after = [p for p in trainer.model.parameters() if p.requires_grad]
            delta = math.sqrt(sum(float((a.detach() - b).pow(2).sum()) for a, b in zip(after, self._before, strict=True)))
            norm = math.sqrt(sum(float(b.pow(2).sum()) for b in self._before))
            m["update_ratio"].append(_finite_or_nan(delta / norm) if norm > 0 else math.nan)
            self._before = None

    def on_epoch_end(self, trainer: Any, logs: dict[str, float]) -> None:
        m = self.measurements
        if not m:
            return
        train = logs.get("train_loss")
        if train is None:  # eval_train=False: the mean batch loss of the epoch
            steps = trainer.history.steps
            ours = [l for l, e in zip(steps["loss"], steps["epoch"], strict=True) if e == trainer.epoch - 1]
            train = sum(ours) / len(ours) if ours else math.nan
        m["train"].append(_finite_or_nan(train))
        if "val_loss" in logs:
            m["val"].append(_finite_or_nan(logs["val_loss"]))
        m["probes"].append({"epoch": int(logs["epoch"]), **self._probe(trainer, m["task"])})
        if self.curvature and trainer.epoch in (1, trainer.epochs):
            self._sharpness(trainer, epoch=trainer.epoch)

    def on_fit_end(self, trainer: Any) -> None:
        if self.measurements:
            self.measurements["stop_reason"] = trainer.history.stop_reason
            self.report()

    def report(self) -> Report:
        """The findings from what was measured so far (also kept in ``.last``)."""
        self.last = Report(self.static + diagnose(self.measurements), dict(self.measurements))
        return self.last

    def state_dict(self) -> dict[str, Any]:
        """The measurements so far (plain data), so a resumed run keeps watching where it stopped."""
        if not self.measurements:
            return {}
        return {"measurements": self.measurements, "static": [f.to_dict() for f in self.static],
                "rows": self._rows}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        from trainlab.doctor.report import Finding

        self.measurements = state["measurements"]
        self.static = [Finding(**{**f, "advice": tuple(f["advice"])}) for f in state["static"]]
        self._rows = state["rows"]

    # -- measuring ---------------------------------------------------------------------------
    def _probe(self, trainer: Any, task: str) -> dict[str, Any]:
        data = trainer.train_data
        return probe(trainer.model, data.x[self._rows], data.y[self._rows], trainer.loss_fn, task)

    def _full_loss(self, trainer: Any) -> float:
        return trainer.evaluate(trainer.train_data)["loss"]

    def _sharpness(self, trainer: Any, epoch: int) -> None:
        from trainlab.diagnose.hvp import model_loss
        from trainlab.diagnose.spectrum import eigenvalues

        data, model = trainer.train_data, trainer.model
        params = [p for p in model.parameters() if p.requires_grad]
        settings = optimizer_settings(trainer.optimizer)
        was_training = model.training
        model.eval()
        try:
            fn = model_loss(model, trainer.loss_fn, data.x[self._rows], data.y[self._rows])
            top = float(eigenvalues(fn, params, k=1, tol=1e-3, max_hvps=20,
                                    generator=torch.Generator().manual_seed(self.seed)).values[0])
        except (RuntimeError, ValueError, ArithmeticError):
            return
        finally:
            model.train(was_training)
        bound = 2 * (1 + settings["momentum"]) / settings["lr"] if settings["lr"] > 0 else math.inf
        self.measurements["sharpness"].append({"epoch": epoch, "top": _finite_or_nan(top), "bound": bound})


def _finite_or_nan(v: float) -> float:
    v = float(v)
    return v if math.isfinite(v) else math.nan
