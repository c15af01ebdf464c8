"""Transfer learning: reuse a trained network's layers, freeze them, retrain the head, unfreeze gradually.

A network trained on a large source task already computes features a related
target task can use; with few target samples, training only a new output layer
(or fine-tuning the reused layers slowly) regularizes far better than training
from scratch (Yosinski et al. 2014, "How transferable are features in deep neural
networks?", NeurIPS; the UCLA ECE 239AS notes, "transfer learning").

- ``new_head(model, n_outputs)``: a copy of an ``MLP`` whose last ``Linear`` is new;
- ``freeze(model, layers)`` / ``unfreeze``: ``requires_grad`` off / on for the given
  layers (a frozen parameter gets no gradient, so every torch and trainlab optimizer
  leaves it alone; the ``Trainer``'s gradient norm counts only trained ones);
- ``layer_groups(model, lr, decay)``: one torch parameter group per layer, the top
  layer at ``lr`` and each layer below at ``decay`` times the one above
  (discriminative fine-tuning, Howard & Ruder 2018, "Universal language model
  fine-tuning for text classification", ACL) - plain param groups, so any
  optimizer takes them;
- ``GradualUnfreezing(every)``: a callback that starts with only the head
  trainable and unfreezes one more layer, top down, every ``every`` epochs
  (Howard & Ruder 2018); its position is a function of the epoch, so a resumed run
  continues exactly.

A trainlab ``ScheduleCallback`` sets every group to the same rate; use per-layer
rates without a schedule (or scale them yourself).

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> source = MLP([64, 32, 32, 5])
    >>> target = new_head(source, 5)
    >>> freeze(target, target.linears()[:-1])
    >>> [p.requires_grad for p in target.parameters()]
    [False, False, False, False, True, True]
    >>> groups = layer_groups(target, lr=1e-2, decay=0.5)
    >>> [g["lr"] for g in groups]
    [0.0025, 0.005, 0.01]
    >>> optimizer = torch.optim.Adam(groups)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import nn

from trainlab.constraints import POSITIVE, POSITIVE_INT, Interval, Satisfies, check
from trainlab.train.callbacks.base import Callback

__all__ = ["GradualUnfreezing", "freeze", "layer_groups", "layers_of", "new_head", "unfreeze"]

_MODULE = Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module")


def layers_of(model: nn.Module) -> list[nn.Module]:
    """The layers, input first: an ``MLP``'s ``Linear`` layers, else the children that own parameters."""
    check("layers_of", "model", model, _MODULE)
    if callable(getattr(model, "linears", None)):
        return list(model.linears())
    return [m for m in model.children() if any(True for _ in m.parameters())]


def new_head(model: nn.Module, n_outputs: int, generator: torch.Generator | None = None) -> nn.Module:
    """A deep copy of ``model`` whose last layer (a ``Linear``) is replaced by a fresh one with ``n_outputs``."""
    check("new_head", "n_outputs", n_outputs, POSITIVE_INT)
    out = copy.deepcopy(model)
    old = layers_of(out)[-1]
    check("new_head", "model", old, Satisfies(lambda m: isinstance(m, nn.Linear), "a model ending in nn.Linear"))
    head = nn.Linear(old.in_features, n_outputs, dtype=old.weight.dtype, device=old.weight.device)
    if generator is not None:
        bound = 1 / old.in_features**0.5  # torch's own default, drawn from ``generator``
        with torch.no_grad():
            head.weight.uniform_(-bound, bound, generator=generator)
            head.bias.uniform_(-bound, bound, generator=generator)
    for name, module in out.named_modules():
        for child_name, child in module.named_children():
            if child is old:
                setattr(module, child_name, head)
    if hasattr(out, "widths"):
        out.widths = [*out.widths[:-1], n_outputs]
    return out


def _params(layers: Iterable[nn.Module]) -> Iterable[nn.Parameter]:
    for layer in layers:
        yield from layer.parameters()


def freeze(model: nn.Module, layers: Sequence[nn.Module] | None = None) -> None:
    """Stop training ``layers`` (default: all of ``model``)."""
    for p in _params(layers if layers is not None else [model]):
        p.requires_grad_(False)


def unfreeze(model: nn.Module, layers: Sequence[nn.Module] | None = None) -> None:
    """Train ``layers`` again (default: all of ``model``)."""
    for p in _params(layers if layers is not None else [model]):
        p.requires_grad_(True)


def layer_groups(model: nn.Module, lr: float, decay: float = 1.0) -> list[dict[str, Any]]:
    """One parameter group per layer (input first); layer ``i`` of ``L`` at ``lr * decay ** (L - 1 - i)``."""
    check("layer_groups", "lr", lr, POSITIVE)
    check("layer_groups", "decay", decay, Interval(0, None, closed="neither"))
    layers = layers_of(model)
    return [{"params": list(layer.parameters()), "lr": lr * decay ** (len(layers) - 1 - i)}
            for i, layer in enumerate(layers)]


class GradualUnfreezing(Callback):
    """Train only the top layer, then one more layer (top down) every ``every`` epochs."""

    def __init__(self, every: int) -> None:
        check("GradualUnfreezing", "every", every, POSITIVE_INT)
        self.every = every

    def trainable(self, epoch: int, n_layers: int) -> int:
        """How many layers (from the top) train in epoch ``epoch`` (0-based)."""
        return min(1 + epoch // self.every, n_layers)

    def on_fit_start(self, trainer: Any) -> None:  # a resumed run may start inside an epoch
        self.on_epoch_start(trainer)

    def on_epoch_start(self, trainer: Any) -> None:
        layers = layers_of(trainer.model)
        k = self.trainable(trainer.epoch, len(layers))
        freeze(trainer.model, layers[: len(layers) - k])
        unfreeze(trainer.model, layers[len(layers) - k:])
