"""Weight-space symmetry - different parameters, the same function (the CMI lecture 5).

The CMI lecture 5 (identifiability): swapping two hidden units (with their incoming and
outgoing weights) leaves a network's function unchanged, and so does scaling a
ReLU layer's incoming weights and bias by ``k > 0`` and the next layer's weights
by ``1/k``, because ``relu(k z) = k relu(z)``. So a loss has many equivalent
minima, far apart in parameter space. tanh is not positively homogeneous: the
same rescaling changes a tanh network (the control).

Example:
    >>> from trainlab.experiments.identifiability import run_identifiability
    >>> r = run_identifiability()
    >>> r.permuted < 1e-12 and r.rescaled < 1e-12 and r.rescaled_tanh > 1e-3
    True
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from trainlab.constraints import POSITIVE, check, fail
from trainlab.nn import MLP
from trainlab.report.trajectories import new_figure, save

__all__ = ["permute_hidden", "rescale_layer", "run_identifiability", "IdentifiabilityResult"]


def _linears(model: MLP, layer: int) -> tuple[torch.nn.Linear, torch.nn.Linear]:
    linears = model.linears()
    if not 0 <= layer < len(linears) - 1:
        fail("identifiability", "layer", f"a hidden layer index in [0, {len(linears) - 2}]", layer)
    return linears[layer], linears[layer + 1]


def permute_hidden(model: MLP, layer: int, perm: Tensor) -> MLP:
    """A copy with the units of hidden ``layer`` reordered by ``perm`` (rows in, columns out)."""
    out = copy.deepcopy(model)
    first, second = _linears(out, layer)
    if sorted(perm.tolist()) != list(range(first.out_features)):
        fail("permute_hidden", "perm", f"a permutation of range({first.out_features})", perm.tolist())
    with torch.no_grad():
        first.weight.copy_(first.weight[perm])
        first.bias.copy_(first.bias[perm])
        second.weight.copy_(second.weight[:, perm])
    return out


def rescale_layer(model: MLP, layer: int, k: float) -> MLP:
    """A copy with hidden ``layer``'s weights and bias times ``k`` and the next weights times ``1/k``."""
    check("rescale_layer", "k", k, POSITIVE)
    out = copy.deepcopy(model)
    first, second = _linears(out, layer)
    with torch.no_grad():
        first.weight.mul_(k)
        first.bias.mul_(k)
        second.weight.div_(k)
    return out


@dataclass
class IdentifiabilityResult:
    inputs: Tensor
    outputs: dict[str, Tensor]  # network output on ``inputs``, per variant
    distance: dict[str, float]  # parameter-space distance from the original
    permuted: float  # max |output change|, permutation
    rescaled: float  # max |output change|, ReLU rescaling
    rescaled_tanh: float  # max |output change|, the same rescaling of a tanh net (control)

    def summary(self) -> dict[str, str]:
        """Largest output change and parameter distance per transformation."""
        return {
            "hidden units permuted": f"output change {self.permuted:.3g}, "
                                     f"parameter distance {self.distance['hidden units permuted']:.3g}",
            "ReLU layer x k, next / k": f"output change {self.rescaled:.3g}, "
                                        f"parameter distance {self.distance['ReLU layer x k, next / k']:.3g}",
            "tanh layer x k, next / k (control)": f"output change {self.rescaled_tanh:.3g}",
        }

    def plot(self, out: str | Path) -> list[Path]:
        """``identifiability.png``: the outputs of the equivalent networks coincide."""
        fig, (ax,) = new_figure()
        x = self.inputs[:, 0].numpy()
        styles = {"original (ReLU)": "-", "hidden units permuted": "--", "ReLU layer x k, next / k": ":",
                  "original (tanh)": "-", "tanh layer x k, next / k": "--"}
        for name, y in self.outputs.items():
            ax.plot(x, y[:, 0].numpy(), styles.get(name, "-"), lw=2, label=name)
        ax.set(xlabel="input", ylabel="network output", title="same function, different parameters")
        ax.legend(fontsize=8)
        return [save(fig, Path(out) / "identifiability.png")]


def _flat(model: MLP) -> Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def run_identifiability(
    widths: Sequence[int] = (1, 16, 16, 1), k: float = 3.0, seed: int = 0
) -> IdentifiabilityResult:
    """Permute and rescale the first hidden layer of a random float64 MLP; measure the output change."""
    torch.manual_seed(seed)
    relu = MLP(list(widths), activation="relu").double()
    tanh = MLP(list(widths), activation="tanh").double()
    perm = torch.randperm(widths[1], generator=torch.Generator().manual_seed(seed))
    x = torch.linspace(-2, 2, 201, dtype=torch.float64)[:, None].expand(-1, widths[0]).contiguous()
    variants = {
        "original (ReLU)": relu,
        "hidden units permuted": permute_hidden(relu, 0, perm),
        "ReLU layer x k, next / k": rescale_layer(relu, 0, k),
        "original (tanh)": tanh,
        "tanh layer x k, next / k": rescale_layer(tanh, 0, k),
    }
    with torch.no_grad():
        outputs = {name: m(x) for name, m in variants.items()}

    def change(a: str, b: str) -> float:
        return float((outputs[a] - outputs[b]).abs().max())

    return IdentifiabilityResult(
        inputs=x,
        outputs=outputs,
        distance={name: float((_flat(m) - _flat(relu if "tanh" not in name else tanh)).norm())
                  for name, m in variants.items()},
        permuted=change("hidden units permuted", "original (ReLU)"),
        rescaled=change("ReLU layer x k, next / k", "original (ReLU)"),
        rescaled_tanh=change("tanh layer x k, next / k", "original (tanh)"),
    )
