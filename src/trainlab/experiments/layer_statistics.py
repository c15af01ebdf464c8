"""Activation and back-propagated gradient statistics per layer, per init x activation.

Glorot & Bengio 2010 ("Understanding the difficulty of training deep feedforward
neural networks", figures 3-7), quoted in the Brown/NVIDIA "Training and
Optimization" lecture notes: with N(0, 1) weights the variance of each layer's
input grows from layer to layer and a sigmoid net saturates (its top layers sit
at 0 or 1); with the normalized (Xavier) initialization the activations of a
tanh net and their back-propagated gradients keep about the same variance in
every layer.

``layer_statistics(model, x, y)`` runs one forward and backward pass and
returns, for every hidden layer, the mean and variance of the activations
``h = f(z)`` and of the back-propagated gradients ``dL/dz`` (``L`` summed over
the examples, so each entry is one example's gradient), plus the values
themselves (for histograms). ``layer_study`` does it for every init x activation
at initialization and after ``steps`` Adam steps on the digits data set
(scikit-learn's 8x8 digits, standardized; cross-entropy).

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.experiments.layer_statistics import layer_statistics
    >>> net = MLP([4, 16, 16, 3], "tanh", init="xavier_normal", generator=torch.Generator().manual_seed(0))
    >>> stats = layer_statistics(net, torch.randn(32, 4), torch.randint(0, 3, (32,)), loss="cross_entropy")
    >>> len(stats), stats[0].activation_var > 0
    (2, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from trainlab import init as initializers
from trainlab.constraints import POSITIVE, Interval, Options, check, fail
from trainlab.nn import MLP
from trainlab.nn.activations import get as get_activation
from trainlab.optim import Adam

__all__ = ["LayerStats", "layer_statistics", "LayerStudy", "layer_study", "DepthProfile", "variance_by_depth"]


@dataclass
class LayerStats:
    """One hidden layer: mean/variance of its activations and of ``dL/dz`` (``z``: pre-activation)."""

    layer: int
    activation_mean: float
    activation_var: float
    gradient_mean: float
    gradient_var: float
    activations: Tensor = field(repr=False)
    gradients: Tensor = field(repr=False)


def layer_statistics(model: nn.Sequential, x: Tensor, y: Tensor, loss: str = "cross_entropy") -> list[LayerStats]:
    """Per hidden layer of ``model`` (a ``Linear -> activation`` stack such as ``MLP``): see the module doc.

    ``loss``: ``"cross_entropy"`` (``y`` class labels), ``"mse"``, or ``"projection"``
    (``sum(output * y)``: the gradient entering the top layer is ``y`` itself).
    """
    check("layer_statistics", "loss", loss, Options(("cross_entropy", "mse", "projection")))
    if not isinstance(model, nn.Sequential):
        fail("layer_statistics", "model", "an nn.Sequential of Linear and activation layers (e.g. MLP)",
             type(model).__name__)
    modules = list(model)
    pre, post = [], []
    h = x
    for i, module in enumerate(modules):
        h = module(h)
        follows_linear = i > 0 and isinstance(modules[i - 1], nn.Linear)
        if isinstance(module, nn.Linear) and i < len(modules) - 1:
            h.retain_grad()
            pre.append(h)
        elif follows_linear and not isinstance(module, nn.Linear) and len(post) < len(pre):
            post.append(h)
    # summed over examples, so dL/dz is each example's own back-propagated gradient
    if loss == "cross_entropy":
        value = F.cross_entropy(h, y, reduction="sum")
    elif loss == "mse":
        value = F.mse_loss(h, y, reduction="sum")
    else:  # "projection": sum(output * y), so dL/d(output) = y whatever the output's scale
        value = (h * y).sum()
    model.zero_grad(set_to_none=True)
    value.backward()
    stats = []
    for k, (z, a) in enumerate(zip(pre, post, strict=False)):
        act, grad = a.detach().flatten(), z.grad.detach().flatten()
        stats.append(LayerStats(k + 1, act.mean().item(), act.var().item(), grad.mean().item(),
                                grad.var().item(), act, grad))
    model.zero_grad(set_to_none=True)
    return stats


@dataclass
class LayerStudy:
    """``stats[(init, activation)]["init" | "trained"]`` -> per-layer statistics."""

    inits: list[str]
    activations: list[str]
    depth: int
    width: int
    steps: int
    stats: dict[tuple[str, str], dict[str, list[LayerStats]]]

    def table(self) -> list[dict[str, object]]:
        """Rows of (init, activation, when, layer, activation var, gradient var)."""
        return [{"init": i, "activation": a, "when": when, "layer": s.layer,
                 "activation_mean": s.activation_mean, "activation_var": s.activation_var,
                 "gradient_var": s.gradient_var}
                for (i, a), by in self.stats.items() for when, rows in by.items() for s in rows]

    def plot(self, directory: str | Path) -> list[Path]:
        from trainlab.report.initialization import plot_layer_histograms, plot_layer_variances

        directory = Path(directory)
        return [plot_layer_histograms(self, directory / "layer-activations.png", "activations"),
                plot_layer_histograms(self, directory / "layer-gradients.png", "gradients"),
                plot_layer_variances(self, directory / "layer-variances.png")]


def layer_study(
    inits: Sequence[str] = ("normal", "xavier_normal", "he"),
    activations: Sequence[str] = ("sigmoid", "tanh", "relu"),
    depth: int = 5,
    width: int = 100,
    steps: int = 200,
    lr: float = 1e-3,
    seed: int = 0,
) -> LayerStudy:
    """Per-layer statistics of a ``depth`` x ``width`` MLP on digits, at init and after training."""
    from trainlab.data import load_dataset

    check("layer_study", "depth", depth, Interval(1, None, integer=True))
    check("layer_study", "width", width, Interval(1, None, integer=True))
    check("layer_study", "steps", steps, Interval(0, None, integer=True))
    check("layer_study", "lr", lr, POSITIVE)
    for name in inits:
        initializers.get(name)
    for name in activations:
        get_activation(name)
    data = load_dataset("digits")
    x = torch.as_tensor(data.X, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
    y = torch.as_tensor(data.y, dtype=torch.long)
    widths = [x.shape[1]] + [width] * depth + [data.n_outputs]
    stats = {}
    for scheme in inits:
        for act in activations:
            model = MLP(widths, act, init=scheme, generator=torch.Generator().manual_seed(seed))
            at_init = layer_statistics(model, x, y)
            opt = Adam(model.parameters(), lr=lr)
            for _ in range(steps):
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
            stats[(scheme, act)] = {"init": at_init, "trained": layer_statistics(model, x, y)}
    return LayerStudy(list(inits), list(activations), depth, width, steps, stats)


@dataclass
class DepthProfile:
    """Per scheme: activation and gradient variance in each hidden layer of a deep net at initialization."""

    activation: str
    depth: int
    width: int
    activation_var: dict[str, list[float]]
    gradient_var: dict[str, list[float]]

    def plot(self, path: str | Path) -> Path:
        from trainlab.report.initialization import plot_depth_profile

        return plot_depth_profile(self, path)


def variance_by_depth(
    schemes: Sequence[str] = ("normal", "xavier_normal", "he", "lecun_normal", "orthogonal", "torch"),
    activation: str = "relu",
    depth: int = 20,
    width: int = 256,
    samples: int = 512,
    seed: int = 0,
) -> DepthProfile:
    """Forward and backward pass of N(0, 1) inputs through a ``depth`` x ``width`` MLP per scheme.

    The loss is ``sum(output * r)`` for a fixed N(0, 1) ``r``, so the gradient entering the top
    layer has unit variance whatever the scheme. With the matching gain the variances stay flat:
    He for ReLU, Xavier/LeCun for tanh; N(0, 1) explodes or saturates.
    """
    check("variance_by_depth", "depth", depth, Interval(1, 200, closed="both", integer=True))
    check("variance_by_depth", "width", width, Interval(1, 4096, closed="both", integer=True))
    check("variance_by_depth", "samples", samples, Interval(2, None, integer=True))
    get_activation(activation)
    for name in schemes:
        initializers.get(name)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, width, generator=g, dtype=torch.float64)
    r = torch.randn(samples, width, generator=g, dtype=torch.float64)
    acts, grads = {}, {}
    for scheme in schemes:
        model = MLP([width] * (depth + 2), activation, init=scheme,
                    generator=torch.Generator().manual_seed(seed)).double()
        stats = layer_statistics(model, x, r, loss="projection")
        acts[scheme] = [s.activation_var for s in stats]
        grads[scheme] = [s.gradient_var for s in stats]
    return DepthProfile(activation, depth, width, acts, grads)
