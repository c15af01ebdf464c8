"""Shared pieces of the second-order optimizer tests: the three proof problems and closures."""

from __future__ import annotations

from collections.abc import Callable

import torch

from trainlab import problems

# (label, problem, start): Rosenbrock from (-1.2, 1), Beale from (1, 1), extended Rosenbrock n=10
PROOF_CASES = [
    ("rosenbrock", problems.get("rosenbrock"), (-1.2, 1.0)),
    ("beale", problems.get("beale"), (1.0, 1.0)),
    ("rosenbrock10", problems.get("rosenbrock", dim=10), problems.get("rosenbrock", dim=10).starts[0]),
]


def point(start, dtype=torch.float64) -> torch.Tensor:
    return torch.tensor(start, dtype=dtype, requires_grad=True)


def closure_for(prob: problems.Problem, x: torch.Tensor, opt: torch.optim.Optimizer,
                calls: list[int] | None = None) -> Callable[[], torch.Tensor]:
    """torch's closure protocol: zero_grad, loss, backward, return the loss (calls counted)."""

    def closure() -> torch.Tensor:
        if calls is not None:
            calls.append(1)
        opt.zero_grad()
        loss = prob.value(x)
        loss.backward()
        return loss

    return closure


def mse_closure(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                opt: torch.optim.Optimizer) -> Callable[[], torch.Tensor]:
    """torch's closure protocol for a mean-squared-error fit of ``net``."""

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        return loss

    return closure


def residuals(name: str, x: torch.Tensor) -> torch.Tensor:
    """The least-squares residuals r with f = |r|^2 (Rosenbrock and Beale), for Gauss-Newton."""
    if name.startswith("rosenbrock"):
        return torch.cat([10 * (x[1:] - x[:-1] ** 2), 1 - x[:-1]])
    a, b = x[0], x[1]
    return torch.stack([1.5 - a + a * b, 2.25 - a + a * b**2, 2.625 - a + a * b**3])


def tiny_regression(dtype=torch.float64, seed: int = 0):
    """A 1-8-1 tanh MLP and 24 points of sin(2x): small enough for exact Hessians."""
    from trainlab.nn import MLP

    torch.manual_seed(seed)
    net = MLP([1, 8, 1], activation="tanh").to(dtype)
    x = torch.linspace(-2, 2, 24, dtype=dtype).unsqueeze(1)
    return net, x, torch.sin(2 * x)
