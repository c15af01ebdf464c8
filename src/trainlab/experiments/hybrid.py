"""Adam, NAdam, Adam then L-BFGS, one-cycle and LSGD on the Brown/NVIDIA notes' targets, over seeds.

The Brown/NVIDIA "Training and Optimization" notes, "What Optimizer to Use? Adam vs Nadam":
fit ``y = 5 + sum_{k=1..4} sin(kx)`` (``x < 0``), ``cos(10x)`` (``x >= 0``) with 2 hidden
layers of 100 tanh units at learning rate 0.001; they report "Error for Adam: 0.281,
Error for Nadam: 0.394" in 4.307 s and 4.224 s ("Error for Adam always better, time is
almost the same"), then "NN + Function Approximation + Adam + L-BFGS" and 1-cycle
scheduling on the same target. Their L-BFGS listing fits the noisy ``x^2`` (100 points on
[-1, 1], ``+ 0.1 U(0, 1)``) with a 1-100-1 ReLU net: Adam for a few iterations, then
L-BFGS with ``history_size=8``.

Set-up (trainlab's choices where the notes give none: point counts, step budget, float64):

- ``J1``: the noisy ``x^2``, 100 training points, 1000 test points with fresh noise (its
  variance 1/1200 ~ 8.3e-4 is the floor of the test MSE); a 1-100-1 ReLU net;
- ``J2``: the piecewise target, 200 evenly spaced training points and 1000 test points on
  [-pi, pi]; a 1-100-100-1 tanh net. The jump at 0 lies between the two training points
  nearest 0: ``test_outside`` scores the test points outside that gap.

Every method gets the same budget of ``steps`` gradient evaluations (L-BFGS counts each
closure call, line-search calls included) from the same initial weights per seed, full batch:
``adam`` / ``nadam`` at ``lr``; ``adam_lbfgs``: ``adam_steps`` Adam steps, then L-BFGS
(strong Wolfe line search, ``history`` pairs); ``one_cycle``: Adam under the one-cycle
rate (peak ``10 lr``, with the matching beta1 cycle 0.95 -> 0.85; Smith 2018); ``lsgd``:
least squares for the last layer, Adam for the rest (Cyr et al. 2020).

Example:
    >>> study = hybrid_study("J2", ["adam", "nadam"], seeds=1, steps=20)
    >>> sorted(study.runs), len(study.runs["adam"][0].losses)
    (['adam', 'nadam'], 20)
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.data.targets import make_target
from trainlab.nn import MLP
from trainlab.optim import LBFGS, Adam, NAdam
from trainlab.schedules.attach import attach
from trainlab.schedules.cyclic import OneCycle
from trainlab.train import LSGDTrainer

__all__ = ["Task", "TASKS", "METHODS", "Run", "Study", "hybrid_study", "mse", "mse_closure", "summarize"]


@dataclass(frozen=True)
class Task:
    name: str
    target: str
    n_train: int
    n_test: int
    widths: tuple[int, ...]
    activation: str
    test_seed_offset: int  # fresh noise for a noisy target's test points (0: the same clean grid)

    def data(self, seed: int, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x, y = make_target(self.target, n=self.n_train, seed=seed)
        x_test, y_test = make_target(self.target, n=self.n_test, seed=seed + self.test_seed_offset)
        return tuple(torch.as_tensor(a).to(dtype) for a in (x, y, x_test, y_test))

    @property
    def gap(self) -> float:
        """Half the spacing of the training grid when the target jumps at 0 (else 0)."""
        return math.pi / (self.n_train - 1) if self.target == "piecewise" else 0.0


TASKS = {
    "J1": Task("J1", "noisy_x2", 100, 1000, (1, 100, 1), "relu", 10_000),
    "J2": Task("J2", "piecewise", 200, 1000, (1, 100, 100, 1), "tanh", 0),
}


@dataclass
class Run:
    """One method on one seed: the training loss against gradient evaluations, and the end."""

    evaluations: list[int]
    losses: list[float]
    train_mse: float
    test_mse: float
    test_outside: float
    wall_s: float
    net: nn.Module = field(repr=False)


def mse(net: nn.Module, x: Tensor, y: Tensor) -> float:
    """The mean squared error of ``net`` on ``(x, y)``, without gradients."""
    with torch.no_grad():
        return float(((net(x) - y) ** 2).mean())


def mse_closure(net: nn.Module, x: Tensor, y: Tensor, opt: torch.optim.Optimizer) -> Callable[[], Tensor]:
    """The full-batch closure of ``opt``: zero the gradients, the MSE on ``(x, y)``, backward, return it."""
    def closure() -> Tensor:
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        return loss
    return closure


Trace = tuple[list[int], list[float]]


def _first_order(kind: type[torch.optim.Optimizer], one_cycle: bool = False):
    def train(net: nn.Module, x: Tensor, y: Tensor, p: dict[str, Any]) -> Trace:
        opt = kind(net.parameters(), lr=p["lr"])
        closure = mse_closure(net, x, y, opt)
        schedulers = []
        if one_cycle:
            cycle = OneCycle(peak=10 * p["lr"], total_steps=p["steps"])
            schedulers = [attach(opt, cycle), attach(opt, cycle.momentum(0.85, 0.95), param="beta1")]
        losses = []
        for _ in range(p["steps"]):
            losses.append(float(opt.step(closure).detach()))
            for s in schedulers:
                s.step()
        return list(range(1, p["steps"] + 1)), losses
    return train


def _adam_lbfgs(net: nn.Module, x: Tensor, y: Tensor, p: dict[str, Any]) -> Trace:
    evaluations, losses = _first_order(Adam)(net, x, y, {**p, "steps": p["adam_steps"]})
    lbfgs = LBFGS(net.parameters(), max_iter=10, history_size=p["history"], tolerance_grad=0.0, tolerance_change=0.0)
    closure = mse_closure(net, x, y, lbfgs)
    done = len(losses)
    while done < p["steps"]:
        before = lbfgs.evaluations
        lbfgs.param_groups[0]["max_eval"] = p["steps"] - done
        lbfgs.step(closure)
        if lbfgs.evaluations == before:  # converged or stuck: no more progress to buy
            break
        done += lbfgs.evaluations - before
        evaluations.append(done)
        losses.append(mse(net, x, y))
    return evaluations, losses


def _lsgd(net: nn.Module, x: Tensor, y: Tensor, p: dict[str, Any]) -> Trace:
    trainer = LSGDTrainer(net, lr=p["lr"], ridge=p["ridge"])
    losses = trainer.fit(x, y, p["steps"])
    trainer.solve_head(x, y)  # end on the least-squares head of the final basis
    return list(range(1, p["steps"] + 1)), losses


METHODS: dict[str, tuple[str, Callable[[nn.Module, Tensor, Tensor, dict[str, Any]], Trace]]] = {
    "adam": ("Adam", _first_order(Adam)),
    "nadam": ("NAdam", _first_order(NAdam)),
    "adam_lbfgs": ("Adam -> L-BFGS", _adam_lbfgs),
    "one_cycle": ("Adam, one-cycle", _first_order(Adam, one_cycle=True)),
    "lsgd": ("LSGD", _lsgd),
}


def run_one(task: Task, method: str, seed: int, params: dict[str, Any]) -> Run:
    """Train ``method`` from seed ``seed``'s initial weights on ``task``; time it; score it."""
    x, y, x_test, y_test = task.data(seed)
    torch.manual_seed(seed)
    net = MLP(list(task.widths), activation=task.activation).to(torch.float64)
    start = time.perf_counter()
    evaluations, losses = METHODS[method][1](net, x, y, params)
    wall = time.perf_counter() - start
    keep = x_test.abs().squeeze(1) >= task.gap
    return Run(evaluations, losses, mse(net, x, y), mse(net, x_test, y_test),
               mse(net, x_test[keep], y_test[keep]), wall, net)


@dataclass
class Study:
    task: Task
    params: dict[str, Any]
    runs: dict[str, list[Run]]  # method -> one run per seed

    @property
    def labels(self) -> dict[str, str]:
        """Each method's name for a reader (``"adam_lbfgs"`` -> ``"Adam -> L-BFGS"``)."""
        return {m: METHODS[m][0] for m in self.runs}


def hybrid_study(task: str, methods: Sequence[str], seeds: int, steps: int, lr: float = 1e-3,
                 adam_steps: int = 100, history: int = 8, ridge: float = 1e-6,
                 tick: Callable[[int, int, str], None] | None = None) -> Study:
    """Every method of ``methods`` on seeds ``0..seeds-1`` of ``TASKS[task]``."""
    params = {"steps": steps, "lr": lr, "adam_steps": adam_steps, "history": history, "ridge": ridge}
    runs: dict[str, list[Run]] = {m: [] for m in methods}
    total = len(methods) * seeds
    for method in methods:  # untimed warm-up: the first run of a method pays for lazy set-up
        run_one(TASKS[task], method, 0, {**params, "steps": min(steps, 10), "adam_steps": min(adam_steps, 5)})
    for i, (method, seed) in enumerate((m, s) for m in methods for s in range(seeds)):
        if tick:
            tick(i, total, f"{METHODS[method][0]}, seed {seed}")
        runs[method].append(run_one(TASKS[task], method, seed, params))
    if tick:
        tick(total, total, "done")
    return Study(TASKS[task], params, runs)


def _spread(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "seeds": values}


def summarize(study: Study) -> dict[str, Any]:
    """Per method: median, min, max and per-seed values of train/test MSE and wall time."""
    out: dict[str, Any] = {"task": study.task.name, **study.params}
    for method, runs in study.runs.items():
        row = {"label": METHODS[method][0]}
        for key in ("train_mse", "test_mse", "wall_s") + (("test_outside",) if study.task.gap else ()):
            row[key] = _spread([getattr(r, key) for r in runs])
        out[method] = row
    return out
