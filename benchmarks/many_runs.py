"""Many runs at once: N deep narrow ReLU nets trained as one stacked model vs a Python loop.

The collapse study (Lu, Su & Karniadakis 2018) trains 1000 depth-10 width-2 ReLU
nets on |x| for 2000 full-batch Adam steps. This script times that whole batch
with ``trainlab.train.batched`` and a Python loop of single ``MLP`` runs (the
same runs, the same trainlab Adam), timed on the first ``--loop-runs`` runs and
scaled to ``--runs``; it prints both, the ratio, the runs' agreement and the
machine's load average (the ratio is what to compare across machines; the
wall times depend on the load).

``--tiny`` runs ``benchmarks/tiny_copies.py`` instead: 100 copies of a 1-100-1 tanh
net as one vectorized model, per step, against one copy, 100 sequential runs and a
JAX ``jit`` step of 100 ``vmap``-ed copies (when jax is installed).

Run:
    python benchmarks/many_runs.py                       # 1000 runs x 2000 steps
    python benchmarks/many_runs.py --runs 200 --steps 500 --loop-runs 3
    python benchmarks/many_runs.py --tiny                # 100 tiny tanh nets vs one, a loop, JAX
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.nn import functional as F

from trainlab.optim import Adam
from trainlab.train.batched import StackedMLP, train_stacked


@dataclass
class Timing:
    runs: int
    steps: int
    batched_s: float
    loop_per_run_s: float
    loop_runs: int
    max_loss_gap: float
    load: tuple[float, float]

    @property
    def loop_s(self) -> float:
        """The loop's time for every run (its measured per-run time times ``runs``)."""
        return self.loop_per_run_s * self.runs

    @property
    def speedup(self) -> float:
        return self.loop_s / self.batched_s


def measure(runs: int = 1000, steps: int = 2000, loop_runs: int = 5, depth: int = 10, width: int = 2,
            points: int = 64, lr: float = 1e-3, seed: int = 0) -> Timing:
    """Train ``runs`` nets batched, then the first ``loop_runs`` of them one by one."""
    widths = [1] + [width] * depth + [1]
    x = torch.linspace(-math.sqrt(3), math.sqrt(3), points)[:, None]
    y = x.abs()
    load_before = os.getloadavg()[0]
    stacked = StackedMLP.create(widths, runs, "relu", init="he", seed=seed)
    singles = [stacked.unstack(r) for r in range(min(loop_runs, runs))]
    start = time.perf_counter()
    final = train_stacked(stacked, x, y, Adam(stacked.parameters(), lr=lr), steps)
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    gaps = []
    for r, model in enumerate(singles):
        opt = Adam(model.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            F.mse_loss(model(x), y).backward()
            opt.step()
        with torch.no_grad():
            gaps.append(abs(F.mse_loss(model(x), y).item() - final[r].item()))
    loop_s = time.perf_counter() - start
    return Timing(runs, steps, batched_s, loop_s / len(singles), len(singles), max(gaps),
                  (load_before, os.getloadavg()[0]))


def _tiny_copies():
    """benchmarks/tiny_copies.py as a module (this folder is not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_tiny_copies", Path(__file__).with_name("tiny_copies.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> Timing | dict:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--tiny" in argv:
        return _tiny_copies().main([a for a in argv if a != "--tiny"])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--loop-runs", type=int, default=5, help="runs timed in the Python loop (then scaled)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for these tiny ops)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    t = measure(args.runs, args.steps, args.loop_runs)
    print(f"{t.runs} runs of a depth-10 width-2 ReLU net, {t.steps} full-batch Adam steps, "
          f"{torch.get_num_threads()} torch thread(s), {os.cpu_count()} CPUs, "
          f"load average {t.load[0]:.1f} before / {t.load[1]:.1f} after")
    print(f"batched:       {t.batched_s:8.1f} s")
    print(f"Python loop:   {t.loop_s:8.1f} s  ({t.loop_per_run_s:.2f} s per run, measured on {t.loop_runs} runs)")
    print(f"speed-up:      {t.speedup:8.1f}x")
    print(f"largest |final loss, batched - alone| over the timed runs: {t.max_loss_gap:.2e} (float32)")
    return t


if __name__ == "__main__":
    main()
