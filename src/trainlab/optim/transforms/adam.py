"""Adaptive moments: Adam (with/without bias correction, AMSGrad), Adamax, NAdam, RAdam.

Update rules (``g`` the incoming update, ``t`` the step, elementwise):

- Adam (Kingma & Ba 2015)::

      m <- b1 m + (1 - b1) g            v <- b2 v + (1 - b2) g*g
      AMSGrad (Reddi et al. 2018): v_max <- max(v_max, v), used for v
      m_hat = m / (1 - b1^t)            v_hat = v / (1 - b2^t)     (bias correction)
      u <- m_hat / (sqrt(v_hat + eps_root) + eps)

  ``bias_correction=False`` is the UCLA ECE 239AS notes' "Adam with no bias correction".
- Adamax (Kingma & Ba 2015): ``n <- max(b2 n, |g| + eps)``, ``u <- m / (1 - b1^t) / n``.
- NAdam (Dozat 2016), ``mu_t = b1 (1 - 0.5 * 0.96^(t psi))``::

      u <- [(1 - mu_t) g / (1 - prod_{i<=t} mu_i) + mu_{t+1} m / (1 - prod_{i<=t+1} mu_i)]
           / (sqrt(v_hat + eps_root) + eps)

  ``variant="torch"`` averages ``m`` with the constant ``b1`` (torch.optim.NAdam);
  ``variant="dozat"`` is the algorithm as the Brown/NVIDIA notes print it: ``m`` averaged with
  ``mu_t`` and the second moment looked ahead, ``v_hat = b2 v / (1 - b2^t)``.
- RAdam (Liu et al. 2020): with ``rho_inf = 2/(1 - b2) - 1`` and
  ``rho_t = rho_inf - 2 t b2^t / (1 - b2^t)``, when ``rho_t > 5``
  ``u <- r_t m_hat sqrt(1 - b2^t) / (sqrt(v) + eps)`` with the rectifier
  ``r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))``, else ``u <- m_hat``.

Taught in the lectures (full references in docs/references.md): Adam (Kingma & Ba 2015) in the UCLA
ECE 239AS notes, the CMI lecture 5 and the SUTD 50.039 notes; AMSGrad (Reddi et al. 2018) in the
SUTD 50.039 notes; NAdam (Dozat 2016) in the Brown/NVIDIA notes.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_adam, scale_by_learning_rate
    >>> adam = chain(scale_by_adam(betas=(0.9, 0.999)), scale_by_learning_rate(1e-3))
"""

from __future__ import annotations

import math

import torch

from trainlab.constraints import BOOL, NONNEGATIVE, UNIT_HALF_OPEN, Options, Pair
from trainlab.optim.transform import Batch, Transform

__all__ = ["ScaleByAdam", "ScaleByAdamax", "ScaleByNadam", "ScaleByRadam", "update_moments"]

BETAS = Pair(UNIT_HALF_OPEN)


def update_moments(
    b: Batch, grads: list[torch.Tensor], beta1: float, beta2: float, keep_max: bool = False
) -> tuple[list, list]:
    """``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g*g``; returns ``(m, v)``.

    ``keep_max`` (AMSGrad, AMSBound): returns ``v_max <- max(v_max, v)`` in place of ``v``.
    """
    m = b.slot("exp_avg")
    v = b.slot("exp_avg_sq")
    torch._foreach_lerp_(m, grads, 1.0 - beta1)
    torch._foreach_mul_(v, beta2)
    torch._foreach_addcmul_(v, grads, grads, 1.0 - beta2)
    if keep_max:
        vmax = b.slot("max_exp_avg_sq")
        torch._foreach_maximum_(vmax, v)
        v = vmax
    return m, v


def corrected_root(
    v: list[torch.Tensor], bc2: list[float], eps: float, eps_root: float
) -> list[torch.Tensor]:
    """``sqrt(v + eps_root*bc2) + eps*sqrt(bc2)`` = ``sqrt(bc2) * (sqrt(v/bc2 + eps_root) + eps)``.

    Folding ``sqrt(bc2)`` into the scale saves a pass over memory.
    """
    if eps_root:
        den = torch._foreach_add(v, [eps_root * c for c in bc2])
        torch._foreach_sqrt_(den)
    else:
        den = torch._foreach_sqrt(v)
    if eps:
        torch._foreach_add_(den, [eps * math.sqrt(c) for c in bc2])
    return den


class ScaleByAdam(Transform):
    """Adam's scaling by bias-corrected first and second moments."""

    constraints = {
        "betas": BETAS,
        "eps": NONNEGATIVE,
        "eps_root": NONNEGATIVE,
        "amsgrad": BOOL,
        "bias_correction": BOOL,
    }

    def __init__(
        self,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        amsgrad: bool = False,
        bias_correction: bool = True,
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            betas=betas, eps=eps, amsgrad=amsgrad, bias_correction=bias_correction, eps_root=eps_root
        )

    def update(self, b: Batch) -> None:
        g = b.group
        beta1, beta2 = g["betas"]
        u = b.update
        m, v = update_moments(b, u.values(), beta1, beta2, keep_max=g["amsgrad"])
        if g["bias_correction"]:
            bc1 = [1.0 - beta1**t for t in b.steps]
            bc2 = [1.0 - beta2**t for t in b.steps]
        else:
            bc1 = bc2 = [1.0] * len(b.steps)
        den = corrected_root(v, bc2, g["eps"], g["eps_root"])
        scale = [math.sqrt(c2) / c1 for c1, c2 in zip(bc1, bc2, strict=True)]
        u.replace(m, owned=False, scale=scale, den=den)


class ScaleByAdamax(Transform):
    """Adamax: Adam with the infinity norm in place of the second moment."""

    constraints = {"betas": BETAS, "eps": NONNEGATIVE}

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(betas=betas, eps=eps)

    def update(self, b: Batch) -> None:
        beta1, beta2 = b.group["betas"]
        u = b.update
        grads = u.values()
        m = b.slot("exp_avg")
        n = b.slot("exp_inf")
        torch._foreach_lerp_(m, grads, 1.0 - beta1)
        torch._foreach_mul_(n, beta2)
        absg = torch._foreach_abs(grads)
        torch._foreach_add_(absg, b.group["eps"])
        torch._foreach_maximum_(n, absg)
        u.replace(m, owned=False, scale=[1.0 / (1.0 - beta1**t) for t in b.steps], den=n)


class ScaleByNadam(Transform):
    """NAdam: Adam with Nesterov's look-ahead on the first moment."""

    constraints = {
        "betas": BETAS,
        "eps": NONNEGATIVE,
        "eps_root": NONNEGATIVE,
        "momentum_decay": NONNEGATIVE,
        "variant": Options(("torch", "dozat")),
    }

    def __init__(
        self,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        momentum_decay: float = 4e-3,
        variant: str = "torch",
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            betas=betas, eps=eps, momentum_decay=momentum_decay, variant=variant, eps_root=eps_root
        )

    def update(self, b: Batch) -> None:
        g = b.group
        beta1, beta2 = g["betas"]
        psi = g["momentum_decay"]
        dozat = g["variant"] == "dozat"
        u = b.update
        grads = u.values()
        c_grad, c_mom, mu_now, bc2 = [], [], [], []
        for st, t in zip(b.states, b.steps, strict=True):
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            prod = st.get("mu_product", 1.0) * mu
            st["mu_product"] = prod
            c_grad.append((1.0 - mu) / (1.0 - prod))
            c_mom.append(mu_next / (1.0 - prod * mu_next))
            mu_now.append(mu)
            bc2.append((1.0 - beta2**t) / (beta2 if dozat else 1.0))
        if dozat:
            m = b.slot("exp_avg")
            v = b.slot("exp_avg_sq")
            if len(set(mu_now)) == 1:
                torch._foreach_lerp_(m, grads, 1.0 - mu_now[0])
            else:
                for mi, gi, mu in zip(m, grads, mu_now, strict=True):
                    mi.lerp_(gi, 1.0 - mu)
            torch._foreach_mul_(v, beta2)
            torch._foreach_addcmul_(v, grads, grads, 1.0 - beta2)
        else:
            m, v = update_moments(b, grads, beta1, beta2)
        den = corrected_root(v, bc2, g["eps"], g["eps_root"])
        root = [math.sqrt(c) for c in bc2]
        # (c_g g + c_m m) / den, applied as two terms: no temporary for the sum
        u.replace(grads, owned=False, scale=[cg * r for cg, r in zip(c_grad, root, strict=True)], den=den)
        u.add_term(m, [cm * r for cm, r in zip(c_mom, root, strict=True)])


class ScaleByRadam(Transform):
    """RAdam: Adam whose adaptive step is switched on once its variance is tractable."""

    constraints = {"betas": BETAS, "eps": NONNEGATIVE}

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(betas=betas, eps=eps)

    def update(self, b: Batch) -> None:
        beta1, beta2 = b.group["betas"]
        eps = b.group["eps"]
        u = b.update
        m, v = update_moments(b, u.values(), beta1, beta2)
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        adaptive, scale = [], []
        for t in b.steps:
            bc1, bc2 = 1.0 - beta1**t, 1.0 - beta2**t
            rho_t = rho_inf - 2.0 * t * beta2**t / bc2
            if rho_t > 5.0:
                rect = math.sqrt(
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                )
                adaptive.append(True)
                scale.append(rect * math.sqrt(bc2) / bc1)
            else:
                adaptive.append(False)
                scale.append(1.0 / bc1)
        if not any(adaptive):
            u.replace(m, owned=False, scale=scale)
            return
        den = torch._foreach_sqrt(v)
        torch._foreach_add_(den, eps)
        for i, on in enumerate(adaptive):
            if not on:  # a parameter that joined late is still in its SGD phase
                den[i].fill_(1.0)
        u.replace(m, owned=False, scale=scale, den=den)
