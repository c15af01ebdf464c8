"""Loss landscapes: the loss along a line between two models, and on a 2-D slice around one.

``line`` (Goodfellow, Vinyals & Saxe 2015, "Qualitatively characterizing neural
network optimization problems", ICLR; the CMI "Lecture 5: Training Deep Neural
Networks II" notes show their plot) evaluates

    L((1 - a) theta_start + a theta_end)    for a in linspace(lo, hi, points)

on the training data and, when given, the validation data: a monotone curve says
no barrier lies between initialization and solution.

``plane`` (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets")
evaluates ``L(center + a d1 + b d2)`` on a ``points x points`` grid, with ``d1, d2``
filter-normalized random directions (``"filter"``), the top-2 Hessian eigenvectors
(``"hessian"``), the first two PCA directions of a training path (``"pca"``), or
given vectors. A path (parameter snapshots, e.g. checkpoints) is projected on the
directions, so a contour plot can show the route training took.

Both work for any ``nn.Module`` and loss through ``torch.func.functional_call``
and never change the model; batch-norm statistics are ``"frozen"`` (the model's)
or ``"recompute"`` (over the data at every point): see
``trainlab.diagnose.parameters``.

Example:
    >>> import torch
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    >>> data = (torch.randn(32, 2), torch.randn(32, 1))
    >>> start = parameter_vector(model)
    >>> result = line(model, start, torch.zeros_like(start), data, points=5)
    >>> result.alphas
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> grid = plane(model, data, points=3, seed=0)
    >>> len(grid.loss), len(grid.loss[0])
    (3, 3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE, Interval, Satisfies, check, fail
from trainlab.diagnose.directions import filter_normalized, hessian_directions, pca_directions, project
from trainlab.diagnose.parameters import LossAtPoint, as_vector, parameter_vector
from trainlab.train.losses import LossFn

__all__ = ["DIRECTIONS", "LineResult", "PlaneResult", "line", "parameter_vector", "plane"]

DIRECTIONS = ("filter", "hessian", "pca")
POINTS = Interval(2, 1001, closed="both", integer=True)
RANGE = Satisfies(lambda r: isinstance(r, (tuple, list)) and len(r) == 2 and r[0] < r[1],
                  "a pair (low, high) with low < high")

Theta = Tensor | Mapping[str, Tensor]


@dataclass
class LineResult:
    """Losses at ``alphas`` (0: ``theta_start``, 1: ``theta_end``); ``validation`` when data was given."""

    alphas: list[float]
    train: list[float]
    validation: list[float] | None
    batch_norm: str
    distance: float  # ||theta_end - theta_start||

    @property
    def barrier(self) -> float:
        """Largest rise of the training loss above the chord between the two models (0: none).

        ``max_a L(a) - ((1 - a) L(0) + a L(1))`` (the loss barrier of Frankle et al. 2020,
        "Linear Mode Connectivity and the Lottery Ticket Hypothesis"); the chord joins the
        losses at the points nearest ``alpha = 0`` and ``alpha = 1``, and only the points
        between them count.
        """
        first, last = self._ends()
        if last <= first:
            return 0.0
        a0, a1, l0, l1 = self.alphas[first], self.alphas[last], self.train[first], self.train[last]
        return max(0.0, max(self.train[i] - (l0 + (self.alphas[i] - a0) / (a1 - a0) * (l1 - l0))
                            for i in range(first, last + 1)))

    def _ends(self) -> tuple[int, int]:
        return (min(range(len(self.alphas)), key=lambda i: abs(self.alphas[i])),
                min(range(len(self.alphas)), key=lambda i: abs(self.alphas[i] - 1)))

    @property
    def monotone(self) -> bool:
        """Whether the training loss never rises from one model to the other (Goodfellow et al.'s finding)."""
        first, last = self._ends()
        return all(b <= a for a, b in zip(self.train[first:last], self.train[first + 1:last + 1], strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "barrier": self.barrier, "monotone": self.monotone}


def line(model: nn.Module, theta_start: Theta, theta_end: Theta, data: Any, points: int = 25, *,
         validation: Any = None, loss: str | LossFn = "auto", batch_norm: str = "frozen",
         alpha_range: tuple[float, float] = (0.0, 1.0)) -> LineResult:
    """Training (and validation) loss along ``(1 - a) theta_start + a theta_end``; see the module docstring."""
    check("landscape.line", "points", points, POINTS)
    check("landscape.line", "alpha_range", alpha_range, RANGE)
    start = as_vector(model, theta_start, "landscape.line", "theta_start")
    end = as_vector(model, theta_end, "landscape.line", "theta_end")
    alphas = torch.linspace(alpha_range[0], alpha_range[1], points, dtype=torch.float64).tolist()
    curves = []
    for part in (data, validation):
        if part is None:
            curves.append(None)
            continue
        at = LossAtPoint(model, part, loss, batch_norm, "landscape.line")
        curves.append([at(start + a * (end - start)) for a in alphas])
    return LineResult(alphas, curves[0], curves[1], batch_norm, float((end - start).norm()))


@dataclass
class PlaneResult:
    """``loss[i][j] = L(center + alphas[j] d1 + betas[i] d2)``; ``path``: the path's (a, b) coordinates."""

    alphas: list[float]
    betas: list[float]
    loss: list[list[float]]
    kind: str
    batch_norm: str
    center_loss: float
    path: list[list[float]] | None = None
    explained_variance_ratio: list[float] | None = None
    direction_norms: list[float] = field(default_factory=list)
    directions: Tensor | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("directions")
        return out


def _directions(kind: str | Tensor, model: nn.Module, center: Tensor, at: LossAtPoint, path: list[Tensor] | None,
                seed: int) -> tuple[Tensor, list[float] | None]:
    if isinstance(kind, Tensor):
        if kind.shape != (2, center.numel()):
            fail("landscape.plane", "directions", f"a (2, {center.numel()}) tensor or one of {DIRECTIONS}",
                 tuple(kind.shape))
        return kind.to(center), None
    if kind == "pca":
        if path is None:
            fail("landscape.plane", "path", "a list of parameter snapshots when directions='pca'", None)
        projection = pca_directions(path, center)
        return projection.directions, projection.explained_variance_ratio
    if kind == "hessian":
        shapes = [p.shape for p in model.parameters()]
        return hessian_directions(at.differentiable, center, shapes), None
    generator = torch.Generator().manual_seed(seed)
    return torch.stack([filter_normalized(model, center, generator) for _ in range(2)]), None


def plane(model: nn.Module, data: Any, directions: str | Tensor = "filter", *, center: Theta | None = None,
          path: Sequence[Theta] | None = None, span: float = 1.0, points: int = 21, seed: int = 0,
          loss: str | LossFn = "auto", batch_norm: str = "frozen", margin: float = 0.25) -> PlaneResult:
    """The loss on a 2-D slice through ``center`` (default: the model's parameters); see the module docstring.

    The grid spans ``[-span, span]`` along both directions, except for ``"pca"``
    directions, whose grid covers the projected path with a ``margin`` (a fraction of its extent) around it.
    The Hessian directions are those of the loss with the model's own (frozen) batch-norm statistics.
    """
    owner = "landscape.plane"
    if not isinstance(directions, Tensor):
        check(owner, "directions", directions, Satisfies(lambda d: d in DIRECTIONS,
                                                        f"one of {DIRECTIONS} or a (2, n) tensor"))
    check(owner, "points", points, POINTS)
    check(owner, "span", span, POSITIVE)
    check(owner, "margin", margin, Interval(0, None, closed="left"))
    theta = parameter_vector(model) if center is None else as_vector(model, center, owner, "center")
    snapshots = None if path is None else [as_vector(model, p, owner, "path") for p in path]
    at = LossAtPoint(model, data, loss, batch_norm, owner)
    d, ratio = _directions(directions, model, theta, at, snapshots, seed)
    coords = None if snapshots is None else project(snapshots, theta, d)
    if directions == "pca" and coords is not None:
        low, high = coords.min(dim=0).values, coords.max(dim=0).values
        pad = margin * (high - low).clamp_min(torch.finfo(high.dtype).eps)
        ranges = [(float(low[k] - pad[k]), float(high[k] + pad[k])) for k in range(2)]
    else:
        ranges = [(-span, span), (-span, span)]
    alphas = torch.linspace(*ranges[0], points, dtype=torch.float64).tolist()
    betas = torch.linspace(*ranges[1], points, dtype=torch.float64).tolist()
    grid = [[at(theta + a * d[0] + b * d[1]) for a in alphas] for b in betas]
    return PlaneResult(alphas, betas, grid, directions if isinstance(directions, str) else "given", batch_norm,
                       at(theta), None if coords is None else coords.tolist(), ratio,
                       [float(v) for v in d.norm(dim=1)], d)
