"""First-order methods in float64 NumPy, written the way the lecture notes write them.

Each function takes a gradient function ``grad(x) -> array``, a start ``x0``,
hyperparameters and a number of ``steps``, and returns the path: an array of
shape ``(steps + 1, n)`` whose row ``k`` is the point after ``k`` steps. They
are deliberately plain loops - the readable version for learners, and the
oracle the torch optimizers are tested against.

Where the notes differ (epsilon inside or outside the square root), an argument
chooses; the default is the form named in the docstring.

Taught in the lectures (full references in docs/references.md): Reddi et al. 2018 in the SUTD 50.039
notes.

Example:
    >>> import numpy as np
    >>> from trainlab.reference import gd
    >>> gd(lambda x: 2 * x, np.array([1.0]), lr=0.25, steps=2)[:, 0].tolist()
    [1.0, 0.5, 0.25]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Grad = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "gd", "gd_lr_decay", "gradient_controlled_gd", "momentum", "momentum_of_steps",
    "nesterov", "nesterov_change_of_variables", "adagrad", "rmsprop", "rmsprop_momentum",
    "rmsprop_nesterov", "adam", "adam_no_bias_correction", "amsgrad", "nadam", "adabound",
    "nadam_momentum_schedule",
]


def _start(x0: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    x = np.array(x0, dtype=np.float64).reshape(-1).copy()
    return x, [x.copy()]


def gd(grad: Grad, x0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Gradient descent, ``x <- x - lr f'(x)`` (the SUTD 50.039 notes' ``vanilla_gd``; the UCLA ECE 239AS notes)."""
    x, path = _start(x0)
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(x.copy())
    return np.array(path)


def gd_lr_decay(grad: Grad, x0: np.ndarray, lr: float, decay: float, steps: int) -> np.ndarray:
    """The SUTD 50.039 notes' ``vanilla_gd_lrdecay``: ``alpha *= K`` then ``x += -alpha f'(x)``, every iteration."""
    x, path = _start(x0)
    alpha = lr
    for _ in range(steps):
        alpha *= decay
        x = x - alpha * grad(x)
        path.append(x.copy())
    return np.array(path)


def gradient_controlled_gd(
    grad: Grad, x0: np.ndarray, lr: float, control: float, steps: int, inverse: bool = False
) -> np.ndarray:
    """The SUTD 50.039 notes' ``vanilla_gd_gradlr``: ``alpha *= 1/(1 + a_cf sqrt|g|)``; ``x += -alpha g``.

    ``inverse=True`` is the opposite scheme the seed describes (rate shrinks where
    gradients are small): ``alpha *= sqrt|g| / (sqrt|g| + a_cf)``.
    """
    x, path = _start(x0)
    alpha = np.full_like(x, lr)
    for _ in range(steps):
        g = grad(x)
        if inverse:
            alpha = alpha * np.sqrt(np.abs(g)) / (np.sqrt(np.abs(g)) + control)
        else:
            alpha = alpha * 1 / (1 + control * np.sqrt(np.abs(g)))
        x = x + -alpha * g
        path.append(x.copy())
    return np.array(path)


def momentum(grad: Grad, x0: np.ndarray, lr: float, alpha: float, steps: int) -> np.ndarray:
    """The UCLA ECE 239AS notes' momentum: ``p = alpha*p - eps*g``; ``x += p``."""
    x, path = _start(x0)
    p = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x)
        p = alpha * p - lr * g
        x = x + p
        path.append(x.copy())
    return np.array(path)


def momentum_of_steps(grad: Grad, x0: np.ndarray, lr: float, mu: float, steps: int) -> np.ndarray:
    """The SUTD 50.039 notes' ``momentum_gd``: ``grad = -alpha f'(x)``; ``mom = mu*mom + grad``; ``x += mom``."""
    x, path = _start(x0)
    mom = 0.0
    for _ in range(steps):
        step = -lr * grad(x)
        mom = mu * mom + step
        x = x + mom
        path.append(x.copy())
    return np.array(path)


def nesterov(grad: Grad, x0: np.ndarray, lr: float, alpha: float, steps: int) -> np.ndarray:
    """The UCLA ECE 239AS notes' Nesterov, first form: ``v <- alpha v - eps grad(theta + alpha v)``; ``theta += v``."""
    x, path = _start(x0)
    v = np.zeros_like(x)
    for _ in range(steps):
        v = alpha * v - lr * grad(x + alpha * v)
        x = x + v
        path.append(x.copy())
    return np.array(path)


def nesterov_change_of_variables(grad: Grad, x0: np.ndarray, lr: float, alpha: float, steps: int) -> np.ndarray:
    """The UCLA ECE 239AS notes' Nesterov after ``theta~ = theta + alpha v``: ``p = alpha p - eps g``; ``x += p + alpha (p - p_old)``.

    Its iterates are the look-ahead points ``theta + alpha v`` of the first form
    (the SUTD 50.039 notes' ``nesterov_gd`` is the same update).
    """
    x, path = _start(x0)
    p = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x)
        p_old = p
        p = alpha * p - lr * g
        x = x + p + alpha * (p - p_old)
        path.append(x.copy())
    return np.array(path)


def adagrad(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, nu: float = 1e-7, nu_inside: bool = False
) -> np.ndarray:
    """AdaGrad: ``a += g*g``; ``x -= eps g / (sqrt(a) + nu)`` (the UCLA ECE 239AS notes).

    ``nu_inside=True``: ``x -= alpha g / sqrt(G + eps)`` (the Brown/NVIDIA and SUTD 50.039 notes).
    """
    x, path = _start(x0)
    a = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x)
        a += g * g
        den = np.sqrt(a + nu) if nu_inside else np.sqrt(a) + nu
        x = x - lr * g / den
        path.append(x.copy())
    return np.array(path)


def rmsprop(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, beta: float = 0.99, nu: float = 1e-7,
    nu_inside: bool = False,
) -> np.ndarray:
    """RMSProp: ``a = beta a + (1-beta) g*g``; ``x -= eps g / (sqrt(a) + nu)`` (the UCLA ECE 239AS notes' formula).

    ``nu_inside=True`` is the UCLA ECE 239AS notes' code listing and the SUTD 50.039 notes: ``x -= eps g /
    sqrt(a + nu)``.
    """
    x, path = _start(x0)
    a = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x)
        a = beta * a + (1 - beta) * g * g
        den = np.sqrt(a + nu) if nu_inside else np.sqrt(a) + nu
        x = x - lr * g / den
        path.append(x.copy())
    return np.array(path)


def rmsprop_momentum(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, alpha: float = 0.9, beta: float = 0.99, nu: float = 1e-7
) -> np.ndarray:
    """The UCLA ECE 239AS notes' RMSProp with momentum: ``a = beta a + (1-beta) g g``; ``p = alpha p - eps g/(sqrt(a)+nu)``; ``x += p``."""
    x, path = _start(x0)
    a = np.zeros_like(x)
    p = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x)
        a = beta * a + (1 - beta) * g * g
        p = alpha * p - lr * g / (np.sqrt(a) + nu)
        x = x + p
        path.append(x.copy())
    return np.array(path)


def rmsprop_nesterov(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, alpha: float = 0.9, beta: float = 0.99, nu: float = 1e-7
) -> np.ndarray:
    """RMSProp with Nesterov momentum (the UCLA ECE 239AS notes name it): the gradient at ``theta + alpha v``.

    ``g = grad(theta + alpha v)``; ``a = beta a + (1-beta) g g``; ``v = alpha v - eps g/(sqrt(a)+nu)``;
    ``theta += v`` (Goodfellow et al., Deep Learning, Alg. 8.6, with the UCLA ECE 239AS notes' nu).
    """
    x, path = _start(x0)
    a = np.zeros_like(x)
    v = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x + alpha * v)
        a = beta * a + (1 - beta) * g * g
        v = alpha * v - lr * g / (np.sqrt(a) + nu)
        x = x + v
        path.append(x.copy())
    return np.array(path)


def adam(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, beta1: float = 0.9, beta2: float = 0.999,
    nu: float = 1e-7,
) -> np.ndarray:
    """The UCLA ECE 239AS notes' Adam: ``t += 1``; ``p = b1 p + (1-b1) g``; ``a = b2 a + (1-b2) g g``;
    ``p_u = p/(1-b1^t)``; ``a_u = a/(1-b2^t)``; ``x -= eps p_u / (sqrt(a_u) + nu)``."""
    x, path = _start(x0)
    a = np.zeros_like(x)
    p = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = grad(x)
        p = beta1 * p + (1 - beta1) * g
        a = beta2 * a + (1 - beta2) * g * g
        p_u = p / (1 - beta1**t)
        a_u = a / (1 - beta2**t)
        x = x - lr * p_u / (np.sqrt(a_u) + nu)
        path.append(x.copy())
    return np.array(path)


def adam_no_bias_correction(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, beta1: float = 0.9, beta2: float = 0.999,
    nu: float = 1e-7,
) -> np.ndarray:
    """The UCLA ECE 239AS notes' "Adam with no bias correction": ``theta -= eps v / (sqrt(a) + nu)``."""
    x, path = _start(x0)
    a = np.zeros_like(x)
    v = np.zeros_like(x)
    for _ in range(steps):
        g = grad(x)
        v = beta1 * v + (1 - beta1) * g
        a = beta2 * a + (1 - beta2) * g * g
        x = x - lr * v / (np.sqrt(a) + nu)
        path.append(x.copy())
    return np.array(path)


def amsgrad(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, beta1: float = 0.9, beta2: float = 0.999,
    nu: float = 1e-8,
) -> np.ndarray:
    """AMSGrad (Reddi et al. 2018): Adam that never lets the second moment shrink.

    ``a_max = max(a_max, a)`` replaces ``a``; bias corrections as in Adam
    (the form torch.optim.Adam(amsgrad=True) uses).
    """
    x, path = _start(x0)
    a = np.zeros_like(x)
    a_max = np.zeros_like(x)
    p = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = grad(x)
        p = beta1 * p + (1 - beta1) * g
        a = beta2 * a + (1 - beta2) * g * g
        a_max = np.maximum(a_max, a)
        x = x - lr * (p / (1 - beta1**t)) / (np.sqrt(a_max / (1 - beta2**t)) + nu)
        path.append(x.copy())
    return np.array(path)


def nadam_momentum_schedule(beta1: float = 0.9, psi: float = 4e-3) -> Callable[[int], float]:
    """Dozat's (and torch's) momentum schedule ``mu_t = beta1 (1 - 0.5 * 0.96^(t psi))``."""
    return lambda t: beta1 * (1 - 0.5 * 0.96 ** (t * psi))


def nadam(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, mu: Callable[[int], float] | None = None,
    nu: float = 0.999, eps: float = 1e-8,
) -> np.ndarray:
    """NAdam exactly as the Brown/NVIDIA notes' Algorithm 1 lists it (Dozat 2016)::

        m_t = mu_t m + (1 - mu_t) g            n_t = nu n + (1 - nu) g^2
        m_hat = mu_{t+1} m_t / (1 - prod_{i<=t+1} mu_i) + (1 - mu_t) g / (1 - prod_{i<=t} mu_i)
        n_hat = nu n_t / (1 - nu^t)
        theta -= alpha / sqrt(n_hat + eps) * m_hat
    """
    mu = mu or nadam_momentum_schedule()
    x, path = _start(x0)
    m = np.zeros_like(x)
    n = np.zeros_like(x)
    prod = 1.0
    for t in range(1, steps + 1):
        g = grad(x)
        prod *= mu(t)
        m = mu(t) * m + (1 - mu(t)) * g
        n = nu * n + (1 - nu) * g**2
        a = mu(t + 1) * m / (1 - prod * mu(t + 1))
        b = (1 - mu(t)) * g / (1 - prod)
        m_hat = a + b
        n_hat = nu * n / (1 - nu**t)
        x = x - lr / np.sqrt(n_hat + eps) * m_hat
        path.append(x.copy())
    return np.array(path)


def adabound(
    grad: Grad, x0: np.ndarray, lr: float, steps: int, final_lr: float = 0.1, gamma: float = 1e-3,
    beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
) -> np.ndarray:
    """AdaBound (Luo et al. 2019, Algorithm 2): Adam's step size clipped into ``[lower_t, upper_t]``::

        eta_t = clip(lr sqrt(1-b2^t)/(1-b1^t) / (sqrt(v) + eps), final (1 - 1/(gamma t + 1)), final (1 + 1/(gamma t)))
        x -= eta_t * m
    """
    x, path = _start(x0)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = grad(x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) / (np.sqrt(v) + eps)
        lower = final_lr * (1 - 1 / (gamma * t + 1))
        upper = final_lr * (1 + 1 / (gamma * t))
        x = x - np.clip(step, lower, upper) * m
        path.append(x.copy())
    return np.array(path)
