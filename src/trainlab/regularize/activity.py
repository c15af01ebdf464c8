"""Activity sparsity: an L1 penalty on chosen layers' outputs, and how sparse they are.

``ActivityL1(model, layers, alpha)`` registers a forward hook on each layer (a
module of ``model`` or its name in ``model.named_modules()``) that keeps the
layer's latest output ``a`` (batch of ``B`` rows); the penalty is::

    Omega = alpha * sum_layers (1 / B) sum_{i, j} |a_ij|

(the UCLA ECE 239AS notes' "sparse representations"; Keras' ``activity_regularizer``
with ``l1``). It reads the outputs of the forward pass just before it, which is
what ``Trainer(..., penalty=...)`` computes it after. ``activation_sparsity``
measures the fraction of outputs with ``|a| <= threshold`` (after a ReLU: the units
that are off). ``remove()`` takes the hooks away.

Example:
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> act = ActivityL1(net, ["1"], 0.1)
    >>> _ = net(torch.ones(3, 2)); value = act(net)
    >>> bool(value >= 0), 0.0 <= activation_sparsity(net, ["1"], torch.ones(3, 2)) <= 1.0
    (True, True)
    >>> act.remove()
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from trainlab.constraints import NONNEGATIVE, Satisfies, check, fail
from trainlab.regularize.penalties import Penalty
from trainlab.regularize.select import STRENGTH

__all__ = ["ActivityL1", "activation_sparsity", "resolve_layers"]

_MODULE = Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module")


def resolve_layers(owner: str, model: nn.Module, layers: Sequence[str | nn.Module]) -> list[nn.Module]:
    """The modules of ``model`` that ``layers`` names (names or the modules themselves)."""
    check(owner, "model", model, _MODULE)
    named = dict(model.named_modules())
    ids = {id(m) for m in named.values()}
    if isinstance(layers, (str, nn.Module)) or not isinstance(layers, Sequence) or not layers:
        fail(owner, "layers", "a non-empty list of module names or modules of the model", layers)
    out = []
    for layer in layers:
        if isinstance(layer, str) and layer in named:
            out.append(named[layer])
        elif isinstance(layer, nn.Module) and id(layer) in ids:
            out.append(layer)
        else:
            fail(owner, "layers", f"module names of the model (one of {[k for k in named if k]})", layer)
    return out


class ActivityL1(Penalty):
    """``alpha * sum_layers mean over the batch of sum_units |a|`` on the chosen layers' outputs."""

    def __init__(self, model: nn.Module, layers: Sequence[str | nn.Module], strength: float) -> None:
        check("ActivityL1", "strength", strength, STRENGTH)
        self.modules = resolve_layers("ActivityL1", model, layers)
        self.strength = float(strength)
        self.outputs: dict[int, Tensor] = {}
        self.handles = [m.register_forward_hook(self._keep(i)) for i, m in enumerate(self.modules)]

    def _keep(self, i: int):
        def hook(module: nn.Module, args: object, output: Tensor) -> None:
            self.outputs[i] = output
        return hook

    def __call__(self, model: nn.Module | None = None, output: Tensor | None = None,
                 target: Tensor | None = None) -> Tensor:
        if len(self.outputs) < len(self.modules):
            raise RuntimeError("ActivityL1 reads the layers' outputs of the last forward pass: run the model first.")
        terms = [a.abs().sum() / max(a.shape[0], 1) for a in (self.outputs[i] for i in range(len(self.modules)))]
        return self.strength * sum(terms[1:], terms[0])

    def remove(self) -> None:
        """Remove the forward hooks (the penalty cannot be evaluated afterwards)."""
        for h in self.handles:
            h.remove()
        self.handles, self.outputs = [], {}

    def __repr__(self) -> str:
        return f"ActivityL1({len(self.modules)} layers, {self.strength:g})"


@torch.no_grad()
def activation_sparsity(model: nn.Module, layers: Sequence[str | nn.Module], x: Tensor,
                        threshold: float = 1e-6) -> float:
    """Fraction of the chosen layers' outputs on ``x`` with ``|a| <= threshold`` (model in eval mode)."""
    check("activation_sparsity", "threshold", threshold, NONNEGATIVE)
    modules = resolve_layers("activation_sparsity", model, layers)
    seen: list[Tensor] = []
    handles = [m.register_forward_hook(lambda m, a, out: seen.append(out.detach())) for m in modules]
    was = model.training
    try:
        model.eval()
        model(x)
    finally:
        model.train(was)
        for h in handles:
            h.remove()
    total = sum(a.numel() for a in seen)
    return sum(int((a.abs() <= threshold).sum()) for a in seen) / total
