"""Spectral bias: a ReLU net learns a multi-scale target's low frequencies first.

After Rahaman et al. 2019 ("On the Spectral Bias of Neural Networks", their
Fig. 1): the target ``f(z) = sum_i sin(2 pi k_i z + phi_i)`` on 256 points of
``[0, 1)`` with ``k = 1, 3, 5, 7, 9`` and equal amplitudes (random phases per
seed); a ReLU MLP 1-128-128-128-1 trained full-batch with Adam (lr 3e-3) on the
mean squared error. Every ``every`` steps the error per frequency
(``trainlab.diagnose.spectral_bias.spectral_error``) is recorded: the heat map
frequency x step shows the low frequencies fall first. The step at which each
frequency's error first drops below 0.1 ("learned") is reported per seed.

Example:
    >>> run = spectral_bias_run(seed=0, steps=4, every=2, width=16)
    >>> run.steps, len(run.errors), len(run.errors[0])
    ([0, 2, 4], 3, 5)
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.nn import functional as F

from trainlab.atomic import atomic_write_text
from trainlab.constraints import POSITIVE_INT, check
from trainlab.diagnose.spectral_bias import grid, multiscale_target, spectral_error
from trainlab.experiments.threads import torch_threads
from trainlab.nn import MLP

__all__ = ["FREQUENCIES", "SpectralRun", "learned_step", "main", "spectral_bias_run"]

FREQUENCIES = (1, 3, 5, 7, 9)
POINTS = 256
LEARNED = 0.1  # a frequency is learned once its relative error is below this


@dataclass
class SpectralRun:
    """``errors[i][j]``: relative error at ``frequencies[j]`` after ``steps[i]`` steps."""

    seed: int
    frequencies: list[int]
    steps: list[int]
    errors: list[list[float]]
    final_loss: float


def learned_step(run: SpectralRun, threshold: float = LEARNED) -> list[int | None]:
    """Per frequency, the first recorded step with error below ``threshold`` (``None``: never)."""
    return [next((s for s, row in zip(run.steps, run.errors, strict=True) if row[j] < threshold), None)
            for j in range(len(run.frequencies))]


def spectral_bias_run(seed: int = 0, steps: int = 4000, every: int = 25, width: int = 128, depth: int = 3,
                      lr: float = 3e-3, frequencies: Sequence[int] = FREQUENCIES) -> SpectralRun:
    """Train one net on the multi-scale target and record the error per frequency every ``every`` steps."""
    check("spectral_bias_run", "steps", steps, POSITIVE_INT)
    check("spectral_bias_run", "every", every, POSITIVE_INT)
    g = torch.Generator().manual_seed(seed)
    z = grid(POINTS, torch.float32)
    phases = (torch.rand(len(frequencies), generator=g) * 2 * math.pi).tolist()
    target = multiscale_target(z, list(frequencies), [1.0] * len(frequencies), phases)
    torch.manual_seed(seed)
    model = MLP([1, *[width] * depth, 1], activation="relu")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    x = (2 * z - 1).unsqueeze(1)  # inputs in [-1, 1)
    recorded, errors = [], []
    for step in range(steps + 1):
        prediction = model(x).squeeze(1)
        if step % every == 0 or step == steps:
            recorded.append(step)
            errors.append(spectral_error(prediction.detach(), target, list(frequencies)))
        if step == steps:
            break
        loss = F.mse_loss(prediction, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    final = float(F.mse_loss(prediction.detach(), target))
    return SpectralRun(seed, list(frequencies), recorded, errors, final)


def summarize(runs: Sequence[SpectralRun]) -> dict[str, list]:
    """Per frequency: the step it was learned in each seed, and their mean and standard deviation."""
    per_seed = [learned_step(r) for r in runs]
    out = {"frequencies": list(runs[0].frequencies), "learned_step_per_seed": per_seed,
           "learned_step_mean": [], "learned_step_std": [], "never_learned": []}
    for j in range(len(runs[0].frequencies)):
        done = [s[j] for s in per_seed if s[j] is not None]
        out["learned_step_mean"].append(statistics.fmean(done) if done else None)
        out["learned_step_std"].append(statistics.pstdev(done) if done else None)
        out["never_learned"].append(len(per_seed) - len(done))
    return out


def main(argv: Sequence[str] | None = None) -> list[SpectralRun]:
    """``python -m trainlab.experiments.spectral_bias --out DIR``: heat map and JSON over several seeds."""
    from trainlab.report.spectral_bias import plot_spectral_bias

    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.spectral_bias",
                                     description="Error per Fourier frequency over training (Rahaman et al. 2019).")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", default="out/diagnostics")
    args = parser.parse_args(argv)
    with torch_threads(args.threads):
        runs = [spectral_bias_run(s, args.steps, args.every, args.width, lr=args.lr) for s in range(args.seeds)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(runs)
    payload = {"points": POINTS, "steps": args.steps, "seeds": args.seeds, "width": args.width, "lr": args.lr,
               "threshold": LEARNED, **summary, "final_loss": [r.final_loss for r in runs],
               "runs": [asdict(r) for r in runs]}
    atomic_write_text(out / "spectral_bias.json", json.dumps(payload, indent=1))
    plot_spectral_bias(runs, out / "spectral_bias.png", LEARNED)
    for k, m, s, never in zip(summary["frequencies"], summary["learned_step_mean"], summary["learned_step_std"],
                              summary["never_learned"], strict=True):
        text = "never" if m is None else f"step {m:.0f} ± {s:.0f}"
        print(f"frequency {k}: error < {LEARNED} at {text}" + (f" ({never} seeds never)" if never else ""))
    return runs


if __name__ == "__main__":
    main()
