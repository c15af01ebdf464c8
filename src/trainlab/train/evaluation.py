"""The Trainer's end-of-epoch evaluation, and the forward pass it can hand to the next step.

``evaluate_split`` computes the loss and metrics of a model on one split without
gradients, in ``eval`` mode. Switching a model to ``eval`` and back walks every
submodule, which costs as much as the forward pass of a small net; it is skipped
when ``mode_free(model)`` proves the switch changes nothing.

``mode_free(model)`` is true only when every submodule's forward provably ignores
``training``: the layer types listed in ``MODE_FREE_LAYERS`` (linear layers,
pointwise activations, reshapes) and plain containers (``Sequential``,
``ModuleList``, ``ModuleDict`` and subclasses that override neither ``forward``
nor ``train``, such as ``trainlab.nn.MLP``), with no forward hooks and no
``forward`` set on an instance. Dropout,
batch normalization and every module of unknown type make it false.

``ReusableForward``: in a full-batch run the next step's loss is the loss of the
whole training split at the current weights, which is exactly what the epoch's
evaluation has just computed when the model is mode-free. The evaluation then runs
that forward pass with gradients and keeps it; the next step's closure takes it
instead of running the forward pass again, provided no parameter or buffer changed
in between: their values are compared with a copy taken with the forward pass
(version counters would miss a write through ``p.data``; one flat copy costs a
pass over the parameters, far less than the forward pass over every row it saves).
The tensors are those the model held when training started, the ones its
optimizer updates. When nothing can run between the two (no callback hook between an
epoch's end and the next step's closure, and a ``torch.optim`` optimizer, which
evaluates the closure before it touches a parameter) the Trainer passes no tensors
to watch and the copy is skipped. The values are those of a fresh forward pass: same inputs,
same kernels.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> mode_free(MLP([1, 8, 1])), mode_free(MLP([1, 8, 1], dropout=0.5)), mode_free(torch.nn.BatchNorm1d(3))
    (True, False, False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn
from torch.nn.modules import module as _module

from trainlab.train.data import TensorPair

__all__ = ["MODE_FREE_LAYERS", "ReusableForward", "evaluate_split", "mode_free"]

MODE_FREE_LAYERS: frozenset[type[nn.Module]] = frozenset({
    nn.Linear, nn.Bilinear, nn.Identity, nn.Flatten, nn.Unflatten,
    nn.ReLU, nn.ReLU6, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish,
    nn.LogSigmoid, nn.PReLU, nn.Softmax, nn.LogSoftmax,
})
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def _plain_container(m: nn.Module) -> bool:
    base = next((c for c in _CONTAINERS if isinstance(m, c)), None)
    return base is not None and type(m).forward is base.forward and type(m).train is nn.Module.train


def mode_free(model: nn.Module) -> bool:
    """True when ``model(x)`` is provably the same in ``train`` and ``eval`` mode (see the module docstring)."""
    if _module._global_forward_hooks or _module._global_forward_pre_hooks:
        return False
    for m in model.modules():
        if m._forward_hooks or m._forward_pre_hooks or "forward" in vars(m):
            return False
        if type(m) not in MODE_FREE_LAYERS and not _plain_container(m):
            return False
    return True


def _scores(loss: Tensor, pred: Tensor, y: Tensor, metrics: Mapping[str, Callable[..., float]],
            prefix: str) -> dict[str, float]:
    pre = f"{prefix}_" if prefix else ""
    out = {f"{pre}loss": float(loss)}
    for name, fn in metrics.items():
        out[f"{pre}{name}"] = float(fn(pred, y))
    return out


@torch.no_grad()
def evaluate_split(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
                   metrics: Mapping[str, Callable[..., float]], pair: TensorPair, prefix: str = "",
                   *, switch_mode: bool = True) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``pair`` in ``eval`` mode, keys ``<prefix>_loss``, ``<prefix>_<metric>``.

    ``switch_mode=False`` leaves the mode alone (for models that are ``mode_free``).
    """
    was_training = model.training
    if switch_mode:
        model.eval()
    try:
        pred = model(pair.x)
        return _scores(loss_fn(pred, pair.y), pred, pair.y, metrics, prefix)
    finally:
        if switch_mode:
            model.train(was_training)


def _snapshot(tensors: Sequence[Tensor]) -> list[Tensor]:
    """The values of ``tensors``: one flat copy when they share a device, else one copy each."""
    flat = [t.detach().reshape(-1) for t in tensors]
    if len({(t.device, t.dtype) for t in flat}) == 1:
        return [torch.cat(flat)]
    return [t.clone() for t in flat]


def _unchanged(tensors: Sequence[Tensor], snapshot: list[Tensor]) -> bool:
    now = _snapshot(tensors)
    return len(now) == len(snapshot) and all(torch.equal(a, b) for a, b in zip(now, snapshot, strict=True))


class ReusableForward:
    """A forward pass on the full training split, kept (with its graph) for the next step."""

    def __init__(self) -> None:
        self.loss: Tensor | None = None
        self._snapshot: list[Tensor] | None = None

    def evaluate(self, model: nn.Module, tensors: Sequence[Tensor] | None, loss_fn: Callable[[Tensor, Tensor], Tensor],
                 metrics: Mapping[str, Callable[..., float]], pair: TensorPair, prefix: str) -> dict[str, float]:
        """``evaluate_split`` of a ``mode_free`` model, keeping the loss's graph for ``take``.

        ``tensors``: the model's parameters and buffers, whose values ``take`` compares
        (``None``: nothing can change them before ``take``).
        """
        if torch.is_grad_enabled():  # as in a training loop: no context to enter
            pred = model(pair.x)
            loss = loss_fn(pred, pair.y)
        else:
            with torch.enable_grad():
                pred = model(pair.x)
                loss = loss_fn(pred, pair.y)
        self.loss, self._snapshot = loss, None if tensors is None else _snapshot(tensors)
        return _scores(loss.detach(), pred.detach(), pair.y, metrics, prefix)

    def take(self, tensors: Sequence[Tensor]) -> Tensor | None:
        """The kept loss if none of the watched ``tensors`` changed since it was computed, else ``None``."""
        loss, self.loss = self.loss, None
        if loss is None or (self._snapshot is not None and not _unchanged(tensors, self._snapshot)):
            return None
        return loss

    def clear(self) -> None:
        self.loss, self._snapshot = None, None
