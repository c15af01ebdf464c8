"""``MLP``: a fully connected network from a list of widths.

Example:
    >>> from trainlab.nn import MLP
    >>> net = MLP([10, 64, 64, 1], activation="tanh")
    >>> net
    MLP(10-64-64-1, tanh)
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from trainlab.constraints import UNIT_HALF_OPEN, Options, Satisfies, check

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
}

_WIDTHS = Satisfies(
    lambda w: isinstance(w, Sequence) and len(w) >= 2 and all(isinstance(v, int) and v >= 1 for v in w),
    "a sequence of at least two positive ints (input, hidden..., output)",
)


class MLP(nn.Sequential):
    """``Linear -> activation [-> Dropout(p)]`` for each hidden layer, then a final ``Linear``.

    ``dropout`` is the probability of zeroing a hidden unit during training
    (inverted dropout, ``torch.nn.Dropout``); 0 adds no dropout layers.
    """

    def __init__(self, widths: Sequence[int], activation: str = "relu", dropout: float = 0.0) -> None:
        check("MLP", "widths", widths, _WIDTHS)
        check("MLP", "activation", activation, Options(tuple(ACTIVATIONS)))
        check("MLP", "dropout", dropout, UNIT_HALF_OPEN)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[activation]())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        super().__init__(*layers)
        self.widths, self.activation, self.dropout = list(widths), activation, dropout

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
        return f"MLP({'-'.join(map(str, self.widths))}, {self.activation}{drop})"


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

