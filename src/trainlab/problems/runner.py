"""The trajectory runner: any optimizer on any analytic problem, from a start point.

One run is a ``Run`` (optimizer, start, learning rate, hyperparameters, optional
schedule and gradient noise); ``run_together`` advances several runs in lockstep on one
problem, evaluating the function and its gradient for all of them in one batched
call, and returns one ``Trajectory`` per run. ``run`` is ``run_together`` with one run.

Each step ``t = 0, 1, ...`` (the UCLA ECE 239AS notes' loop, the Brown/NVIDIA notes' noisy SGD):

1. evaluate ``f(x_t)`` and ``g_t = grad f(x_t)``; record ``x_t``, ``f(x_t)``, ``||g_t||``;
2. stop with ``"diverged"`` if ``f(x_t)`` is not finite or ``||x_t|| > bound``,
   ``"target_loss"`` if ``f(x_t) <= target_loss``, ``"tolerance"`` if
   ``||x_t - x_(t-1)|| < tol`` (the UCLA ECE 239AS notes' ``while last_diff > tol``), ``"max_iter"``
   if ``t == steps``;
3. otherwise add ``noise * N(0, 1)`` to each gradient component (the Brown/NVIDIA notes), set
   every group's ``lr`` to ``schedule(t)`` if there is a schedule, and take one
   optimizer step.

So ``path`` holds ``x_0 ... x_T`` with ``T = iterations`` steps taken. Runs are
independent: a run gives the same trajectory alone or in a race (each has its
own noise generator). The optimizer may be a ``trainlab.optim.registry`` name
(``"adam"``, alias ``"gd"``), a ``torch.optim.Optimizer`` class, or any callable
``params, **kwargs -> Optimizer``; closure-driven optimizers (``torch.optim.LBFGS``,
or any with ``requires_closure = True``) get a closure.

Example:
    >>> from trainlab import problems
    >>> from trainlab.problems.runner import run
    >>> traj = run(problems.get("quartic"), "gd", 5.0, lr=0.1, steps=100)
    >>> round(float(traj.final_point[0]), 6), traj.stop_reason
    (3.272765, 'max_iter')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from trainlab.constraints import NONNEGATIVE, POSITIVE, POSITIVE_INT, Satisfies, check, fail
from trainlab.deprecation import relocated
from trainlab.optim import registry
from trainlab.problems.functions import Problem

__all__ = ["Run", "Trajectory", "Summary", "run_together", "run", "summarize", "build_optimizer", "optimizer_label"]

OptimizerSpec = str | type[Optimizer] | Callable[..., Optimizer]
Schedule = Callable[[int], float]

_CALLABLE = Satisfies(callable, "a callable step -> learning rate")


@dataclass
class Run:
    """One run of a race: what optimizes, from where, with what settings."""

    optimizer: OptimizerSpec
    start: Tensor | Sequence[float] | float
    lr: float | None = None
    hyper: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    schedule: Schedule | None = None
    noise: float = 0.0
    seed: int = 0


@dataclass
class Trajectory:
    """What one run did: the iterates, their losses and gradient norms, and why it stopped."""

    label: str
    problem: Problem
    path: Tensor  # (T + 1, dim): x_0 ... x_T
    losses: Tensor  # (T + 1,): f(x_t)
    grad_norms: Tensor  # (T + 1,): ||grad f(x_t)||, without the added noise
    lrs: list[float]  # the learning rate of each step taken (length T)
    stop_reason: str  # "tolerance", "max_iter", "target_loss" or "diverged"

    @property
    def iterations(self) -> int:
        """Steps taken."""
        return self.path.shape[0] - 1

    @property
    def start(self) -> Tensor:
        return self.path[0]

    @property
    def final_point(self) -> Tensor:
        return self.path[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def iterations_to_tolerance(self) -> int | None:
        """Steps until the step-size rule stopped the run; ``None`` if it never did."""
        return self.iterations if self.stop_reason == "tolerance" else None

    def nearest_minimum(self) -> tuple[tuple[float, ...], float] | None:
        """The known minimum closest to the final point and the distance to it (``None``
        for a problem with no minimum or a run that diverged)."""
        if not self.problem.minima or not bool(torch.isfinite(self.final_point).all()):
            return None
        return self.problem.nearest_minimum(self.final_point)

    def first_iteration(self, mask: Tensor) -> int | None:
        """The first ``t`` where the boolean ``mask`` (length ``T + 1``) holds, or ``None``."""
        hits = torch.nonzero(mask).flatten()
        return int(hits[0]) if hits.numel() else None

    def iterations_within(self, radius: float, point: Sequence[float] | None = None) -> int | None:
        """The first ``t`` with ``||x_t - point|| <= radius`` (default point: the global minimum)."""
        target = point if point is not None else self.problem.global_minimum
        if target is None:
            fail("Trajectory.iterations_within", "point", "a point (the problem has no minimum)", point)
        p = torch.as_tensor(target, dtype=self.path.dtype)
        return self.first_iteration(torch.linalg.vector_norm(self.path - p, dim=-1) <= radius)

    def iterations_below(self, level: float) -> int | None:
        """The first ``t`` with ``f(x_t) <= level``."""
        return self.first_iteration(self.losses <= level)


def optimizer_label(spec: OptimizerSpec) -> str:
    """A short name for an optimizer given by name, class or factory."""
    if isinstance(spec, str):
        return spec
    return getattr(spec, "__name__", None) or type(spec).__name__


def build_optimizer(
    spec: OptimizerSpec, params: list[Tensor], lr: float | None, hyper: dict[str, Any]
) -> Optimizer:
    """Make the optimizer: a registry name, an Optimizer class, or a factory ``params, **kw``."""
    kwargs = dict(hyper)
    if lr is not None:
        kwargs["lr"] = lr
    if isinstance(spec, str):
        return registry.build(spec, params, **kwargs)
    if not callable(spec):
        fail("run", "optimizer", "a registry name, a torch.optim.Optimizer class or a factory", spec)
    opt = spec(params, **kwargs)
    if not isinstance(opt, Optimizer):
        fail("run", "optimizer", "a factory that returns a torch.optim.Optimizer", opt)
    return opt


def _start_point(problem: Problem, start: Any, dtype: torch.dtype) -> Tensor:
    x = torch.as_tensor(start, dtype=dtype).detach().clone().reshape(-1)
    if x.numel() != problem.dim or not bool(torch.isfinite(x).all()):
        fail("run", "start", f"a finite point with {problem.dim} coordinate(s) for {problem.name}", start)
    return x


class _Live:
    """The mutable state of one run while the race is on."""

    def __init__(self, problem: Problem, spec: Run, dtype: torch.dtype) -> None:
        check("run", "noise", spec.noise, NONNEGATIVE)
        if spec.schedule is not None:
            check("run", "schedule", spec.schedule, _CALLABLE)
        self.spec = spec
        self.x = _start_point(problem, spec.start, dtype).requires_grad_(True)
        self.opt = build_optimizer(spec.optimizer, [self.x], spec.lr, spec.hyper)
        self.closure = isinstance(self.opt, torch.optim.LBFGS) or getattr(self.opt, "requires_closure", False)
        self.gen = torch.Generator().manual_seed(spec.seed) if spec.noise else None
        self.lrs: list[float] = []
        self.stop: str | None = None
        self.iterations = 0

    def noisy(self, g: Tensor) -> Tensor:
        if self.gen is None:
            return g
        return g + self.spec.noise * torch.randn(g.shape, generator=self.gen, dtype=g.dtype)

    def step(self, t: int, grad: Tensor, fn: Callable[[Tensor], Tensor]) -> None:
        if self.spec.schedule is not None:
            lr = float(self.spec.schedule(t))
            for group in self.opt.param_groups:
                group["lr"] = lr
        self.lrs.append(float(self.opt.param_groups[0].get("lr", math.nan)))
        self.x.grad = self.noisy(grad)
        if not self.closure:
            self.opt.step()
            return

        def closure() -> Tensor:
            self.opt.zero_grad()
            loss = fn(self.x)
            loss.backward()
            self.x.grad = self.noisy(self.x.grad)
            return loss

        self.opt.step(closure)


def run_together(
    problem: Problem,
    runs: Sequence[Run],
    *,
    steps: int = 1000,
    tol: float | None = None,
    target_loss: float | None = None,
    bound: float = 1e8,
    dtype: torch.dtype = torch.float64,
) -> list[Trajectory]:
    """Advance every run in lockstep until each stops; one ``Trajectory`` per run, in order."""
    check("run_together", "steps", steps, POSITIVE_INT)
    check("run_together", "bound", bound, POSITIVE)
    if tol is not None:
        check("run_together", "tol", tol, NONNEGATIVE)
    if not runs:
        fail("run_together", "runs", "at least one Run", runs)
    live = [_Live(problem, spec, dtype) for spec in runs]
    n, dim = len(live), problem.dim
    path = torch.full((steps + 1, n, dim), math.nan, dtype=dtype)
    losses = torch.full((steps + 1, n), math.nan, dtype=dtype)
    gnorms = torch.full((steps + 1, n), math.nan, dtype=dtype)
    active = list(range(n))
    rows: slice | Tensor = slice(None)  # where the active runs' records go (all of them: a plain slice)
    prev: Tensor | None = None
    for t in range(steps + 1):
        with torch.no_grad():
            x = torch.stack([live[i].x for i in active]).requires_grad_(True)
        with torch.enable_grad():
            f = problem.fn(x)
            (g,) = torch.autograd.grad(f.sum(), x)
        x, f = x.detach(), f.detach()
        gnorm = torch.linalg.vector_norm(g, dim=-1)
        path[t, rows], losses[t, rows], gnorms[t, rows] = x, f, gnorm
        bad = ~torch.isfinite(f + gnorm) | (torch.linalg.vector_norm(x, dim=-1) > bound)
        stop = bad
        if target_loss is not None:
            stop = stop | (f <= target_loss)
        if tol is not None and prev is not None:
            stop = stop | (torch.linalg.vector_norm(x - prev, dim=-1) < tol)
        if t == steps or bool(stop.any()):
            keep = []
            for k, i in enumerate(active):
                if bool(bad[k]):
                    reason = "diverged"
                elif target_loss is not None and bool(f[k] <= target_loss):
                    reason = "target_loss"
                elif bool(stop[k]):
                    reason = "tolerance"
                else:
                    reason = "max_iter" if t == steps else None
                if reason is None:
                    keep.append(k)
                else:
                    live[i].stop, live[i].iterations = reason, t
            if len(keep) < len(active):
                active = [active[k] for k in keep]
                rows = torch.tensor(active, dtype=torch.long)
                x, g = x[keep], g[keep]
        if not active:
            break
        prev = x
        for k, i in enumerate(active):
            live[i].step(t, g[k], problem.fn)
    return [
        Trajectory(
            label=r.spec.label or optimizer_label(r.spec.optimizer),
            problem=problem,
            path=path[: r.iterations + 1, i].clone(),
            losses=losses[: r.iterations + 1, i].clone(),
            grad_norms=gnorms[: r.iterations + 1, i].clone(),
            lrs=r.lrs,
            stop_reason=r.stop or "max_iter",
        )
        for i, r in enumerate(live)
    ]


def run(
    problem: Problem,
    optimizer: OptimizerSpec = "gd",
    start: Tensor | Sequence[float] | float | None = None,
    *,
    lr: float | None = None,
    steps: int = 1000,
    tol: float | None = None,
    target_loss: float | None = None,
    noise: float = 0.0,
    schedule: Schedule | None = None,
    seed: int = 0,
    label: str | None = None,
    bound: float = 1e8,
    dtype: torch.dtype = torch.float64,
    **hyper: Any,
) -> Trajectory:
    """One optimizer from one start (default: the problem's first start); see the module doc."""
    spec = Run(
        optimizer, problem.starts[0] if start is None else start, lr=lr, hyper=hyper, label=label,
        schedule=schedule, noise=noise, seed=seed,
    )
    return run_together(problem, [spec], steps=steps, tol=tol, target_loss=target_loss, bound=bound, dtype=dtype)[0]


@dataclass(frozen=True)
class Summary:
    """One row of a trajectory table (the CLI's and the demonstrations')."""

    label: str
    start: tuple[float, ...]
    final_point: tuple[float, ...]
    nearest_minimum: tuple[float, ...] | None
    distance: float  # to the nearest known minimum (nan: none known, or diverged)
    final_loss: float
    iterations: int
    iterations_to_tolerance: int | None
    reached_at: int | None  # first iteration within ``radius`` of the global minimum
    stop_reason: str


def summarize(trajectory: Trajectory, radius: float = 1e-3) -> Summary:
    """The table row of ``trajectory``; ``reached_at`` uses the global minimum and ``radius``."""
    near = trajectory.nearest_minimum()
    reached = trajectory.iterations_within(radius) if trajectory.problem.minima else None
    return Summary(
        trajectory.label, tuple(trajectory.start.tolist()), tuple(trajectory.final_point.tolist()),
        near[0] if near else None, near[1] if near else math.nan, trajectory.final_loss,
        trajectory.iterations, trajectory.iterations_to_tolerance, reached, trajectory.stop_reason,
    )


# ``race`` was this function's old name (``trainlab race`` is the optimizer comparison); it works for one release.
__getattr__ = relocated(__name__, {"race": "trainlab.problems.runner:run_together"})
