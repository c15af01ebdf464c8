"""``MLP``: a fully connected network from a list of widths.

Example:
    >>> from trainlab.nn import MLP
    >>> net = MLP([10, 64, 64, 1], activation="tanh")
    >>> net
    MLP(10-64-64-1, tanh)
    >>> MLP([1, 2, 2, 1], init="he")  # He et al. 2015 weights, zero biases
    MLP(1-2-2-1, relu, init=he)
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

import torch

from trainlab import init as initializers
from trainlab.constraints import UNIT_HALF_OPEN, Satisfies, check
from trainlab.nn.activations import ACTIVATION_REGISTRY
from trainlab.nn.activations import get as get_activation

ACTIVATIONS: dict[str, type[nn.Module]] = {name: a.module for name, a in ACTIVATION_REGISTRY.items()}

WIDTHS = Satisfies(
    lambda w: isinstance(w, Sequence) and len(w) >= 2 and all(isinstance(v, int) and v >= 1 for v in w),
    "a sequence of at least two positive ints (input, hidden..., output)",
)


class MLP(nn.Sequential):
    """``Linear -> activation [-> Dropout(p)]`` for each hidden layer, then a final ``Linear``.

    ``dropout`` is the probability of zeroing a hidden unit during training
    (inverted dropout, ``torch.nn.Dropout``); 0 adds no dropout layers.
    ``init`` names a scheme of ``trainlab.init`` (``"he"``, ``"xavier_normal"``...);
    the default ``"torch"`` keeps the layers' own initialization (re-drawn from
    ``generator`` when one is given). ``generator`` draws the weights of a
    scheme (the global generator when ``None``).
    """

    def __init__(
        self,
        widths: Sequence[int],
        activation: str = "relu",
        dropout: float = 0.0,
        init: str = "torch",
        generator: torch.Generator | None = None,
    ) -> None:
        check("MLP", "widths", widths, WIDTHS)
        get_activation(activation)
        initializers.get(init)
        check("MLP", "dropout", dropout, UNIT_HALF_OPEN)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[activation]())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        super().__init__(*layers)
        self.widths, self.activation, self.dropout, self.init = list(widths), activation, dropout, init
        if init != "torch" or generator is not None:
            initializers.initialize(self, init, generator=generator)

    def __getitem__(self, idx):  # type: ignore[override]
        """A layer, or for a slice a plain ``nn.Sequential`` of those layers (sharing parameters)."""
        if isinstance(idx, slice):
            return nn.Sequential(*list(self._modules.values())[idx])
        return super().__getitem__(idx)

    def linears(self) -> list[nn.Linear]:
        """The affine layers, first to last."""
        return [m for m in self if isinstance(m, nn.Linear)]

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        scheme = f", init={self.init}" if self.init != "torch" else ""
        return f"MLP({'-'.join(map(str, self.widths))}, {self.activation}{drop}{scheme})"


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

