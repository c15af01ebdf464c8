"""Per-coordinate adaptive scaling: AdaGrad, RMSProp (plain and centered), Adadelta.

Update rules (``g`` the incoming update, all operations elementwise):

- AdaGrad (Duchi et al. 2011)::

      a <- a + g*g
      u <- g / (sqrt(a + eps_root) + eps) / (1 + (t - 1) * lr_decay)

  The UCLA ECE 239AS notes put epsilon outside the root (``eps``), the Brown/NVIDIA and SUTD 50.039 notes
  inside (``eps_root``); both are available.
- RMSProp (Hinton 2012)::

      a <- alpha * a + (1 - alpha) * g*g
      centered:  c <- alpha * c + (1 - alpha) * g;  a_hat = a - c*c
      u <- g / (sqrt(a_hat + eps_root) + eps)

- Adadelta (Zeiler 2012)::

      a <- rho * a + (1 - rho) * g*g
      d <- sqrt(s + eps) / sqrt(a + eps) * g
      s <- rho * s + (1 - rho) * d*d
      u <- d

Taught in the lectures (full references in docs/references.md): AdaGrad (Duchi et al. 2011) in the
Brown/NVIDIA notes, the UCLA ECE 239AS notes, the CMI lecture 5 and the SUTD 50.039 notes; RMSProp
(Hinton 2012) in the UCLA ECE 239AS notes; Adadelta (Zeiler 2012) in the Brown/NVIDIA notes.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_rms, scale_by_learning_rate
    >>> rmsprop = chain(scale_by_rms(alpha=0.99), scale_by_learning_rate(1e-2))
"""

from __future__ import annotations

import torch

from trainlab.constraints import BOOL, NONNEGATIVE, UNIT_CLOSED
from trainlab.optim.transform import Batch, Transform

__all__ = ["ScaleByAdagrad", "ScaleByRms", "ScaleByAdadelta"]


def root_plus_eps(acc: list[torch.Tensor], eps: float, eps_root: float) -> list[torch.Tensor]:
    """``sqrt(acc + eps_root) + eps`` as new tensors (the shared adaptive denominator)."""
    if eps_root:
        out = torch._foreach_add(acc, eps_root)
        torch._foreach_sqrt_(out)
    else:
        out = torch._foreach_sqrt(acc)
    if eps:
        torch._foreach_add_(out, eps)
    return out


class ScaleByAdagrad(Transform):
    """Divide by the root of the running sum of squared updates (AdaGrad)."""

    constraints = {
        "lr_decay": NONNEGATIVE,
        "initial_accumulator_value": NONNEGATIVE,
        "eps": NONNEGATIVE,
        "eps_root": NONNEGATIVE,
    }

    def __init__(
        self,
        lr_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            lr_decay=lr_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            eps_root=eps_root,
        )

    supports_sparse = True  # as torch.optim.Adagrad: only the coordinates a sparse gradient names

    def update(self, b: Batch) -> None:
        g = b.group
        init = g["initial_accumulator_value"]
        sums = b.slot("sum", lambda p: torch.full_like(p, init, memory_format=torch.preserve_format))
        u = b.update
        grads = u.values()
        decay = g["lr_decay"]
        if decay:
            scale = [1.0 / (1.0 + (t - 1) * decay) for t in b.steps]
        else:
            scale = 1.0
        if any(x.is_sparse for x in grads):
            quotients = [
                _adagrad_quotient(a, x, g["eps"], g["eps_root"]) for a, x in zip(sums, grads, strict=True)
            ]
            u.replace(quotients, owned=True, scale=scale)
            return
        torch._foreach_addcmul_(sums, grads, grads)
        den = root_plus_eps(sums, g["eps"], g["eps_root"])
        u.divide(den, scale)


def _adagrad_quotient(acc: torch.Tensor, grad: torch.Tensor, eps: float, eps_root: float) -> torch.Tensor:
    """``acc += g*g``; returns ``g / (sqrt(acc + eps_root) + eps)``.

    Sparse where ``g`` is, touching only its coordinates (torch.optim.Adagrad's sparse path).
    """
    if not grad.is_sparse:
        acc.addcmul_(grad, grad)
        return grad / acc.add(eps_root).sqrt_().add_(eps)
    grad = grad.coalesce()
    indices, values = grad._indices(), grad._values()
    acc.add_(torch.sparse_coo_tensor(indices, values.pow(2), grad.shape, check_invariants=False))
    std = acc.sparse_mask(grad)._values().add(eps_root).sqrt_().add_(eps)
    return torch.sparse_coo_tensor(indices, values / std, grad.shape, check_invariants=False)


class ScaleByRms(Transform):
    """Divide by the root of an exponential average of squared updates (RMSProp)."""

    constraints = {
        "alpha": UNIT_CLOSED,
        "eps": NONNEGATIVE,
        "eps_root": NONNEGATIVE,
        "centered": BOOL,
    }

    def __init__(
        self, alpha: float = 0.99, eps: float = 1e-8, centered: bool = False, eps_root: float = 0.0
    ) -> None:
        super().__init__(alpha=alpha, eps=eps, centered=centered, eps_root=eps_root)

    def update(self, b: Batch) -> None:
        g = b.group
        alpha = g["alpha"]
        u = b.update
        grads = u.values()
        sq = b.slot("square_avg")
        torch._foreach_mul_(sq, alpha)
        torch._foreach_addcmul_(sq, grads, grads, 1.0 - alpha)
        if g["centered"]:
            avg = b.slot("grad_avg")
            torch._foreach_lerp_(avg, grads, 1.0 - alpha)
            var = torch._foreach_addcmul(sq, avg, avg, -1.0)
            if g["eps_root"]:
                torch._foreach_add_(var, g["eps_root"])
            torch._foreach_sqrt_(var)
            if g["eps"]:
                torch._foreach_add_(var, g["eps"])
            den = var
        else:
            den = root_plus_eps(sq, g["eps"], g["eps_root"])
        u.divide(den)


class ScaleByAdadelta(Transform):
    """Adadelta: the step carries its own units, ``sqrt(E[dx^2]) / sqrt(E[g^2])``."""

    constraints = {"rho": UNIT_CLOSED, "eps": NONNEGATIVE}

    def __init__(self, rho: float = 0.9, eps: float = 1e-6) -> None:
        super().__init__(rho=rho, eps=eps)

    def update(self, b: Batch) -> None:
        rho, eps = b.group["rho"], b.group["eps"]
        u = b.update
        grads = u.values()
        sq = b.slot("square_avg")
        acc = b.slot("acc_delta")
        torch._foreach_mul_(sq, rho)
        torch._foreach_addcmul_(sq, grads, grads, 1.0 - rho)
        std = torch._foreach_add(sq, eps)
        torch._foreach_sqrt_(std)
        delta = torch._foreach_add(acc, eps)
        torch._foreach_sqrt_(delta)
        torch._foreach_div_(delta, std)
        torch._foreach_mul_(delta, grads)
        torch._foreach_mul_(acc, rho)
        torch._foreach_addcmul_(acc, delta, delta, 1.0 - rho)
        u.replace(delta, owned=True)
