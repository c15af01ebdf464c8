"""`trainlab race` batched (each optimizer's grid x seeds as one stacked model) vs one run at a time.

Runs ``compare_time_to_target`` over every first-order optimizer with the
default steps, once with the stacked engine and once through the one-at-a-time
path (``batched=False``), alternating so that both see the same machine load,
and prints per optimizer the two wall times, their ratio, whether the rows
pick the same rate and steps to target and their final training MSEs, the total ratio and the load average before and after. A short
race of both paths runs first, untimed (one-time start-up costs).

The two paths agree to float64 rounding (tests/experiments/test_race_batched.py);
in the default float32 their rounding differs, and where a run is unstable (SGD
at its largest rate near the end of 1000 steps) that difference grows, so the
final losses of such rows can differ by a few percent.

Run:
    python benchmarks/race.py                     # all first-order optimizers, 1000 steps, 1 seed
    python benchmarks/race.py --seeds 5 --optimizers sgd,adam --steps 300
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from trainlab.experiments.time_to_target import STACKABLE, compare_time_to_target
from trainlab.optim import registry


def _gap(a, b) -> str:
    same = (a.lr, a.steps_to_target, a.stop_reason) == (b.lr, b.steps_to_target, b.stop_reason)
    return f"{'yes' if same else 'no':>15s}  {a.train_loss:8.5f} / {b.train_loss:8.5f}"


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizers", default="", help="comma-separated names (default: all first-order)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = [n for n in args.optimizers.split(",") if n] or registry.names("first_order")
    for batched in (True, False):  # warm-up, untimed
        compare_time_to_target(["sgd"], steps=5, batched=batched)
    load_before = os.getloadavg()[0]
    print(f"{'optimizer':26s} {'stacked':>5s} {'batched s':>10s} {'alone s':>10s} {'ratio':>7s}  "
          f"same rate+steps  train MSE batched / alone")
    totals = [0.0, 0.0]
    for name in names:
        times = []
        rows = []
        for batched in (True, False):
            start = time.perf_counter()
            rows.append(compare_time_to_target([name], steps=args.steps, seeds=args.seeds, batched=batched)[0])
            times.append(time.perf_counter() - start)
        totals[0] += times[0]
        totals[1] += times[1]
        print(f"{name:26s} {'yes' if name in STACKABLE else 'no':>5s} {times[0]:10.2f} {times[1]:10.2f} "
              f"{times[1] / times[0]:6.2f}x  {_gap(*rows)}")
    ratio = totals[1] / totals[0]
    print(f"{'all':26s} {'':5s} {totals[0]:10.2f} {totals[1]:10.2f} {ratio:6.2f}x")
    print(f"{args.steps} steps, {args.seeds} seed(s), {torch.get_num_threads()} torch thread(s), "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    return ratio


if __name__ == "__main__":
    main()
