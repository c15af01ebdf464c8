"""Directions of a 2-D loss-landscape slice: filter-normalized random, PCA of the path, Hessian.

Filter normalization (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the
Loss Landscape of Neural Nets", NeurIPS): draw ``d ~ N(0, I)`` shaped like the
parameters; for every weight tensor ``W`` (2-D or more: a Linear layer's rows, a
convolution's output filters) rescale each filter ``i``

    d_i <- d_i / ||d_i|| * ||W_i||,

and set the direction of every 1-D parameter (biases, batch-norm scales and
shifts) to zero, as their code does (``ignore='biasbn'``). The slice then has
the scale of the weights themselves, so slices of different nets compare, and
scale-invariant (batch-normalized) layers do not distort it.

The PCA directions of a training path ``theta_0..theta_n`` are the first two
principal components of the matrix of rows ``theta_i - theta_n`` (mean-centred,
as scikit-learn's ``PCA`` does it, which Li et al. use); the path is shown by
its coordinates ``(theta_i - center) . u_k``, so the final model sits at the
origin.

Example:
    >>> import torch
    >>> layer = torch.nn.Linear(3, 2)
    >>> d = filter_normalized(layer, generator=torch.Generator().manual_seed(0))
    >>> rows = d[:6].view(2, 3).norm(dim=1)
    >>> torch.allclose(rows, layer.weight.detach().norm(dim=1)), bool((d[6:] == 0).all())
    (True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trainlab.constraints import fail
from trainlab.diagnose.parameters import parameter_vector, unflatten

__all__ = ["PathProjection", "filter_normalized", "hessian_directions", "pca_directions", "project"]


def filter_normalized(model: nn.Module, center: Tensor | None = None, generator: torch.Generator | None = None,
                      ) -> Tensor:
    """A random direction (flat vector) filter-normalized to the weights at ``center`` (default: the model's)."""
    center = parameter_vector(model) if center is None else center
    weights = unflatten(model, center)
    parts = []
    for w in weights.values():
        if w.ndim <= 1:  # biases and batch-norm parameters: no move along them
            parts.append(torch.zeros(w.numel(), dtype=w.dtype, device=w.device))
            continue
        d = torch.randn(w.shape, generator=generator, dtype=w.dtype, device="cpu").to(w.device)
        rows, drows = w.reshape(len(w), -1), d.reshape(len(d), -1)
        scale = rows.norm(dim=1, keepdim=True) / drows.norm(dim=1, keepdim=True).clamp_min(torch.finfo(w.dtype).tiny)
        parts.append((drows * scale).reshape(-1))
    return torch.cat(parts)


@dataclass
class PathProjection:
    """Two orthonormal PCA directions of a path and the path's coordinates on them."""

    directions: Tensor  # (2, n)
    coordinates: Tensor  # (len(path), 2): (theta_i - center) . directions
    explained_variance_ratio: list[float]


def pca_directions(path: Sequence[Tensor], center: Tensor) -> PathProjection:
    """The first two principal directions of ``theta_i - center`` over the path (Li et al. 2018)."""
    if len(path) < 3:
        fail("landscape.plane", "path", "at least 3 parameter snapshots (two PCA directions)", len(path))
    rows = torch.stack([p - center for p in path]).double()
    centred = rows - rows.mean(dim=0)
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)
    vt = vt[:2]
    signs = torch.sign(vt.gather(1, vt.abs().argmax(dim=1, keepdim=True)))  # scikit-learn's svd_flip(u_based=False)
    vt = vt * signs
    variance = s**2
    ratio = (variance[:2] / variance.sum().clamp_min(torch.finfo(variance.dtype).tiny)).tolist()
    directions = vt.to(center.dtype)
    return PathProjection(directions, rows.to(center.dtype) @ directions.T, ratio)


def project(path: Sequence[Tensor], center: Tensor, directions: Tensor) -> Tensor:
    """Coordinates ``(a, b)`` of each ``theta_i`` with ``theta_i - center ~ a d1 + b d2`` (least squares)."""
    rows = torch.stack([p - center for p in path]).double()
    solution = torch.linalg.lstsq(directions.double().T, rows.T).solution  # (2, len(path))
    return solution.T.to(center.dtype)


def hessian_directions(loss_at: Callable[[list[Tensor]], Tensor], center: Tensor, shapes: list[torch.Size]) -> Tensor:
    """The top-2 eigenvectors (2, n) of the Hessian of ``loss_at(params)`` at ``center`` (Lanczos).

    ``loss_at`` maps the list of parameter tensors (shaped by ``shapes``) to the scalar loss.
    """
    from trainlab.diagnose import hessian

    params, start = [], 0
    for shape in shapes:
        n = int(torch.Size(shape).numel())
        params.append(center[start:start + n].clone().view(shape).requires_grad_(True))
        start += n
    spectrum = hessian.eigenvalues(lambda: loss_at(params), params, k=2, which="largest", vectors=True)
    return spectrum.vectors.reshape(2, -1).to(center)
