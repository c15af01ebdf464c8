"""``LSGDTrainer``: hybrid least squares / gradient descent (Cyr et al. 2020).

A network whose last layer is linear is a linear combination of learned basis
functions, ``u(x) = Phi(x; xi) c``. For a squared loss the best ``c`` for the
current basis is a (ridge-regularized) least-squares solution, so LSGD
alternates

1. ``c <- argmin_c  1/n |Phi c - y|^2 + ridge |W|^2`` (bias not penalized), by
   Cholesky on the normal equations or ``torch.linalg.lstsq``;
2. ``gd_steps`` steps of a gradient optimizer (Adam by default) on the hidden
   parameters ``xi`` with ``c`` held fixed.

Cyr, Gulian, Patel, Perego & Trask, "Robust training and initialization of deep
neural networks: an adaptive basis viewpoint", MSML 2020; also in the Brown/NVIDIA
"Training and Optimization" lecture notes.

It is a training loop, not a ``torch.optim.Optimizer``: a step needs the data
``(x, y)`` to solve for the last layer, so it steps with ``step(x, y)`` (or
``fit(x, y, steps)``) and keeps a torch optimizer for the hidden layers inside.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.train import LSGDTrainer
    >>> _ = torch.manual_seed(0); net = MLP([1, 20, 1], activation="tanh").double()
    >>> x = torch.linspace(-1, 1, 50, dtype=torch.float64).unsqueeze(1); y = torch.sin(3 * x)
    >>> lsgd = LSGDTrainer(net, lr=1e-2)
    >>> losses = lsgd.fit(x, y, steps=20)
    >>> losses[-1] < 1e-3
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Options, check, fail

__all__ = ["LSGDTrainer", "ridge_solve"]

SOLVERS = ("cholesky", "lstsq")


def ridge_solve(features: Tensor, targets: Tensor, ridge: float = 0.0, solver: str = "cholesky") -> tuple[Tensor, Tensor]:
    """``(W, b)`` minimizing ``1/n |features W^T + b - targets|^2 + ridge |W|^2``.

    ``features`` is ``(n, m)``, ``targets`` ``(n, k)``; returns ``W`` ``(k, m)`` and ``b`` ``(k,)``.
    ``"cholesky"`` solves the normal equations (falling back to ``lstsq`` when they are
    numerically singular); ``"lstsq"`` solves the ridge-augmented system directly.
    """
    n, m = features.shape
    design = torch.cat([features, features.new_ones(n, 1)], dim=1)
    penalty = torch.ones(m + 1, dtype=features.dtype, device=features.device)
    penalty[-1] = 0.0  # the bias is not penalized
    coef = None
    if solver == "cholesky":
        gram = design.T @ design / n + ridge * torch.diag(penalty)
        factor, info = torch.linalg.cholesky_ex(gram)
        if int(info) == 0:
            coef = torch.cholesky_solve(design.T @ targets / n, factor)
    if coef is None:
        rows = torch.diag(penalty.sqrt() * (ridge * n) ** 0.5)[:m]
        aug_x = torch.cat([design, rows], dim=0)
        aug_y = torch.cat([targets, targets.new_zeros(m, targets.shape[1])], dim=0)
        driver = "gelsd" if features.device.type == "cpu" else None
        coef = torch.linalg.lstsq(aug_x, aug_y, driver=driver).solution
    return coef[:m].T.contiguous(), coef[m]


class LSGDTrainer:
    """Alternate a least-squares solve of the last linear layer with gradient steps on the rest.

    Args:
        model: an ``nn.Sequential`` (e.g. ``trainlab.nn.MLP``) ending in ``nn.Linear``,
            or any module when ``features`` and ``head`` are given.
        optimizer: ``params -> Optimizer`` for the hidden parameters (default ``trainlab.optim.Adam``).
        lr: learning rate of the default optimizer (default 1e-3).
        ridge: Tikhonov weight on the last layer's weights (default 1e-6).
        solver: ``"cholesky"`` or ``"lstsq"``.
        gd_steps: gradient steps per least-squares solve (default 1).
        features, head: the basis ``x -> Phi(x)`` and the last ``nn.Linear``.
        loss_fn: the loss for the gradient steps (default mean squared error).
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: Callable[[list[Tensor]], Optimizer] | None = None,
        lr: float = 1e-3,
        ridge: float = 1e-6,
        solver: str = "cholesky",
        gd_steps: int = 1,
        *,
        features: Callable[[Tensor], Tensor] | None = None,
        head: nn.Linear | None = None,
        loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    ) -> None:
        check("LSGDTrainer", "lr", lr, POSITIVE)
        check("LSGDTrainer", "ridge", ridge, NONNEGATIVE)
        check("LSGDTrainer", "solver", solver, Options(SOLVERS))
        check("LSGDTrainer", "gd_steps", gd_steps, POSITIVE_INT)
        if head is None:
            if not (isinstance(model, nn.Sequential) and len(model) >= 2 and isinstance(model[-1], nn.Linear)):
                fail("LSGDTrainer", "model", "an nn.Sequential ending in nn.Linear (or pass features= and head=)",
                     type(model).__name__)
            head = model[-1]
            features = features or model[:-1]
        elif features is None:
            fail("LSGDTrainer", "features", "a callable x -> basis when head= is given", None)
        self.model, self.head, self.features = model, head, features
        self.ridge, self.solver, self.gd_steps = ridge, solver, gd_steps
        self.loss_fn = loss_fn or nn.functional.mse_loss
        head_ids = {id(p) for p in head.parameters()}
        hidden = [p for p in model.parameters() if id(p) not in head_ids and p.requires_grad]
        if optimizer is None:
            from trainlab.optim.adam import Adam

            self.optimizer = Adam(hidden, lr=lr)
        else:
            self.optimizer = optimizer(hidden)
        self.steps = 0

    @torch.no_grad()
    def solve_head(self, x: Tensor, y: Tensor) -> None:
        """Set the last layer to the ridge least-squares fit on the current basis."""
        phi = self.features(x).reshape(x.shape[0], -1)
        targets = y.reshape(y.shape[0], -1).to(phi.dtype)
        weight, bias = ridge_solve(phi, targets, self.ridge, self.solver)
        self.head.weight.copy_(weight)
        if self.head.bias is not None:
            self.head.bias.copy_(bias)

    def step(self, x: Tensor, y: Tensor) -> float:
        """One least-squares solve and ``gd_steps`` gradient steps; returns the loss after the solve."""
        self.solve_head(x, y)
        loss_after_solve = None
        for _ in range(self.gd_steps):
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            loss_after_solve = float(loss.detach()) if loss_after_solve is None else loss_after_solve
        for p in self.head.parameters():
            p.grad = None
        self.steps += 1
        return loss_after_solve  # type: ignore[return-value]

    def fit(self, x: Tensor, y: Tensor, steps: int) -> list[float]:
        """``steps`` calls of ``step(x, y)``; returns the loss after each solve."""
        check("LSGDTrainer.fit", "steps", steps, POSITIVE_INT)
        return [self.step(x, y) for _ in range(steps)]

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.steps = state["steps"]
        self.optimizer.load_state_dict(state["optimizer"])
