"""Collapse of deep and narrow ReLU nets (Lu, Su & Karniadakis 2018), at scale.

Brown/NVIDIA "Training and Optimization" lecture notes, after Lu et al. 2018: a
10-layer width-2 ReLU net fitted to ``|x|`` (MSE, any optimizer) *collapses to the
mean* in about 93% of runs; a net can be dead already at initialization (some
layer outputs zero for every input, so the function is constant); with MSE a
collapsed net predicts the target's mean, with MAE its median; deeper and
narrower nets die more often.

Setting: ``points`` inputs evenly spaced on ``[-sqrt(3), sqrt(3)]`` (unit
variance), He-normal weights and zero biases (the paper's symmetric
initialization), ``steps`` full-batch Adam steps; every run has its own seed
(``run_seeds(seed, runs)``) and all runs train at once (``trainlab.train.batched``).
A run has *collapsed* when its trained output is constant over the inputs:
``max - min < tol * std(target)``; it was *dead at initialization* when its
initial output is exactly constant.

The target's median is NumPy's (the midpoint of the two middle values: every
point between them minimizes the MAE).

Targets: ``abs`` = ``|x|``, ``xsin`` = ``x sin(5x)``, ``step`` = ``1{x>0} + 0.2 sin(5x)``.

Example:
    >>> from trainlab.experiments.collapse import collapse_study
    >>> r = collapse_study(depth=10, width=2, runs=40, steps=200, seed=0)
    >>> 0 <= r.dead_at_init_rate <= r.collapse_rate <= 1
    True
    >>> low, high = r.confidence_interval
    >>> low <= r.collapse_rate <= high
    True
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from trainlab.atomic import atomic_write_text
from trainlab.constraints import POSITIVE, POSITIVE_INT, Interval, Options, check, unknown_name
from trainlab.optim import Adam
from trainlab.train.batched import STACKED_LOSSES, StackedMLP, run_seeds, train_stacked

__all__ = ["TARGETS", "RunRecord", "CollapseResult", "CollapseMap", "collapse_study", "collapse_map",
           "wilson_interval", "main"]

TARGETS: dict[str, Callable[[Tensor], Tensor]] = {
    "abs": torch.abs,
    "xsin": lambda x: x * torch.sin(5 * x),
    "step": lambda x: (x > 0).to(x.dtype) + 0.2 * torch.sin(5 * x),
}
DEPTH = Interval(1, 100, closed="both", integer=True)
WIDTH = Interval(1, 64, closed="both", integer=True)
RUNS = Interval(1, 100_000, closed="both", integer=True)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (95% for ``z = 1.96``)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class RunRecord:
    """One run: its seed, whether it was dead at initialization or collapsed after training."""

    run: int
    seed: int
    dead_at_init: bool
    collapsed: bool
    final_loss: float
    output_range: float
    mean_output: float


@dataclass
class CollapseResult:
    """Per-run records and the statistics over them (``interrupted``: stopped early by Ctrl-C)."""

    depth: int
    width: int
    target: str
    loss: str
    init: str
    seed: int
    steps: int
    lr: float
    runs_requested: int
    target_mean: float
    target_median: float
    records: list[RunRecord] = field(default_factory=list)
    interrupted: bool = False
    x: list[float] = field(default_factory=list, repr=False)
    examples: dict[str, list[list[float]]] = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        """Finished runs."""
        return len(self.records)

    @property
    def collapse_rate(self) -> float:
        return sum(r.collapsed for r in self.records) / max(self.runs, 1)

    @property
    def confidence_interval(self) -> tuple[float, float]:
        """95% Wilson interval of the collapse rate."""
        return wilson_interval(sum(r.collapsed for r in self.records), self.runs)

    @property
    def dead_at_init_rate(self) -> float:
        return sum(r.dead_at_init for r in self.records) / max(self.runs, 1)

    def collapsed_to(self) -> dict[str, float]:
        """Median distance of the collapsed runs' constant output to the target's mean and median."""
        values = [r.mean_output for r in self.records if r.collapsed]
        if not values:
            return {"mean": math.nan, "median": math.nan}
        return {"mean": statistics.median(abs(v - self.target_mean) for v in values),
                "median": statistics.median(abs(v - self.target_median) for v in values)}

    def summary(self) -> dict[str, object]:
        low, high = self.confidence_interval
        return {
            "depth": self.depth, "width": self.width, "target": self.target, "loss": self.loss,
            "init": self.init, "seed": self.seed, "steps": self.steps, "lr": self.lr,
            "runs": self.runs, "runs_requested": self.runs_requested, "interrupted": self.interrupted,
            "collapse_rate": self.collapse_rate, "collapse_rate_ci95": [low, high],
            "dead_at_init_rate": self.dead_at_init_rate, "target_mean": self.target_mean,
            "target_median": self.target_median, "collapsed_output_distance_to": self.collapsed_to(),
        }

    def to_json(self, path: str | Path) -> Path:
        """Summary and per-run records as JSON (written atomically)."""
        payload = {"summary": self.summary(), "records": [asdict(r) for r in self.records]}
        atomic_write_text(path, json.dumps(payload, indent=1))
        return Path(path)

    def plot(self, path: str | Path) -> Path:
        """Target, collapsed and non-collapsed trained nets (the lecture's panels A and B)."""
        from trainlab.report.collapse import plot_collapse_runs

        return plot_collapse_runs(self, path)


def _constant(pred: Tensor, scale: float, tol: float) -> Tensor:
    """Per run: is the output (runs, batch, 1) constant over the batch up to ``tol * scale``?"""
    spread = pred.amax(dim=(1, 2)) - pred.amin(dim=(1, 2))
    return spread <= tol * scale


def collapse_study(
    depth: int = 10,
    width: int = 2,
    runs: int = 1000,
    target: str = "abs",
    loss: str = "mse",
    init: str = "he",
    seed: int = 0,
    steps: int = 2000,
    lr: float = 1e-3,
    points: int = 64,
    chunk: int = 500,
    tol: float = 1e-3,
    examples: int = 8,
) -> CollapseResult:
    """Train ``runs`` depth x width ReLU nets on ``target``; see the module docstring.

    Runs train ``chunk`` at a time; Ctrl-C stops after keeping every finished
    chunk's records (``interrupted=True``). ``examples`` trained outputs of each
    kind (collapsed / not) are kept for the figure.
    """
    owner = "collapse_study"
    check(owner, "depth", depth, DEPTH)
    check(owner, "width", width, WIDTH)
    check(owner, "runs", runs, RUNS)
    if target not in TARGETS:
        raise unknown_name("target", target, list(TARGETS))
    check(owner, "loss", loss, Options(STACKED_LOSSES))
    check(owner, "steps", steps, Interval(0, None, integer=True))
    check(owner, "lr", lr, POSITIVE)
    check(owner, "points", points, Interval(2, None, integer=True))
    check(owner, "chunk", chunk, POSITIVE_INT)
    check(owner, "tol", tol, POSITIVE)
    x = torch.linspace(-math.sqrt(3), math.sqrt(3), points)[:, None]
    y = TARGETS[target](x)
    scale = y.std().item()
    result = CollapseResult(depth, width, target, loss, init, seed, steps, lr, runs, y.mean().item(),
                            float(np.median(y.numpy())), x=x[:, 0].tolist(), examples={"target": [y[:, 0].tolist()],
                                                                             "collapsed": [], "other": []})
    seeds = run_seeds(seed, runs)
    widths = [1] + [width] * depth + [1]
    try:
        for start in range(0, runs, chunk):
            part = seeds[start:start + chunk]
            nets = StackedMLP.from_seeds(widths, part, "relu", init)
            with torch.no_grad():
                dead = _constant(nets(x), scale, 0.0)
            final = train_stacked(nets, x, y, Adam(nets.parameters(), lr=lr), steps, loss=loss)
            with torch.no_grad():
                pred = nets(x)
            collapsed = _constant(pred, scale, tol)
            spread = (pred.amax(dim=(1, 2)) - pred.amin(dim=(1, 2))).tolist()
            means = pred.mean(dim=(1, 2)).tolist()
            for i, s in enumerate(part):
                result.records.append(RunRecord(start + i, s, bool(dead[i]), bool(collapsed[i]),
                                                float(final[i]), spread[i], means[i]))
                kind = "collapsed" if collapsed[i] else "other"
                if len(result.examples[kind]) < examples:
                    result.examples[kind].append(pred[i, :, 0].tolist())
    except KeyboardInterrupt:
        result.interrupted = True
    return result


@dataclass
class CollapseMap:
    """Collapse and dead-at-initialization rates over a depth x width grid."""

    depths: list[int]
    widths: list[int]
    runs: int
    steps: int
    collapse: list[list[float]]  # [depth][width]
    dead_at_init: list[list[float]]

    def plot(self, path: str | Path) -> Path:
        from trainlab.report.collapse import plot_collapse_map

        return plot_collapse_map(self, path)


def collapse_map(
    depths: Sequence[int] = (2, 4, 6, 8, 10, 15, 20),
    widths: Sequence[int] = (2, 3, 4, 8, 16),
    runs: int = 100,
    steps: int = 500,
    target: str = "abs",
    seed: int = 0,
    **kwargs: object,
) -> CollapseMap:
    """``collapse_study`` on every depth x width cell (the "safe operating region" heatmap)."""
    collapse, dead = [], []
    for d in depths:
        rows = [collapse_study(d, w, runs, target, seed=seed, steps=steps, **kwargs) for w in widths]
        collapse.append([r.collapse_rate for r in rows])
        dead.append([r.dead_at_init_rate for r in rows])
    return CollapseMap(list(depths), list(widths), runs, steps, collapse, dead)


def main(argv: Sequence[str] | None = None) -> CollapseResult:
    """``python -m trainlab.experiments.collapse --runs 1000 --out DIR``: figures and results JSON."""
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.collapse",
                                     description="Collapse of deep narrow ReLU nets (Lu et al. 2018).")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--width", type=int, default=2)
    parser.add_argument("--target", default="abs", choices=sorted(TARGETS))
    parser.add_argument("--loss", default="mse", choices=STACKED_LOSSES)
    parser.add_argument("--init", default="he")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--map", action="store_true", help="also draw the depth x width collapse map")
    parser.add_argument("--map-runs", type=int, default=100)
    parser.add_argument("--map-steps", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for tiny nets)")
    parser.add_argument("--out", default="out/collapse")
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _run(args)
    finally:
        torch.set_num_threads(threads)


def _run(args: argparse.Namespace) -> CollapseResult:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        result = collapse_study(args.depth, args.width, args.runs, args.target, args.loss, args.init,
                                args.seed, args.steps, args.lr)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    stem = f"collapse-d{args.depth}-w{args.width}-{args.target}-{args.loss}"
    result.to_json(out / f"{stem}.json")
    result.plot(out / f"{stem}.png")
    low, high = result.confidence_interval
    print(f"{result.runs} of {result.runs_requested} runs{' (interrupted)' if result.interrupted else ''}: "
          f"collapsed {result.collapse_rate:.1%} (95% CI {low:.1%}-{high:.1%}), "
          f"dead at initialization {result.dead_at_init_rate:.1%}")
    distance = result.collapsed_to()
    print(f"collapsed output: median distance to the target's mean {distance['mean']:.4f}, "
          f"to its median {distance['median']:.4f}")
    print(f"wrote {out / (stem + '.json')} and {out / (stem + '.png')}")
    if args.map and not result.interrupted:
        grid = collapse_map(runs=args.map_runs, steps=args.map_steps, target=args.target, seed=args.seed)
        atomic_write_text(out / "collapse-map.json", json.dumps(asdict(grid), indent=1))
        print(f"wrote {grid.plot(out / 'collapse-map.png')}")
    return result


if __name__ == "__main__":
    main()
