"""Time to target: every first-order optimizer on a real regression problem, by training loss.

``trainlab race`` ran this comparison until it moved to the validation race of
``trainlab.experiments.optimizer_race``, which reuses ``STACKABLE`` from here.

scikit-learn's diabetes data (442 patients, 10 features), standardized with
training statistics, 80/20 train/validation split, a 10-64-64-1 tanh MLP,
full-batch steps. Each optimizer runs once per learning rate of its grid
(``registry.get(name).lr_grid``) and per seed; the rate that reaches the target
training loss first (then: lowest final training loss) is reported. This is a
comparison of optimization speed; the validation loss is shown beside it so that
overfitting stays visible. Seed ``seed + k`` (k < ``seeds``) draws the initial
weights of every run of the k-th seed; the split is always that of ``seed``.

Many runs at once: full batch, an optimizer of ``STACKABLE`` trains its whole
grid x seeds as one ``trainlab.train.batched.StackedMLP`` (each run's rate as a
per-run multiplier of the update, a run stopped at its first non-finite loss),
which gives each run the result of training it alone (tested in float64). The
others run one at a time through ``trainlab.train.descent.descend``: optimizers
whose step is not proportional to the learning rate with a state that does not
depend on it (ASGD's ``lr / (1 + lambd lr t)^alpha``, AdaBound's clip of the
rate, Lookahead's pull towards slow weights), closure (second-order) methods,
anything coupling coordinates across a tensor (global-norm clipping), and every
optimizer in mini-batch mode (``batch_size`` below the training-set size).

Example:
    >>> from trainlab.experiments.time_to_target import compare_time_to_target
    >>> rows = compare_time_to_target(["sgd", "adam"], steps=50)
    >>> sorted(r.name for r in rows)
    ['adam', 'sgd']
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from trainlab.constraints import POSITIVE_INT, check
from trainlab.data import load_bundled, split_standardized
from trainlab.data.split import Splits
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.train.batched import StackedMLP, stacked_loss, train_stacked_history
from trainlab.train.descent import descend

__all__ = ["DEFAULT_TARGET", "STACKABLE", "RunResult", "TimeToTargetRow", "compare_time_to_target",
           "diabetes_starts", "rank", "train_grid"]

# Training MSE in standardized units; a linear least-squares fit reaches about 0.48.
DEFAULT_TARGET = 0.40

# Registry names whose update is element-wise and proportional to the learning rate,
# with a state that does not depend on it: the stacked engine gives each run its own rate
# exactly (tests/experiments/test_race_batched.py checks every one against single runs).
STACKABLE = frozenset({
    "sgd", "momentum", "nesterov", "momentum-lecture", "adagrad", "rmsprop", "rmsprop-centered",
    "rmsprop-momentum", "rmsprop-nesterov", "adadelta", "adam", "adam-nobias", "amsgrad", "adamw", "adamax",
    "nadam", "nadam-dozat", "radam", "gradient-control", "gradient-control-inverse", "gd-decay",
})


@dataclass
class RunResult:
    """One run of the race: one optimizer, one learning rate, one seed."""

    lr: float
    seed: int
    train_loss: float
    val_loss: float
    steps_to_target: int | None
    stop_reason: str  # "max_iter" or "diverged"
    wall_time: float  # seconds; a stacked run's share of its stack's time


@dataclass
class TimeToTargetRow:
    """An optimizer's best rate; with several seeds, medians over seeds and the validation spread."""

    name: str
    lr: float
    train_loss: float
    val_loss: float
    steps_to_target: int | None
    wall_time: float  # seconds spent on this rate (all its seeds)
    stop_reason: str  # "max_iter", "diverged", or "diverged (k/n seeds)"
    seeds: int = 1
    val_loss_min: float | None = None
    val_loss_max: float | None = None

    def __post_init__(self) -> None:
        self.val_loss_min = self.val_loss if self.val_loss_min is None else self.val_loss_min
        self.val_loss_max = self.val_loss if self.val_loss_max is None else self.val_loss_max


def diabetes_starts(seed: int, seeds: int, widths: Sequence[int], activation: str,
                    dtype: torch.dtype) -> tuple[Splits, list[torch.nn.Module]]:
    """The races' problem: diabetes split by ``seed``, and one MLP start per seed ``seed .. seed + seeds - 1``."""
    X, y = load_bundled("diabetes")
    data = split_standardized(X, y, val=0.2, seed=seed, dtype=dtype)
    starts = []
    for k in range(seeds):
        torch.manual_seed(seed + k)
        starts.append(MLP([X.shape[1], *widths, 1], activation=activation).to(dtype))
    return data, starts


def compare_time_to_target(
    optimizers: Sequence[str] | None = None,
    steps: int = 1000,
    target: float = DEFAULT_TARGET,
    seed: int = 0,
    widths: Sequence[int] = (64, 64),
    batch_size: int | None = None,
    tune: bool = True,
    seeds: int = 1,
    batched: bool = True,
    dtype: torch.dtype = torch.float32,
    activation: str = "tanh",
    on_done: Callable[[TimeToTargetRow, int, int], None] | None = None,
) -> list[TimeToTargetRow]:
    """Race the named optimizers (default: all first-order); one row each, best rate of its grid.

    ``seeds``: initializations per rate (seeds ``seed .. seed + seeds - 1``); the best
    rate has the lowest median steps to target, then the lowest median training loss.
    ``batched=False`` runs every entry alone (the reference path; same results).
    ``on_done(row, i, n)`` is called after the ``i``-th of ``n`` optimizers (progress).
    """
    check("compare_time_to_target", "seeds", seeds, POSITIVE_INT)
    names = list(optimizers) if optimizers else registry.names("first_order")
    data, starts = diabetes_starts(seed, seeds, widths, activation, dtype)
    rows = []
    for name in names:
        entry = registry.get(name)
        grid = entry.lr_grid if tune else (entry.lr_grid[len(entry.lr_grid) // 2],)
        runs = train_grid(entry.name, grid, starts, data, steps, target, seed=seed, batch_size=batch_size,
                          batched=batched)
        rows.append(_best(entry.name, grid, runs, len(starts)))
        if on_done is not None:
            on_done(rows[-1], len(rows), len(names))
    return rows


def train_grid(
    name: str,
    lrs: Sequence[float],
    starts: Sequence[MLP],
    data: Splits,
    steps: int,
    target: float,
    *,
    seed: int = 0,
    batch_size: int | None = None,
    batched: bool = True,
) -> list[RunResult]:
    """Train optimizer ``name`` from every start at every rate; results rate-major (``lrs[i]``, ``starts[k]``).

    Stacked when ``batched``, the optimizer is in ``STACKABLE`` and the steps are full
    batch; otherwise one ``descend`` per run.
    """
    entry = registry.get(name)
    full_batch = batch_size is None or batch_size >= len(data.train.x)
    if batched and full_batch and entry.name in STACKABLE:
        return _train_stacked(entry, lrs, starts, data, steps, target)
    return [_train_alone(entry, lr, k, start, data, steps, target, seed, batch_size)
            for lr in lrs for k, start in enumerate(starts)]


def _train_alone(entry: registry.OptimizerEntry, lr: float, k: int, start: MLP, data: Splits, steps: int,
                 target: float, seed: int, batch_size: int | None) -> RunResult:
    model = copy.deepcopy(start)
    opt = entry.build(model.parameters(), lr=lr)
    res = descend(model, F.mse_loss, data.train.x, data.train.y, opt, batch_size=batch_size, max_iter=steps,
                  seed=seed)
    with torch.no_grad():
        val = float(F.mse_loss(model(data.val.x), data.val.y))
    return RunResult(lr, k, res.final_loss, val, res.iterations_to(target), res.stop_reason, res.wall_time)


def _train_stacked(entry: registry.OptimizerEntry, lrs: Sequence[float], starts: Sequence[MLP], data: Splits,
                   steps: int, target: float) -> list[RunResult]:
    begin = time.perf_counter()
    model = StackedMLP.from_models([s for _ in lrs for s in starts])
    rates = torch.tensor([lr for lr in lrs for _ in starts], dtype=model.weights[0].dtype)
    opt = entry.build(model.parameters(), lr=1.0)  # each run's rate multiplies its update
    history = train_stacked_history(model, data.train.x, data.train.y, opt, steps, lrs=rates)
    with torch.no_grad():
        val = stacked_loss(model(data.val.x), data.val.y)
    share = (time.perf_counter() - begin) / model.runs
    reached = history.steps_to(target)
    return [
        RunResult(lrs[r // len(starts)], r % len(starts), float(history.final[r]), float(val[r]), reached[r],
                  "diverged" if history.diverged_at[r] >= 0 else "max_iter", share)
        for r in range(model.runs)
    ]


def _best(name: str, lrs: Sequence[float], runs: Sequence[RunResult], seeds: int) -> TimeToTargetRow:
    """The row of the best rate: per rate, medians over its seeds (``runs`` rate-major)."""
    rows = []
    for i, lr in enumerate(lrs):
        mine = runs[i * seeds : (i + 1) * seeds]
        finite = [r.train_loss if math.isfinite(r.train_loss) else math.inf for r in mine]
        reached = statistics.median_low([math.inf if r.steps_to_target is None else r.steps_to_target
                                         for r in mine])
        vals = [r.val_loss if math.isfinite(r.val_loss) else math.inf for r in mine]
        diverged = sum(r.stop_reason == "diverged" for r in mine)
        if seeds == 1:
            reason, train, val = mine[0].stop_reason, mine[0].train_loss, mine[0].val_loss
        else:
            reason = mine[0].stop_reason if diverged in (0, seeds) else f"diverged ({diverged}/{seeds} seeds)"
            train, val = statistics.median(finite), statistics.median(vals)
        rows.append(TimeToTargetRow(
            name, lr, train, val, None if reached == math.inf else int(reached), sum(r.wall_time for r in mine),
            reason, seeds, min(vals) if seeds > 1 else val, max(vals) if seeds > 1 else val,
        ))
    return min(rows, key=rank)


def rank(row: TimeToTargetRow) -> tuple[float, float]:
    """Sort key: steps to target (never = inf), then final training loss (diverged = inf)."""
    steps = math.inf if row.steps_to_target is None else row.steps_to_target
    loss = row.train_loss if math.isfinite(row.train_loss) else math.inf
    return steps, loss
