"""A model's loss at any parameter vector, without touching the model.

A point of a loss landscape is one flat vector ``theta`` (the model's
``named_parameters()`` concatenated in order, as ``parameters_to_vector``
gives them). ``LossAtPoint(model, data, loss)(theta)`` evaluates the mean loss
over ``data`` with ``torch.func.functional_call`` on a private copy of the
model, so the model, its parameters and its buffers are never changed.

Batch normalization (``batch_norm=``):

* ``"frozen"``: eval mode with the model's own running statistics (those of the
  solution) at every point;
* ``"recompute"``: at every point the running statistics are recomputed over
  ``data`` (each ``_BatchNorm`` in train mode with ``momentum=None``, i.e. the
  cumulative average over the batches, Ioffe & Szegedy 2015), then the loss is
  evaluated in eval mode with them. Li et al. 2018 ("Visualizing the Loss
  Landscape of Neural Nets") recompute them; frozen statistics make points far
  from the solution look worse than they are.

Dropout is off (eval mode) in both.

Example:
    >>> import torch
    >>> model = torch.nn.Linear(2, 1)
    >>> data = (torch.ones(4, 2), torch.zeros(4, 1))
    >>> at = LossAtPoint(model, data, "mse")
    >>> theta = torch.zeros(3)
    >>> at(theta)
    0.0
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call

from trainlab.constraints import Options, check, fail
from trainlab.train.losses import LossFn, resolve_loss

__all__ = ["BATCH_NORM", "LossAtPoint", "as_batches", "as_vector", "parameter_names", "parameter_vector",
           "unflatten"]

BATCH_NORM = Options(("frozen", "recompute"))


def parameter_names(model: nn.Module) -> list[str]:
    """The names of ``model``'s parameters, in the order of a flat vector."""
    return [name for name, _ in model.named_parameters()]


def parameter_vector(model: nn.Module) -> Tensor:
    """The model's parameters as one flat (detached) vector."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def unflatten(model: nn.Module, theta: Tensor) -> dict[str, Tensor]:
    """``{name: tensor}`` of the parameters held in the flat vector ``theta``, shaped like ``model``'s."""
    out, start = {}, 0
    for name, p in model.named_parameters():
        out[name] = theta[start:start + p.numel()].view_as(p)
        start += p.numel()
    return out


def as_vector(model: nn.Module, theta: Tensor | Mapping[str, Tensor], owner: str = "landscape",
              name: str = "theta") -> Tensor:
    """A flat vector from ``theta``: itself (a 1-D tensor of the right length) or a state dict's parameters."""
    size = sum(p.numel() for p in model.parameters())
    reference = next(iter(model.parameters()))
    if isinstance(theta, Mapping):
        names = parameter_names(model)
        shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
        bad = [n for n in names if n not in theta or tuple(theta[n].shape) != shapes[n]]
        if bad:
            fail(owner, name, f"a state dict with the model's parameters {names[:4]}... of their shapes",
                 f"a state dict whose {bad[0]!r} is " + ("missing" if bad[0] not in theta else
                                                           f"of shape {tuple(theta[bad[0]].shape)}"))
        return torch.cat([theta[n].detach().reshape(-1) for n in names]).to(reference)
    if not isinstance(theta, Tensor) or theta.ndim != 1 or theta.numel() != size:
        got = tuple(theta.shape) if isinstance(theta, Tensor) else type(theta).__name__
        fail(owner, name, f"a 1-D tensor of the model's {size} parameters or a state dict", got)
    return theta.detach().to(reference)


def as_batches(data: Any, owner: str = "landscape", name: str = "data") -> list[tuple[Tensor, Tensor]]:
    """``data`` as a list of ``(x, y)`` batches: a pair of tensors, an object with ``.x``/``.y``, or batches."""
    if hasattr(data, "x") and hasattr(data, "y"):
        data = (data.x, data.y)
    if isinstance(data, tuple) and len(data) == 2 and all(isinstance(t, Tensor) for t in data):
        batches = [data]
    elif isinstance(data, Iterable) and not isinstance(data, (Tensor, str)):
        batches = [tuple(b) for b in data]
    else:
        batches = []
    if not batches or any(len(b) != 2 or len(b[0]) != len(b[1]) or len(b[0]) == 0 for b in batches):
        fail(owner, name, "a non-empty (inputs, targets) pair of tensors or an iterable of such batches",
             type(data).__name__)
    return batches  # type: ignore[return-value]


def _default_loss(batches: list[tuple[Tensor, Tensor]]) -> str:
    y = batches[0][1]
    return "mse" if y.is_floating_point() else "cross_entropy"


class LossAtPoint:
    """``theta -> mean loss over data`` for ``model`` (see the module docstring for ``batch_norm``)."""

    def __init__(self, model: nn.Module, data: Any, loss: str | LossFn = "auto", batch_norm: str = "frozen",
                 owner: str = "landscape") -> None:
        check(owner, "batch_norm", batch_norm, BATCH_NORM)
        if not any(True for _ in model.parameters()):
            fail(owner, "model", "a module with parameters", type(model).__name__)
        self.batches = as_batches(data, owner)
        self.loss = resolve_loss(_default_loss(self.batches) if loss == "auto" else loss, owner)
        self.batch_norm = batch_norm
        self.model = copy.deepcopy(model).eval()
        self.norms = [(f"{n}." if n else "", m) for n, m in self.model.named_modules()
                      if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        for _, m in self.norms:
            m.momentum = None  # recomputed statistics: the cumulative average over the batches
        self.buffers = {k: v.detach().clone() for k, v in model.named_buffers()}
        self.names = parameter_names(model)
        self.reference = next(iter(model.parameters()))

    def statistics(self, params: dict[str, Tensor]) -> dict[str, Tensor]:
        """The buffers at ``params``: the model's own (frozen) or recomputed over the data."""
        if self.batch_norm == "frozen" or not self.norms:
            return self.buffers
        fresh = {k: v.clone() for k, v in self.buffers.items()}
        for key, m in self.norms:
            if m.track_running_stats:
                fresh[key + "running_mean"].zero_()
                fresh[key + "running_var"].fill_(1)
                fresh[key + "num_batches_tracked"].zero_()
            m.train()
        try:
            for x, _ in self.batches:
                functional_call(self.model, {**params, **fresh}, (self._input(x),))
        finally:
            self.model.eval()
        return fresh

    def differentiable(self, params: list[Tensor]) -> Tensor:
        """The mean loss as a differentiable function of the parameter tensors (frozen statistics)."""
        named = {**dict(zip(self.names, params, strict=True)), **self.buffers}
        count = sum(len(x) for x, _ in self.batches)
        total = params[0].new_zeros(())
        for x, y in self.batches:
            out = functional_call(self.model, named, (self._input(x),))
            y = y.to(out.device)
            total = total + self.loss(out, y.to(out.dtype) if y.is_floating_point() else y) * (len(x) / count)
        return total

    def _input(self, x: Tensor) -> Tensor:
        x = x.to(self.reference.device)
        return x.to(self.reference.dtype) if x.is_floating_point() else x

    @torch.no_grad()
    def __call__(self, theta: Tensor) -> float:
        params = unflatten(self.model, theta.to(self.reference))
        buffers = self.statistics(params)
        total, count = 0.0, 0
        for x, y in self.batches:
            out = functional_call(self.model, {**params, **buffers}, (self._input(x),))
            y = y.to(self.reference.device)
            if y.is_floating_point():
                y = y.to(out.dtype)
            total += float(self.loss(out, y)) * len(x)
            count += len(x)
        return total / count
