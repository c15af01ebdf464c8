"""`trainlab race` now (validation race, runs vectorized, early stopping) vs the race before it, 1 vs default threads.

The anchor is the race as ``trainlab race`` ran it before: ``compare_time_to_target``
(every rate of each grid, one seed, 1000 full-batch steps, no early stopping),
still in the library. Both are timed in this run on the same optimizers, each with
torch's default thread count (what ``make run`` used before) and with one thread
(what ``trainlab race`` sets now), one after the other so that they see about the
same machine load; the table gives each time and its ratio to the new race on one
thread. The new race does more work per optimizer in one way (``--seeds``
initializations) and less in another (runs stop ``patience`` steps after their
best validation loss, and leave the stack when they do).

That each run of the new race equals the same run trained alone is tested
(tests/experiments/test_optimizer_race.py), not timed here.

Run:
    python benchmarks/race.py                                     # sgd, adam, rmsprop-nesterov
    python benchmarks/race.py --optimizers sgd,adam --seeds 5 --skip-default-threads
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import torch

from trainlab.experiments.optimizer_race import run_race
from trainlab.experiments.time_to_target import compare_time_to_target


def _timed(fn: Callable[[], object], threads: int) -> float:
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        torch.set_num_threads(before)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizers", default="sgd,adam,rmsprop-nesterov", help="comma-separated names")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the new race (the old one ran one)")
    parser.add_argument("--skip-default-threads", action="store_true",
                        help="time one thread only (default threads can take minutes on a busy machine)")
    args = parser.parse_args(argv)
    names = [n for n in args.optimizers.split(",") if n]
    default = torch.get_num_threads()
    compare_time_to_target(names[:1], steps=5)  # one-time start-up costs (imports), untimed
    run_race(names[:1], steps=5, seeds=1)
    load_before = os.getloadavg()[0]
    old = lambda: compare_time_to_target(names, steps=args.steps)  # noqa: E731
    new = lambda: run_race(names, steps=args.steps, seeds=args.seeds)  # noqa: E731
    same_seeds = lambda: run_race(names, steps=args.steps, seeds=1)  # noqa: E731
    times = {"new, 1 thread": _timed(new, 1), "before, 1 thread": _timed(old, 1),
             "new with 1 seed, 1 thread": _timed(same_seeds, 1)}
    if not args.skip_default_threads and default > 1:
        times[f"new, {default} threads"] = _timed(new, default)
        times[f"before, {default} threads (make run before)"] = _timed(old, default)
    anchor = times["new, 1 thread"]
    print(f"race of {', '.join(names)}: up to {args.steps} steps; new race {args.seeds} seeds, before 1 seed; "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    print(f"{'what':44s} {'seconds':>9s} {'÷ new, 1 thread':>16s}")
    for label, seconds in times.items():
        print(f"{label:44s} {seconds:9.1f} {seconds / anchor:15.1f}x")
    return times


if __name__ == "__main__":
    main()
