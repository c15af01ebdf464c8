"""Every layer's place in the information plane, at each of a list of parameter snapshots.

For a ``nn.Sequential`` net (``trainlab.nn.MLP``), the layers ``T`` are the
outputs of its non-affine modules (the hidden activations) and the network's
output (softmax probabilities for a classifier, ``output="softmax"``). At each
snapshot (a state dict: a checkpoint, or a copy taken during training) the
activations on the inputs ``x`` are measured with both estimators of
``trainlab.diagnose.information``: binning (``bins`` bins per unit over
``value_range``, or the range each layer takes over all snapshots when
``None``, as Saxe et al. 2018 do for ReLU) and the kernel-density upper bound
(on at most ``kde_inputs`` inputs, a fixed random subset: it costs ``n^2``).

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> net = MLP([2, 3, 2], activation="tanh")
    >>> x, y = torch.randn(64, 2), torch.randint(0, 2, (64,))
    >>> plane = information_trajectory(net, [net.state_dict()], x, y, value_range=(-1, 1))
    >>> plane.layers, len(plane.binned[0])
    (['layer 1 (3)', 'output (2)'], 1)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from trainlab.constraints import Options, check, fail
from trainlab.diagnose.information import binned_information, kde_information

__all__ = ["InformationTrajectory", "information_trajectory", "layer_outputs"]


@dataclass
class InformationTrajectory:
    """``binned[layer][k]`` and ``kde[layer][k]``: ``(I(X;T), I(T;Y))`` in bits at snapshot ``k``."""

    layers: list[str]
    binned: list[list[list[float]]] = field(default_factory=list)
    kde: list[list[list[float]]] = field(default_factory=list)
    ranges: list[list[float]] = field(default_factory=list)

    def compression(self, estimator: str = "binned") -> list[float]:
        """Per layer, how far ``I(X;T)`` fell from its peak by the last snapshot (bits; 0: none)."""
        curves = self.binned if estimator == "binned" else self.kde
        return [max(p[0] for p in c) - c[-1][0] for c in curves]


@torch.no_grad()
def layer_outputs(model: nn.Sequential, x: Tensor, output: str = "softmax") -> list[Tensor]:
    """The output of each non-affine module of ``model`` and the network's output (softmax or raw)."""
    outs, h = [], x
    for module in model:
        h = module(h)
        if not isinstance(module, (nn.Linear, nn.Dropout)):
            outs.append(h)
    outs.append(F.softmax(h, dim=1) if output == "softmax" else h)
    return outs


def _names(model: nn.Sequential, widths: list[int]) -> list[str]:
    return [f"layer {i + 1} ({w})" for i, w in enumerate(widths[:-1])] + [f"output ({widths[-1]})"]


def information_trajectory(model: nn.Sequential, states: Sequence[Mapping[str, Tensor]], x: Tensor, labels: Tensor,
                           bins: int = 30, value_range: tuple[float, float] | None = None,
                           noise_variance: float = 0.1, kde_inputs: int = 1024, output: str = "softmax",
                           seed: int = 0) -> InformationTrajectory:
    """Both estimates for every layer at every snapshot (see the module docstring)."""
    check("information_trajectory", "output", output, Options(("softmax", "raw")))
    if not isinstance(model, nn.Sequential):
        fail("information_trajectory", "model", "an nn.Sequential (e.g. trainlab.nn.MLP)", type(model).__name__)
    if len(states) == 0:
        fail("information_trajectory", "states", "at least one state dict", 0)
    net = copy.deepcopy(model).eval()
    outputs = []
    for state in states:
        net.load_state_dict(state)
        outputs.append(layer_outputs(net, x, output))
    widths = [int(t.shape[1]) for t in outputs[0]]
    subset = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:kde_inputs]
    result = InformationTrajectory(_names(model, widths))
    for layer in range(len(widths)):
        snapshots = [o[layer] for o in outputs]
        if layer == len(widths) - 1 and output == "softmax":
            low, high = 0.0, 1.0
        elif value_range is not None:
            low, high = value_range
        else:
            low = min(float(s.min()) for s in snapshots)
            high = max(float(s.max()) for s in snapshots)
        high = high if high > low else low + 1.0  # a constant layer: one bin
        result.ranges.append([low, high])
        result.binned.append([list(binned_information(s, labels, bins, (low, high))) for s in snapshots])
        result.kde.append([list(kde_information(s[subset], labels[subset], noise_variance)) for s in snapshots])
    return result
