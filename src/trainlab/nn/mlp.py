"""``MLP``: a fully connected network from a list of widths.

Example:
    >>> from trainlab.nn import MLP
    >>> net = MLP([10, 64, 64, 1], activation="tanh")
    >>> net
    MLP(10-64-64-1, tanh)
    >>> MLP([1, 2, 2, 1], init="he")  # He et al. 2015 weights, zero biases
    MLP(1-2-2-1, relu, init=he)
    >>> MLP([1, 100, 100, 100, 1], dropout=[0.75, 0.6, 0.01], batch_norm=True)
    MLP(1-100-100-100-1, relu, dropout=[0.75, 0.6, 0.01], batch_norm=before)
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

import torch

from trainlab import init as initializers
from trainlab.constraints import BOOL, UNIT_HALF_OPEN, Options, Satisfies, check, fail
from trainlab.nn.activations import ACTIVATION_REGISTRY
from trainlab.nn.activations import get as get_activation
from trainlab.nn.batch_norm import BatchNorm1d
from trainlab.nn.dropout import FORM, Dropout

ACTIVATIONS: dict[str, type[nn.Module]] = {name: a.module for name, a in ACTIVATION_REGISTRY.items()}

WIDTHS = Satisfies(
    lambda w: isinstance(w, Sequence) and len(w) >= 2 and all(isinstance(v, int) and v >= 1 for v in w),
    "a sequence of at least two positive ints (input, hidden..., output)",
)
POSITION = Options(("before", "after"))


def dropout_rates(dropout: float | Sequence[float], hidden_layers: int) -> list[float]:
    """One drop probability per hidden layer: a number for all of them, or a sequence of ``hidden_layers``."""
    if isinstance(dropout, Sequence) and not isinstance(dropout, str):
        rates = list(dropout)
        if len(rates) != hidden_layers or not all(UNIT_HALF_OPEN.accepts(r) for r in rates):
            fail("MLP", "dropout", f"{UNIT_HALF_OPEN} or a list of {hidden_layers} such floats (one per hidden layer)",
                 dropout)
        return [float(r) for r in rates]
    check("MLP", "dropout", dropout, UNIT_HALF_OPEN)
    return [dropout] * hidden_layers


class MLP(nn.Sequential):
    """``Linear [-> BatchNorm1d] -> activation [-> Dropout(p)]`` for each hidden layer, then a final ``Linear``.

    ``dropout`` is the probability of *zeroing* a hidden unit during training
    (as in torch), one number for every hidden layer or a list with one rate
    per hidden layer; a rate of 0 adds no dropout layer there.
    ``dropout_form`` is ``"inverted"`` (``torch.nn.Dropout``: scale by
    ``1/(1-p)`` while training) or ``"standard"`` (scale by the keep
    probability ``1-p`` at inference, the weight-scaling rule); see
    ``trainlab.nn.dropout``.

    The Brown/NVIDIA "Training and Optimization" lecture's Heaviside example
    lists "dropout probabilities" 0.75, 0.6, 0.01 for layers 1-3. Its text
    defines the rate once as the probability of *keeping* a unit and once as
    a rate "typically between 0.1 and 0.5"; read as drop probabilities (the
    slide's heading, and the near-zero rate before the output layer, which the
    lecture says is usually not dropped) the example is
    ``MLP([1, 100, 100, 100, 1], dropout=[0.75, 0.6, 0.01])``. Read as keep
    probabilities it would be ``dropout=[0.25, 0.4, 0.99]``, keeping one unit
    in a hundred of the last hidden layer, which we take to be unintended.

    ``batch_norm=True`` adds a ``trainlab.nn.BatchNorm1d`` to every hidden
    layer, before the activation (``batch_norm_position="before"``, as the
    UCLA ECE 239AS lecture recommends, ``h = f(BN(W h + b))``) or after it
    (``"after"``).

    ``init`` names a scheme of ``trainlab.init`` (``"he"``, ``"xavier_normal"``...);
    the default ``"torch"`` keeps the layers' own initialization (re-drawn from
    ``generator`` when one is given). ``generator`` draws the weights of a
    scheme (the global generator when ``None``).
    """

    def __init__(
        self,
        widths: Sequence[int],
        activation: str = "relu",
        dropout: float | Sequence[float] = 0.0,
        init: str = "torch",
        generator: torch.Generator | None = None,
        *,
        dropout_form: str = "inverted",
        batch_norm: bool = False,
        batch_norm_position: str = "before",
    ) -> None:
        check("MLP", "widths", widths, WIDTHS)
        get_activation(activation)
        initializers.get(init)
        rates = dropout_rates(dropout, len(widths) - 2)
        check("MLP", "dropout_form", dropout_form, FORM)
        check("MLP", "batch_norm", batch_norm, BOOL)
        check("MLP", "batch_norm_position", batch_norm_position, POSITION)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(widths) - 2:
                hidden = [ACTIVATIONS[activation]()]
                if batch_norm:
                    hidden.insert(0 if batch_norm_position == "before" else 1, BatchNorm1d(b))
                layers += hidden
                if rates[i] > 0:
                    layers.append(Dropout(rates[i], form=dropout_form))
        super().__init__(*layers)
        if isinstance(dropout, Sequence):
            dropout = rates
        self.widths, self.activation, self.dropout, self.init = list(widths), activation, dropout, init
        self.dropout_form, self.batch_norm, self.batch_norm_position = dropout_form, batch_norm, batch_norm_position
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
        if isinstance(self.dropout, Sequence):
            drop = f", dropout=[{', '.join(f'{r:g}' for r in self.dropout)}]"
        else:
            drop = f", dropout={self.dropout:g}" if self.dropout else ""
        form = f", dropout_form={self.dropout_form}" if self.dropout_form != "inverted" else ""
        norm = f", batch_norm={self.batch_norm_position}" if self.batch_norm else ""
        scheme = f", init={self.init}" if self.init != "torch" else ""
        return f"MLP({'-'.join(map(str, self.widths))}, {self.activation}{drop}{form}{norm}{scheme})"


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

