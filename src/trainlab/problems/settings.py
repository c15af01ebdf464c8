"""The lab's lecture settings: per problem and optimizer, the learning rate and hyperparameters.

One table, read by ``trainlab trajectories`` and by the demonstrations in
``trainlab.experiments``; ``--lr name=value`` overrides a rate.

Hyperparameters are the UCLA ECE 239AS notes' code listings (their Beale race), matched to
trainlab's arguments (``eps`` outside the root, ``eps_root`` inside):

- gd: ``x -= eps*g`` -> ``SGD``;
- momentum: ``p = 0.9*p - eps*g; x += p`` -> ``SGD(momentum=0.9)`` (equal at a constant rate);
- nesterov: ``x += p + 0.9*(p - p_old)`` -> ``SGD(momentum=0.9, nesterov=True)``;
- adagrad: ``x -= eps*g/(np.sqrt(a) + 1e-7)`` -> ``Adagrad(eps=1e-7)``;
- rmsprop: ``a = 0.99 a + 0.01 g*g; x -= eps*g/np.sqrt(a + 1e-7)``
  -> ``RMSprop(alpha=0.99, eps=0, eps_root=1e-7)``;
- rmsprop-momentum: ``p = 0.9*p - eps*g/(np.sqrt(a) + 1e-7); x += p``
  -> ``RMSprop(alpha=0.99, momentum=0.9, eps=1e-7)``;
- adam: ``beta1 = 0.9, beta2 = 0.99, nu = 1e-7`` -> ``Adam(betas=(0.9, 0.99), eps=1e-7)``.

Learning rates: the UCLA ECE 239AS notes do not print their ``eps`` for Beale. The lab's rates
were picked on a 1-2-3-5 grid with ``trainlab trajectories``: for GD, momentum
and Nesterov the largest rate at which the run stays finite from both starts
(the gradient at (-3, 3) is about 10^4: GD diverges at 7e-4, momentum at 2e-4,
Nesterov at 1e-4), for the adaptive methods a rate that shows their typical path. The SUTD 50.039 notes'
quartic uses 0.1 (GD and momentum); the Brown/NVIDIA notes' noisy quadratic uses 0.1. Problems without an
entry get a rule: gradient methods ``0.5 / max |eigenvalue of the Hessian at the start|`` (stable on a
quadratic), adaptive methods 1% of the narrowest side of the plotting domain (their steps are about ``lr`` per
coordinate).

Example:
    >>> from trainlab import problems
    >>> from trainlab.problems.settings import lecture_setting
    >>> lecture_setting(problems.get("beale"), "rmsprop")
    {'alpha': 0.99, 'eps': 0.0, 'eps_root': 1e-07, 'lr': 0.01}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from trainlab.optim import registry
from trainlab.problems.functions import Problem
from trainlab.problems.runner import Run

__all__ = [
    "ProblemSettings", "SETTINGS", "UCLA_NOTES_SETTINGS", "GRADIENT", "UNIT_FREE", "lecture_setting", "lecture_runs",
    "problem_settings", "key_of",
]

# the UCLA ECE 239AS notes' hyperparameters, in trainlab's arguments (the registry fixes momentum=0.9)
UCLA_NOTES_SETTINGS: dict[str, dict[str, Any]] = {
    "adagrad": {"eps": 1e-7},
    "rmsprop": {"alpha": 0.99, "eps": 0.0, "eps_root": 1e-7},
    "rmsprop-momentum": {"alpha": 0.99, "eps": 1e-7},
    "rmsprop-nesterov": {"alpha": 0.99, "eps": 1e-7},
    "adam": {"betas": (0.9, 0.99), "eps": 1e-7},
}

# optimizers whose step is lr * gradient (the rest take steps of about lr per coordinate),
# and those whose rate is unit-free (use the optimizer's own default): from each
# optimizer's ``step_size`` in trainlab.optim.catalog
GRADIENT = registry.with_step_size("gradient")
UNIT_FREE = registry.with_step_size("unit_free")


@dataclass(frozen=True)
class ProblemSettings:
    """The lab's defaults on one problem: budget, tolerance and learning rates."""

    steps: int = 1000
    tol: float | None = 1e-10
    gd_lr: float | None = None  # gradient methods; None: 0.5 / max |Hessian eigenvalue| at the start
    adaptive_lr: float | None = None  # adaptive methods; None: 1% of the domain's narrowest side
    lr: dict[str, float] = field(default_factory=dict)  # per-optimizer exceptions


SETTINGS: dict[str, ProblemSettings] = {
    "quartic": ProblemSettings(steps=100, tol=None, gd_lr=0.1, adaptive_lr=0.1),  # the SUTD 50.039 notes
    "elliptic": ProblemSettings(steps=100, gd_lr=0.1, adaptive_lr=0.1),  # the Brown/NVIDIA notes
    "beale": ProblemSettings(  # the UCLA ECE 239AS notes
        steps=10_000, tol=1e-10, gd_lr=5e-4,
        lr={"momentum": 1e-4, "nesterov": 5e-5, "momentum-lecture": 1e-4, "adagrad": 1.0, "rmsprop": 0.01,
            "rmsprop-momentum": 0.05, "rmsprop-nesterov": 0.05, "adam": 0.3},
        adaptive_lr=0.1,
    ),
    "rosenbrock": ProblemSettings(steps=5000, gd_lr=1e-3, adaptive_lr=0.02,
                                  lr={"momentum": 2e-4, "nesterov": 2e-4}),
    "himmelblau": ProblemSettings(steps=2000, gd_lr=0.01, adaptive_lr=0.05,
                                  lr={"momentum": 2e-3, "nesterov": 2e-3}),
    "rastrigin": ProblemSettings(steps=2000, gd_lr=1e-3, adaptive_lr=0.05),
    "saddle": ProblemSettings(steps=500, tol=None, gd_lr=0.1, adaptive_lr=0.1),
    "monkey_saddle": ProblemSettings(steps=500, tol=None, gd_lr=0.1, adaptive_lr=0.1),
}


def key_of(problem: Problem | str) -> str:
    """The registry name behind a problem (``'rosenbrock10'`` -> ``'rosenbrock'``)."""
    name = problem if isinstance(problem, str) else problem.name
    match = re.match(r"[a-z_]+", name.lower().replace("-", "_"))
    return match.group(0) if match else name


def problem_settings(problem: Problem | str) -> ProblemSettings:
    """The lab's settings for ``problem`` (defaults for a problem without an entry)."""
    return SETTINGS.get(key_of(problem), ProblemSettings())


def _rule_gd_lr(problem: Problem, start: Any) -> float:
    x = torch.as_tensor(start if start is not None else problem.starts[0], dtype=torch.float64).reshape(-1)
    top = float(torch.linalg.eigvalsh(problem.hessian(x)).abs().max())
    return 0.5 / top if top > 0 else 0.1


def lecture_setting(problem: Problem, optimizer: str, start: Any = None) -> dict[str, Any]:
    """Keyword arguments (``lr`` and hyperparameters) for ``optimizer`` on ``problem``."""
    name = registry.get(optimizer).name  # canonical name; unknown names raise the registry's error
    table = problem_settings(problem)
    kwargs = dict(UCLA_NOTES_SETTINGS.get(name, {}))
    if name in table.lr:
        kwargs["lr"] = table.lr[name]
    elif name in UNIT_FREE:
        pass
    elif name in GRADIENT:
        kwargs["lr"] = table.gd_lr if table.gd_lr is not None else _rule_gd_lr(problem, start)
    else:
        side = min(hi - lo for lo, hi in problem.domain)
        kwargs["lr"] = table.adaptive_lr if table.adaptive_lr is not None else 0.01 * side
    return kwargs


def lecture_runs(
    problem: Problem,
    optimizers: Sequence[str],
    starts: Sequence[Any] | None = None,
    lr: Mapping[str, float] | None = None,
    **common: Any,
) -> list[Run]:
    """One ``Run`` per start and optimizer with the lab's settings; ``lr`` overrides rates by name.

    ``common`` (e.g. ``noise=1.0``) goes to every ``Run``. Labels are the names as given.
    """
    overrides = {registry.get(k).name: v for k, v in (lr or {}).items()}
    runs = []
    for start in starts if starts is not None else problem.starts[:1]:
        for name in optimizers:
            kwargs = lecture_setting(problem, name, start)
            rate = overrides.get(registry.get(name).name, kwargs.pop("lr", None))
            runs.append(Run(name, start, lr=rate, hyper=kwargs, label=name, **common))
    return runs
