"""With and without batch normalization on a deep MLP: speed, and the largest stable learning rate.

The UCLA ECE 239AS lecture notes ("Regularization and optimization") and the
Brown/NVIDIA "Training and Optimization" notes say that batch normalization
(Ioffe & Szegedy 2015) speeds up convergence and "allows higher learning rates
to be used". This study measures both on scikit-learn's digits (1797 8x8
images, 10 classes; 80/20 train/validation split, features standardized with
training statistics): an MLP of ``depth`` hidden ReLU layers of ``width`` units,
trained with plain mini-batch SGD on the cross-entropy, once as
``MLP(..., batch_norm=True)`` (``trainlab.nn.BatchNorm1d`` before every
activation) and once without, over a grid of learning rates and several seeds.
Seed ``s`` draws the same initial Linear weights and the same batch order for
both networks (batch norm draws no random numbers), so each comparison is
paired. The main grid starts from He et al. (2015) initialization, the one
made for ReLU networks, so that the network without batch norm is a fair
baseline; a second grid starts from torch's default initialization
(``init="torch"``), whose weights shrink the signal layer after layer.

Measured for each run, every ``eval_every`` steps: the cross-entropy on the
whole training set in eval mode (batch norm with its running statistics, as at
inference). A diverged run stops at its first non-finite loss. Definitions:

* *steps to target*: the first evaluated step whose training loss is at most ``target``;
* *stable*: every evaluated loss finite and the final loss at most half the
  loss at initialization (so a run that diverges, or stalls at chance, is not);
* *largest stable learning rate* of a seed: the largest rate of the grid whose run is stable.

Run:
    python -m trainlab.experiments.batch_norm --out docs/figures/normalization

Example:
    >>> from trainlab.experiments.batch_norm import batch_norm_study
    >>> study = batch_norm_study(lrs=(0.1,), seeds=(0,), steps=4, eval_every=2, depth=2, width=8)
    >>> [(r.batch_norm, r.steps) for r in study.runs]
    [(False, [0, 2, 4]), (True, [0, 2, 4])]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.nn import functional as F

from trainlab.atomic import atomic_write_text
from trainlab.constraints import POSITIVE, POSITIVE_INT, Satisfies, check
from trainlab.data import load_bundled, split_standardized
from trainlab.nn import MLP
from trainlab.optim import SGD

__all__ = ["LRS", "BatchNormRun", "BatchNormStudy", "batch_norm_study", "main", "write_all"]

LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
RATES = Satisfies(lambda v: len(v) > 0 and all(POSITIVE.accepts(r) for r in v), "a non-empty list of rates > 0")
SEEDS = Satisfies(lambda v: len(v) > 0 and all(isinstance(s, int) for s in v), "a non-empty list of int seeds")


@dataclass
class BatchNormRun:
    """One training run: with or without batch norm, one learning rate, one seed."""

    batch_norm: bool
    lr: float
    seed: int
    steps: list[int]  # the evaluated steps
    losses: list[float]  # training cross-entropy at those steps (eval mode, whole training set)
    val_accuracy: float  # at the end (nan if diverged)
    stable: bool
    steps_to_target: int | None


@dataclass
class BatchNormStudy:
    """All runs of the grid and the settings they share."""

    widths: list[int]
    init: str
    batch_size: int
    target: float
    lrs: list[float]
    seeds: list[int]
    runs: list[BatchNormRun]

    def select(self, batch_norm: bool, lr: float | None = None) -> list[BatchNormRun]:
        return [r for r in self.runs if r.batch_norm == batch_norm and (lr is None or r.lr == lr)]

    def largest_stable(self, batch_norm: bool) -> list[float | None]:
        """Per seed, the largest rate of the grid whose run is stable (``None``: none is)."""
        out = []
        for seed in self.seeds:
            rates = [r.lr for r in self.select(batch_norm) if r.seed == seed and r.stable]
            out.append(max(rates) if rates else None)
        return out

    def steps_to_target(self, batch_norm: bool, lr: float) -> list[int | None]:
        return [r.steps_to_target for r in self.select(batch_norm, lr)]

    def fastest_lr(self, batch_norm: bool) -> float | None:
        """The rate whose seeds reach the target in the fewest steps (median; all seeds must reach it)."""
        best = None
        for lr in self.lrs:
            reached = self.steps_to_target(batch_norm, lr)
            if reached and all(s is not None for s in reached):
                if best is None or statistics.median(reached) < best[0]:
                    best = (statistics.median(reached), lr)
        return None if best is None else best[1]

    def summary(self) -> dict[str, object]:
        """The numbers docs/normalization.md quotes, per network."""
        out: dict[str, object] = {"widths": self.widths, "init": self.init, "batch_size": self.batch_size,
                                  "target": self.target, "lrs": self.lrs, "seeds": self.seeds}
        for batch_norm in (False, True):
            name = "batch_norm" if batch_norm else "plain"
            stable = self.largest_stable(batch_norm)
            fastest = self.fastest_lr(batch_norm)
            per_lr = {}
            for lr in self.lrs:
                runs = self.select(batch_norm, lr)
                finals = [r.losses[-1] for r in runs]
                per_lr[f"{lr:g}"] = {"stable_seeds": sum(r.stable for r in runs),
                                     "final_loss": finals,
                                     "steps_to_target": [r.steps_to_target for r in runs],
                                     "val_accuracy": [r.val_accuracy for r in runs]}
            out[name] = {"largest_stable_lr": stable, "fastest_lr": fastest,
                         "steps_to_target_at_fastest_lr": None if fastest is None
                         else self.steps_to_target(batch_norm, fastest),
                         "per_lr": per_lr}
        return out

    def plot(self, out: str | Path, suffix: str = "") -> list[Path]:
        """``batch-norm-lr-sweep{suffix}.png`` and ``batch-norm-curves{suffix}.png`` in folder ``out``."""
        from trainlab.report.batch_norm import plot_curves, plot_sweep

        out = Path(out)
        return [plot_sweep(self, out / f"batch-norm-lr-sweep{suffix}.png"),
                plot_curves(self, out / f"batch-norm-curves{suffix}.png")]


@functools.lru_cache(maxsize=2)
def _digits(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Standardized training and validation tensors of digits (cached: the runs only read them)."""
    X, y = load_bundled("digits")
    parts = split_standardized(X, y, val=0.2, test=0.0, seed=seed)
    return parts.train.x, parts.train.y, parts.val.x, parts.val.y


def _train(x, y, x_val, y_val, widths, init, batch_norm, lr, seed, steps, batch_size, eval_every,
           target) -> BatchNormRun:
    torch.manual_seed(seed)
    model = MLP(widths, activation="relu", init=init, batch_norm=batch_norm)
    opt = SGD(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    n = x.shape[0]

    def training_loss() -> float:
        model.eval()
        with torch.no_grad():
            value = F.cross_entropy(model(x), y).item()
        model.train()
        return value

    evaluated, losses = [0], [training_loss()]
    perm, at = torch.randperm(n, generator=order), 0
    for step in range(1, steps + 1):
        if at + batch_size > n:  # a new epoch; the short remainder is dropped (no batch of one)
            perm, at = torch.randperm(n, generator=order), 0
        idx = perm[at : at + batch_size]
        at += batch_size
        opt.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        if not math.isfinite(loss.item()):
            evaluated.append(step)
            losses.append(math.inf)
            break
        loss.backward()
        opt.step()
        if step % eval_every == 0 or step == steps:
            evaluated.append(step)
            losses.append(training_loss())
            if not math.isfinite(losses[-1]):
                break
    finite = all(math.isfinite(v) for v in losses)
    stable = finite and evaluated[-1] == steps and losses[-1] <= 0.5 * losses[0]
    reached = next((s for s, v in zip(evaluated, losses, strict=True) if v <= target), None)
    accuracy = math.nan
    if finite:
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_val).argmax(1) == y_val).double().mean().item()
    return BatchNormRun(batch_norm, lr, seed, evaluated, [v if math.isfinite(v) else math.inf for v in losses],
                        accuracy, stable, reached)


def batch_norm_study(
    lrs: Sequence[float] = LRS,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    steps: int = 300,
    eval_every: int = 10,
    depth: int = 9,
    width: int = 64,
    batch_size: int = 64,
    target: float = 0.1,
    init: str = "he",
) -> BatchNormStudy:
    """Every (network, learning rate, seed) run of the grid on digits; see the module docstring."""
    check("batch_norm_study", "lrs", lrs, RATES)
    check("batch_norm_study", "seeds", seeds, SEEDS)
    for name, value in (("steps", steps), ("eval_every", eval_every), ("depth", depth), ("width", width)):
        check("batch_norm_study", name, value, POSITIVE_INT)
    check("batch_norm_study", "batch_size", batch_size, Satisfies(lambda b: isinstance(b, int) and b >= 2,
                                                                  "an int >= 2 (batch norm needs two examples)"))
    check("batch_norm_study", "target", target, POSITIVE)
    x, y, x_val, y_val = _digits(seed=0)
    widths = [x.shape[1], *([width] * depth), 10]
    runs = [_train(x, y, x_val, y_val, widths, init, batch_norm, float(lr), seed, steps, batch_size, eval_every,
                   target)
            for seed in seeds for lr in sorted(lrs) for batch_norm in (False, True)]
    return BatchNormStudy(widths, init, batch_size, target, sorted(float(r) for r in lrs), list(seeds), runs)


def _json_safe(value: object) -> object:
    """Non-finite floats as ``None`` (strict JSON has no Infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def write_all(out: str | Path, seeds: Sequence[int] = (0, 1, 2, 3, 4), default_init_seeds: Sequence[int] = (0, 1, 2),
              **kwargs: object) -> dict[str, object]:
    """Run both grids (He and torch's default initialization), draw the figures into ``out``, write
    ``batch-norm.json`` there and return its numbers; ``kwargs`` go to ``batch_norm_study``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    numbers: dict[str, object] = {}
    for key, init, grid_seeds, suffix in (("he", "he", seeds, ""),
                                          ("torch_default", "torch", default_init_seeds, "-default-init")):
        study = batch_norm_study(seeds=grid_seeds, init=init, **kwargs)  # type: ignore[arg-type]
        study.plot(out, suffix)
        numbers[key] = study.summary()
        numbers[key]["runs"] = [asdict(r) for r in study.runs]
    numbers = _json_safe(numbers)  # type: ignore[assignment]
    atomic_write_text(out / "batch-norm.json", json.dumps(numbers, indent=1, allow_nan=False))
    return numbers


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.batch_norm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/normalization")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 of the He-initialized grid")
    parser.add_argument("--default-init-seeds", type=int, default=3,
                        help="seeds 0..N-1 of the grid from torch's default initialization")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        numbers = write_all(args.out, seeds=tuple(range(args.seeds)),
                            default_init_seeds=tuple(range(args.default_init_seeds)), steps=args.steps)
    finally:
        torch.set_num_threads(threads)
    for key, grid in numbers.items():
        for net in ("plain", "batch_norm"):
            g = grid[net]  # type: ignore[index]
            print(f"{key:13s} {net:10s} largest stable lr per seed {g['largest_stable_lr']}, fastest lr "
                  f"{g['fastest_lr']}, steps to target there {g['steps_to_target_at_fastest_lr']}")
    print(f"wrote the figures and batch-norm.json into {args.out}")
    return numbers


if __name__ == "__main__":
    main()
