"""Mutual information of a layer with the input and the label: the information plane.

Each of the ``n`` inputs is one equally likely value of ``X`` (the finite input
set of Shwartz-Ziv & Tishby 2017, "Opening the black box of deep neural networks
via information"); ``T`` is a layer's activation, a function of ``X``; ``Y`` the
label. All results are in bits.

Binning (Shwartz-Ziv & Tishby 2017): each unit's activation is cut into ``bins``
equal bins over ``value_range``; ``T`` becomes the tuple of bin indices, and as
``T`` is a function of ``X``

    I(X;T) = H(T),    I(T;Y) = H(T) - sum_y p(y) H(T | Y = y).

Kernel density upper bound (Kolchinsky & Tracey 2017, "Estimating mixture
entropy with pairwise distances"; used by Saxe et al. 2018, "On the information
bottleneck theory of deep learning"): add noise, ``T = h(X) + N(0, s2 I)``, so
``T`` is a mixture of ``n`` Gaussians and ``H(T | X) = d/2 log(2 pi e s2)``; its
entropy is bounded with the pairwise KL divergences ``||h_i - h_j||^2 / (2 s2)``

    H(T) <= H(T|X) - sum_i 1/n log sum_j 1/n exp(-||h_i - h_j||^2 / (2 s2))

(upper bound) and with the Bhattacharyya distances ``||h_i - h_j||^2 / (8 s2)`` in
the exponent (lower bound); the true value lies between the two. ``I(X;T) = H(T) - H(T|X)`` and ``I(T;Y) =
H(T) - sum_y p(y) H(T | Y = y)`` with the same bound on each entropy.

Example:
    >>> import torch
    >>> codes = torch.eye(4)  # four inputs, each in its own bin pattern
    >>> binned_information(codes, torch.tensor([0, 0, 1, 1]), bins=2, value_range=(0, 1))
    (2.0, 1.0)
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from trainlab.constraints import POSITIVE, Interval, Options, Satisfies, check, fail

__all__ = ["binned_information", "discrete_entropy", "kde_entropy", "kde_information"]

BINS = Interval(1, 10**6, closed="both", integer=True)
RANGE = Satisfies(lambda r: isinstance(r, (tuple, list)) and len(r) == 2 and r[0] < r[1],
                  "a pair (low, high) with low < high")
BOUND = Options(("upper", "lower"))
LN2 = math.log(2.0)


def _check(owner: str, activations: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    if not isinstance(activations, Tensor) or activations.ndim != 2 or len(activations) == 0:
        fail(owner, "activations", "a 2-D tensor (inputs, units)", getattr(activations, "shape", activations))
    if not isinstance(labels, Tensor) or labels.shape != (len(activations),):
        fail(owner, "labels", f"a 1-D tensor of {len(activations)} labels", getattr(labels, "shape", labels))
    return activations.detach(), labels.detach()


def discrete_entropy(codes: Tensor) -> float:
    """Entropy in bits of the empirical distribution of the rows of ``codes`` (each row one sample)."""
    rows = codes.reshape(len(codes), -1).long()
    base = int(rows.max()) + 1 if rows.numel() else 1
    if rows.shape[1] * math.log2(max(base, 2)) < 62 and int(rows.min()) >= 0:  # one integer per row
        keys = rows @ (base ** torch.arange(rows.shape[1], dtype=torch.long))
        _, counts = torch.unique(keys, return_counts=True)
    else:
        _, counts = torch.unique(rows, dim=0, return_counts=True)
    p = counts.double() / counts.sum()
    return float(-(p * torch.log2(p)).sum())


def binned_information(activations: Tensor, labels: Tensor, bins: int = 30,
                       value_range: tuple[float, float] = (-1.0, 1.0)) -> tuple[float, float]:
    """``(I(X;T), I(T;Y))`` in bits by binning; one row of ``activations`` per equally likely input."""
    t, y = _check("binned_information", activations, labels)
    check("binned_information", "bins", bins, BINS)
    check("binned_information", "value_range", value_range, RANGE)
    low, high = value_range
    codes = ((t.double() - low) / (high - low) * bins).floor().clamp(0, bins - 1).long()
    h_t = discrete_entropy(codes)
    conditional = sum((y == c).double().mean().item() * discrete_entropy(codes[y == c]) for c in torch.unique(y))
    return h_t, h_t - conditional


def kde_entropy(activations: Tensor, noise_variance: float, bound: str = "upper") -> float:
    """Pairwise-distance bound (nats) on the entropy of the mixture ``mean_i N(h_i, noise_variance I)``."""
    check("kde_entropy", "noise_variance", noise_variance, POSITIVE)
    check("kde_entropy", "bound", bound, BOUND)
    h = activations.detach().double()
    n, d = h.shape
    distances = torch.cdist(h, h).square()
    scale = 2 * noise_variance if bound == "upper" else 8 * noise_variance
    log_mixture = torch.logsumexp(-distances / scale, dim=1) - math.log(n)
    return d / 2 * math.log(2 * math.pi * math.e * noise_variance) - float(log_mixture.mean())


def kde_information(activations: Tensor, labels: Tensor, noise_variance: float = 0.1,
                    bound: str = "upper") -> tuple[float, float]:
    """``(I(X;T), I(T;Y))`` in bits of the noisy layer ``T = h(X) + N(0, noise_variance I)``."""
    t, y = _check("kde_information", activations, labels)
    check("kde_information", "noise_variance", noise_variance, POSITIVE)
    check("kde_information", "bound", bound, BOUND)
    d = t.shape[1]
    h_given_x = d / 2 * math.log(2 * math.pi * math.e * noise_variance)
    h_t = kde_entropy(t, noise_variance, bound)
    h_given_y = sum((y == c).double().mean().item() * kde_entropy(t[y == c], noise_variance, bound)
                    for c in torch.unique(y))
    return (h_t - h_given_x) / LN2, (h_t - h_given_y) / LN2
