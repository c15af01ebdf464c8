"""Sweep throughput: trials per second with 1 and 2 local worker processes and with Ray Tune.

The same grid of small ``trainlab train`` runs (optimizers x learning rates x
seeds) is run three times into fresh folders: local backend with 1 worker (the
anchor), local with 2 workers, and Ray Tune with 2 CPUs (skipped, saying so,
when Ray is not installed). It prints trials/second and each as a ratio of the
anchor, plus the machine's load average (the ratios are what to compare across
machines; a machine shared with other work lowers them). The start-up of worker
processes and of Ray is part of each time: it is what a user waits for.

Run:
    python benchmarks/sweep.py                    # 16 trials of 30 epochs on diabetes
    python benchmarks/sweep.py --epochs 5 --seeds 1
    python benchmarks/sweep.py --json docs/figures/sweep_benchmark.json   # the table of docs/scale.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
import time

from trainlab.train.sweep import run_sweep
from trainlab.train.sweep_spec import SweepSpec


def measure(spec: SweepSpec, backend: str, workers: int) -> tuple[float, int]:
    """Seconds for the whole sweep, and its trials."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        results = run_sweep(spec, out, backend=backend, workers=workers)
        elapsed = time.perf_counter() - start
    bad = [r for r in results if r.status not in ("completed", "diverged")]
    if bad:
        raise RuntimeError(f"{bad[0].trial.name}: {bad[0].status} {bad[0].error}")
    return elapsed, len(results)


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="diabetes")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--json", default=None, help="Also write the table (and the load average) to this file.")
    args = parser.parse_args(argv)
    spec = SweepSpec(base={"data": args.data, "hidden": [32], "epochs": args.epochs, "batch_size": 32},
                     grid={"optimizer": ["sgd", "adam"], "lr": [1e-3, 1e-2, 3e-2, 1e-1],
                           "seed": list(range(args.seeds))})
    load = os.getloadavg()[0]
    setups = [("local, 1 worker", "local", 1), ("local, 2 workers", "local", 2)]
    if importlib.util.find_spec("ray") is not None:
        setups.append(("ray tune, 2 CPUs", "ray", 2))
    rows = []
    for label, backend, workers in setups:
        seconds, trials = measure(spec, backend, workers)
        rows.append((label, trials / seconds, seconds))
    anchor = rows[0][1]
    print(f"{len(spec.trials())} trials of {args.epochs} epochs on {args.data}; "
          f"load average {load:.2f} -> {os.getloadavg()[0]:.2f}")
    print(f"{'backend':<20} {'trials/s':>9} {'seconds':>8} {'vs 1 worker':>12}")
    for label, rate, seconds in rows:
        print(f"{label:<20} {rate:>9.3f} {seconds:>8.1f} {rate / anchor:>11.2f}x")
    if len(rows) < 3:
        print("ray tune: not installed (pip install 'trainlab[ray]')")
    if args.json:
        table = [{"backend": label, "trials_per_s": rate, "seconds": seconds, "vs_1_worker": rate / anchor}
                 for label, rate, seconds in rows]
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"trials": len(spec.trials()), "epochs": args.epochs, "data": args.data, "cpus": os.cpu_count(),
                       "load_average": [load, os.getloadavg()[0]], "rows": table}, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
