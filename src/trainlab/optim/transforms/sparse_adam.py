"""SparseAdam's lazy moments: Adam on the coordinates a sparse gradient names, nothing elsewhere.

Update rule (torch.optim.SparseAdam; the "lazy Adam" of embedding training), for
the coordinates ``i`` present in the sparse gradient ``g`` (duplicates summed first)::

    m_i <- b1 m_i + (1 - b1) g_i        v_i <- b2 v_i + (1 - b2) g_i^2
    u_i <- sqrt(1 - b2^t) / (1 - b1^t) * m_i / (sqrt(v_i) + eps)

Coordinates the gradient does not name keep their moments and parameters
unchanged (Adam would decay their moments and still move them). ``t`` counts
the steps this parameter had a gradient. Only sparse gradients are accepted.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_learning_rate, scale_by_sparse_adam
    >>> sparse_adam = chain(scale_by_sparse_adam(betas=(0.9, 0.999)), scale_by_learning_rate(1e-3))
"""

from __future__ import annotations

import math

import torch

from trainlab.constraints import POSITIVE
from trainlab.optim.transform import Batch, Transform
from trainlab.optim.transforms.adam import BETAS

__all__ = ["ScaleBySparseAdam"]


def _lazy_adam(m: torch.Tensor, v: torch.Tensor, grad: torch.Tensor, beta1: float, beta2: float,
               eps: float) -> torch.Tensor:
    """Update ``m``, ``v`` on the gradient's coordinates; returns ``m / (sqrt(v) + eps)`` there (sparse)."""
    grad = grad.coalesce()  # the update is not linear in g: each index once
    indices, values = grad._indices(), grad._values()
    if values.numel() == 0:
        return grad

    def sparse(vals: torch.Tensor) -> torch.Tensor:
        return torch.sparse_coo_tensor(indices, vals, grad.shape, check_invariants=False)

    # old <- b old + (1 - b) new, written old += (1 - b)(new - old) so that it is a sparse add
    old_m = m.sparse_mask(grad)._values()
    step_m = (values - old_m).mul_(1.0 - beta1)
    m.add_(sparse(step_m))
    old_v = v.sparse_mask(grad)._values()
    step_v = values.pow(2).sub_(old_v).mul_(1.0 - beta2)
    v.add_(sparse(step_v))
    return sparse(step_m.add_(old_m).div_(step_v.add_(old_v).sqrt_().add_(eps)))


class ScaleBySparseAdam(Transform):
    """Adam's bias-corrected scaling, applied lazily to the coordinates of a sparse gradient."""

    elementwise = False  # sparse rows, never a flat buffer

    constraints = {"betas": BETAS, "eps": POSITIVE}
    supports_sparse = True

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(betas=betas, eps=eps)

    def update(self, b: Batch) -> None:
        beta1, beta2 = b.group["betas"]
        u = b.update
        grads = u.values()
        if not all(g.is_sparse for g in grads):
            raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        m, v = b.slot("exp_avg"), b.slot("exp_avg_sq")
        steps = [
            _lazy_adam(mi, vi, g, beta1, beta2, b.group["eps"]) for mi, vi, g in zip(m, v, grads, strict=True)
        ]
        scale = [math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t) for t in b.steps]
        u.replace(steps, owned=True, scale=scale)
