"""Gaussian noise on the weights or on the gradients, from a seeded ``torch.Generator``.

``WeightNoise(optimizer, std, seed)``: every evaluation of the loss sees the weights
``w + eps``, ``eps ~ N(0, std^2)`` drawn afresh; the gradient taken there updates the
clean weights ``w`` (An 1996, "The effects of adding noise during backpropagation
training on a generalization performance", Neural Computation; Graves 2011,
"Practical variational inference for neural networks", NeurIPS).

``GradientNoise(optimizer, eta, gamma, seed)``: after the gradient is computed and
before the step, ``g <- g + N(0, sigma_t^2)`` with the annealed variance
``sigma_t^2 = eta / (1 + t)^gamma`` at step ``t = 0, 1, ...`` (Neelakantan et al.
2015, "Adding Gradient Noise Improves Learning for Very Deep Networks",
arXiv:1511.06807; they use ``gamma = 0.55``, ``eta`` in {0.01, 0.3, 1}). In a
Trainer the noise comes after the callbacks' gradient hooks (clipping, NaN guard).

Both wrap any optimizer (``trainlab.regularize.wrapper.StepWrapper``) and draw from
their own CPU ``torch.Generator(seed)``; its state and the step count are in
``state_dict``, hence in a Trainer checkpoint, so a resumed run draws the same
noise as an uninterrupted one.

Example:
    >>> import torch
    >>> net = torch.nn.Linear(2, 1)
    >>> opt = GradientNoise(torch.optim.SGD(net.parameters(), lr=0.1), eta=0.01, seed=0)
    >>> def closure():
    ...     opt.zero_grad(); loss = net(torch.ones(4, 2)).pow(2).mean(); loss.backward(); return loss
    >>> _ = opt.step(closure); opt.steps
    1
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from trainlab.constraints import NONNEGATIVE, Interval, check, fail
from trainlab.regularize.wrapper import StepWrapper

__all__ = ["WeightNoise", "GradientNoise"]

_SEED = Interval(0, 2**63 - 1, closed="both", integer=True)


class _Noisy(StepWrapper):
    def __init__(self, optimizer: Optimizer, seed: int) -> None:
        super().__init__(optimizer)
        check(type(self).__name__, "seed", seed, _SEED)
        self.generator = torch.Generator().manual_seed(seed)
        self.steps = 0

    def noise_like(self, p: Tensor, std: float) -> Tensor:
        """``N(0, std^2)`` of ``p``'s shape, drawn on the CPU from the wrapper's generator."""
        eps = torch.randn(p.shape, generator=self.generator, dtype=p.dtype)
        return eps.mul_(std).to(p.device)

    def after(self, token: Any) -> None:
        self.steps += 1

    def wrapper_state(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "steps": self.steps}

    def load_wrapper_state(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.steps = int(state["steps"])


class WeightNoise(_Noisy):
    """The loss and its gradient are evaluated at ``w + N(0, std^2)``; the step moves the clean ``w``."""

    def __init__(self, optimizer: Optimizer, std: float, seed: int = 0) -> None:
        check("WeightNoise", "std", std, NONNEGATIVE)
        super().__init__(optimizer, seed)
        self.std = float(std)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """A step needs the ``closure``: the noise must be on the weights before the forward pass."""
        if closure is None:
            fail("WeightNoise.step", "closure", "a closure that computes the loss and its gradient "
                 "(the weights are perturbed before it runs)", None)
        return super().step(closure)

    def wrap_closure(self, closure: Callable[[], Any]) -> Callable[[], Any]:
        def noisy() -> Any:
            params = [p for p in self.params() if p.requires_grad]
            with torch.no_grad():
                clean = [p.detach().clone() for p in params]
                for p in params:
                    p.add_(self.noise_like(p, self.std))
            try:
                return closure()
            finally:
                with torch.no_grad():
                    for p, w in zip(params, clean, strict=True):
                        p.copy_(w)
        return noisy

    def wrapper_state(self) -> dict[str, Any]:
        return {**super().wrapper_state(), "std": self.std}


class GradientNoise(_Noisy):
    """``g <- g + N(0, eta / (1 + t)^gamma)`` before each step (annealed Gaussian gradient noise)."""

    def __init__(self, optimizer: Optimizer, eta: float, gamma: float = 0.55, seed: int = 0) -> None:
        check("GradientNoise", "eta", eta, NONNEGATIVE)
        check("GradientNoise", "gamma", gamma, NONNEGATIVE)
        super().__init__(optimizer, seed)
        self.eta, self.gamma = float(eta), float(gamma)

    @property
    def std(self) -> float:
        """The standard deviation of this step's noise, ``sqrt(eta / (1 + t)^gamma)``."""
        return (self.eta / (1.0 + self.steps) ** self.gamma) ** 0.5

    def add_noise(self) -> None:
        """Add this step's noise to every gradient."""
        with torch.no_grad():
            for p in self.params():
                if p.grad is not None:
                    p.grad.add_(self.noise_like(p.grad, self.std))

    def wrap_closure(self, closure: Callable[[], Any]) -> Callable[[], Any]:
        def noisy() -> Any:
            loss = closure()
            self.add_noise()
            return loss
        return noisy

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """With a closure, noise follows each gradient it computes; without, the gradients already there."""
        if closure is None:
            self.add_noise()
        return super().step(closure)

    def wrapper_state(self) -> dict[str, Any]:
        return {**super().wrapper_state(), "eta": self.eta, "gamma": self.gamma}
