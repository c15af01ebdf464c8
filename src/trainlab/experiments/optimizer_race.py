"""The optimizer race on validation loss (`trainlab race`, the main job of ``make run``).

scikit-learn's diabetes data (442 patients, 10 features), standardized with
training statistics, 80/20 train/validation split, a 10-64-64-1 tanh MLP,
full-batch steps, early stopping. What a user keeps is the model at its best
validation loss, so each optimizer is judged by

- the best validation MSE it reaches (early stopping restores it) and
- the steps it takes to reach a validation MSE ``target``,

over ``seeds`` initializations (seeds ``seed .. seed + seeds - 1``; the split is
always that of ``seed``), with the training MSE at the best step and at the end
beside them, so that overfitting shows: how far validation rises after its best.

Protocol. Each optimizer first runs every rate of its grid (``registry.get(name)
.lr_grid``, three rates) from the first seed's weights; the rate that reaches
the target first (then: the lowest best validation MSE) is its rate, and the
other seeds run at that rate only. A run evaluates the validation loss every
``eval_every`` steps and stops ``patience`` steps after its best (or at
``steps``, or at a non-finite loss). Rows are ranked by median best validation
MSE, then median steps to target (never = last).

Runs are trained many at once (``trainlab.train.stacked_curves``): an optimizer in
``STACKABLE`` trains its whole grid as one stacked model with per-run rates; the
others one stack per rate; the seeds of the chosen rate as one more stack. Each
run's curves equal that run trained alone (tested in float64).

Example:
    >>> from trainlab.experiments.optimizer_race import run_race
    >>> result = run_race(["sgd", "adam"], steps=40, seeds=2, widths=(8,))
    >>> [row.name for row in result.rows] == sorted(["sgd", "adam"], key=lambda n: result.row(n).rank_key)
    True
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import torch

from trainlab.constraints import POSITIVE_INT, check
from trainlab.data.split import Splits
from trainlab.experiments.race_summary import Spread, summarize
from trainlab.experiments.time_to_target import STACKABLE, diabetes_starts
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.train.batched import StackedMLP
from trainlab.train.stacked_curves import Curves, FlatStack, train_with_validation

__all__ = ["DEFAULT_VAL_TARGET", "RaceResult", "RaceRow", "RunCurves", "run_race", "train_runs"]

# Validation MSE in standardized units: a linear least-squares fit reaches about 0.48 on
# training data; the best networks reach 0.47-0.49 on the validation split.
DEFAULT_VAL_TARGET = 0.49


@dataclass
class RunCurves:
    """One run: optimizer, rate, seed; its curves and what a user reads from them."""

    lr: float
    seed: int
    train: list[float]  # training MSE after each step 0..stopped_at
    val_steps: list[int]
    val: list[float]
    best_val: float
    best_step: int  # -1 if no validation loss was finite
    stopped_at: int
    stop_reason: str  # "max steps", "early stop" or "diverged"
    steps_to_target: int | None

    @property
    def train_at_best(self) -> float:
        return self.train[self.best_step] if self.best_step >= 0 else math.inf

    @property
    def final_train(self) -> float:
        return self.train[self.stopped_at]

    @property
    def final_val(self) -> float:
        return self.val[max(i for i, s in enumerate(self.val_steps) if s <= self.stopped_at)]


@dataclass
class RaceRow:
    """An optimizer at its chosen rate: medians and ranges over seeds."""

    name: str
    lr: float
    seeds: int
    best_val: Spread
    best_step: Spread
    steps_to_target: int | None  # median over seeds (None: the median run never reached it)
    reached: int  # seeds that reached the target
    train_at_best: Spread
    final_train: Spread
    final_val: Spread
    diverged: int
    seconds: float  # this optimizer's share of the training time (all its rates and seeds)

    @property
    def overfit(self) -> float:
        """Median rise of validation MSE from its best to where the run stopped."""
        return self.final_val.median - self.best_val.median

    @property
    def rank_key(self) -> tuple[float, float]:
        steps = math.inf if self.steps_to_target is None else self.steps_to_target
        return self.best_val.median, steps


@dataclass
class RaceResult:
    """The ranked rows, the runs behind them, the protocol, and a one-line reading."""

    rows: list[RaceRow]
    runs: dict[str, list[RunCurves]]  # per optimizer: its grid on the first seed, then the other seeds
    config: dict
    summary: str = ""
    curves: dict[str, dict] = field(default_factory=dict)  # per optimizer: median and range of its seeds' curves

    def row(self, name: str) -> RaceRow:
        return next(r for r in self.rows if r.name == name)

    def to_json(self) -> dict:
        """Every number of the table, the protocol and the curves (for ``results.json``)."""
        rows = []
        for r in self.rows:
            d = asdict(r)
            d["overfit"] = r.overfit
            rows.append(d)
        return {"experiment": "optimizer race", "config": self.config, "summary": self.summary, "rows": rows,
                "curves": self.curves}


def _curve_spread(runs: Sequence[RunCurves]) -> dict:
    """Median, min and max over runs of the training and validation curves (a stopped run holds its last value)."""
    length = max(r.stopped_at for r in runs) + 1
    val_steps = sorted({s for r in runs for s in r.val_steps if s < length})

    def pad(values: list[float], n: int) -> torch.Tensor:
        t = torch.tensor(values[:n], dtype=torch.float64)
        return torch.cat([t, t[-1:].expand(n - len(t))]) if len(t) < n else t

    def at(r: RunCurves, s: int) -> float:
        return r.val[max(i for i, v in enumerate(r.val_steps) if v <= min(s, r.stopped_at))]

    def short(t: torch.Tensor) -> list[float]:  # 6 significant digits keep results.json small
        return [float(f"{v:.6g}") for v in t.tolist()]

    train = torch.stack([pad(r.train, length) for r in runs])
    val = torch.tensor([[at(r, s) for s in val_steps] for r in runs], dtype=torch.float64)
    return {"train_median": short(train.median(0).values), "train_min": short(train.min(0).values),
            "train_max": short(train.max(0).values), "val_steps": val_steps,
            "val_median": short(val.median(0).values), "val_min": short(val.min(0).values),
            "val_max": short(val.max(0).values)}


def _runs_from(curves: Curves, lrs: Sequence[float], seeds: Sequence[int], steps: int,
               target: float) -> list[RunCurves]:
    best = curves.best_val()
    reached = curves.steps_to(target)
    out = []
    for r in range(curves.runs):
        stop = int(curves.stopped_at[r])
        reason = "diverged" if curves.diverged_at[r] >= 0 else ("max steps" if stop == steps else "early stop")
        keep = [i for i, s in enumerate(curves.val_steps.tolist()) if s <= stop]
        out.append(RunCurves(
            lrs[r], seeds[r], curves.train[: stop + 1, r].tolist(), [int(curves.val_steps[i]) for i in keep],
            [float(curves.val[i, r]) for i in keep], float(best[r]), int(curves.best_step[r]), stop, reason,
            reached[r],
        ))
    return out


def train_runs(name: str, lrs: Sequence[float], starts: Sequence[MLP], seeds: Sequence[int], data: Splits,
               steps: int, target: float, eval_every: int, patience: int | None) -> tuple[list[RunCurves], float]:
    """Train ``starts[i]`` with optimizer ``name`` at rate ``lrs[i]``, many at once; the runs and the seconds.

    One stack with per-run rates for ``STACKABLE`` optimizers; otherwise one stack per rate.
    """
    entry = registry.get(name)
    groups = [list(range(len(lrs)))] if entry.name in STACKABLE else \
        [[i for i in range(len(lrs)) if lrs[i] == lr] for lr in dict.fromkeys(lrs)]
    runs: dict[int, RunCurves] = {}
    seconds = 0.0
    train, val = (data.train.x, data.train.y), (data.val.x, data.val.y)
    for group in groups:
        model = FlatStack(StackedMLP.from_models([starts[i] for i in group]))
        rates = [lrs[i] for i in group]
        if entry.name in STACKABLE:  # lr 1: each run's rate multiplies its update
            scale = torch.tensor(rates, dtype=model.flat.dtype)
            curves = train_with_validation(model, train, val, lambda p: entry.build(p, lr=1.0), steps,
                                           eval_every=eval_every, patience=patience, lrs=scale)
        else:
            curves = train_with_validation(model, train, val, lambda p, lr=rates[0]: entry.build(p, lr=lr), steps,
                                           eval_every=eval_every, patience=patience)
        seconds += curves.seconds
        for i, run in zip(group, _runs_from(curves, rates, [seeds[i] for i in group], steps, target), strict=True):
            runs[i] = run
    return [runs[i] for i in range(len(lrs))], seconds


def _choose(runs: Sequence[RunCurves]) -> RunCurves:
    """The grid's run that reaches the target first, then the lowest best validation MSE."""
    return min(runs, key=lambda r: (math.inf if r.steps_to_target is None else r.steps_to_target, r.best_val))


def _row(name: str, chosen: Sequence[RunCurves], seconds: float) -> RaceRow:
    reached = [r.steps_to_target for r in chosen if r.steps_to_target is not None]
    median_steps = statistics.median_low([math.inf if r.steps_to_target is None else r.steps_to_target
                                          for r in chosen])
    return RaceRow(
        name, chosen[0].lr, len(chosen), Spread.of([r.best_val for r in chosen]),
        Spread.of([r.best_step for r in chosen]), None if median_steps == math.inf else int(median_steps),
        len(reached), Spread.of([r.train_at_best for r in chosen]), Spread.of([r.final_train for r in chosen]),
        Spread.of([r.final_val for r in chosen]), sum(r.stop_reason == "diverged" for r in chosen), seconds,
    )


def run_race(
    optimizers: Sequence[str] | None = None,
    steps: int = 1000,
    target: float = DEFAULT_VAL_TARGET,
    seed: int = 0,
    seeds: int = 3,
    widths: Sequence[int] = (64, 64),
    activation: str = "tanh",
    eval_every: int = 5,
    patience: int | None = 100,
    tune: bool = True,
    dtype: torch.dtype = torch.float32,
    on_done: Callable[[RaceRow, int, int], None] | None = None,
) -> RaceResult:
    """Race the named optimizers (default: every first-order one); rows ranked best first."""
    check("run_race", "seeds", seeds, POSITIVE_INT)
    check("run_race", "steps", steps, POSITIVE_INT)
    names = [registry.get(n).name for n in optimizers] if optimizers else registry.names("first_order")
    data, starts = diabetes_starts(seed, seeds, widths, activation, dtype)
    rows, all_runs, spreads = [], {}, {}
    for name in names:
        grid = list(registry.get(name).lr_grid)
        grid = grid if tune else [grid[len(grid) // 2]]
        tried, seconds = train_runs(name, grid, [starts[0]] * len(grid), [seed] * len(grid), data, steps, target,
                                    eval_every, patience)
        best = _choose(tried)
        others, more = train_runs(name, [best.lr] * (seeds - 1), starts[1:], list(range(seed + 1, seed + seeds)),
                                  data, steps, target, eval_every, patience) if seeds > 1 else ([], 0.0)
        rows.append(_row(name, [best, *others], seconds + more))
        all_runs[name] = [*tried, *others]
        spreads[name] = _curve_spread([best, *others])
        if on_done is not None:
            on_done(rows[-1], len(rows), len(names))
    rows.sort(key=lambda r: r.rank_key)
    config = {"data": "diabetes (scikit-learn), standardized, 80/20 train/validation split",
              "model": f"MLP {'-'.join(map(str, [data.train.x.shape[1], *widths, 1]))} {activation}",
              "steps": steps,
              "target_val_mse": target, "seed": seed, "seeds": seeds, "eval_every": eval_every,
              "patience": patience, "tune": tune, "dtype": str(dtype).replace("torch.", ""),
              "rate_rule": "each optimizer's grid on the first seed; the rate that reaches the validation "
                           "target first (then: lowest best validation MSE); the other seeds at that rate"}
    return RaceResult(rows, all_runs, config, summarize(rows, target), spreads)
