"""Training on one thread against torch's default thread count, from tiny to large models.

Each workload trains an MLP with ``trainlab.train.Trainer`` and ``torch.optim.Adam``
for ``--steps`` steps (fewer for the larger ones: about ``--steps`` x 10^6
multiply-adds in all), alternately on 1 thread and on torch's default count (the
number of cores), ``--repeats`` times; the table gives the median wall time per
step of each, their ratio (default ÷ one thread: above 1, the extra threads cost
time), the multiply-adds of one forward pass and the count ``trainlab.threads``
chooses for it with every core idle and with the cores free at the end of the run. The machine's load average is printed beside: on a machine whose
cores are busy, extra threads wait for them. Results go to
``docs/figures/performance/threads.json``.

Run:
    python benchmarks/threads.py
    python benchmarks/threads.py --steps 50 --repeats 3 --out /tmp/threads.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

from trainlab.atomic import atomic_write_text
from trainlab.nn import MLP
from trainlab.threads import choose_threads, forward_work
from trainlab.train import Trainer

DEFAULT_OUT = os.path.join("docs", "figures", "performance", "threads.json")
# name: (widths, rows, batch_size)
WORKLOADS = {
    "tiny 1-100-1, 100 rows, full batch": ([1, 100, 1], 100, None),
    "diabetes-size 10-64-64-1, batch 32": ([10, 64, 64, 1], 442, 32),
    "10-128-128-1, 1024 rows, full batch": ([10, 128, 128, 1], 1024, None),
    "10-256-256-1, 2048 rows, full batch": ([10, 256, 256, 1], 2048, None),
}


def time_per_step(widths: list[int], rows: int, batch_size: int | None, steps: int, threads: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.randn(rows, widths[0])
    y = torch.sin(x.sum(1, keepdim=True))
    model = MLP(widths, activation="tanh")
    per_epoch = 1 if batch_size is None else -(-rows // batch_size)
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-3), epochs=max(1, steps // per_epoch),
                      batch_size=batch_size)
    start = time.perf_counter()
    trainer.fit((x, y))
    return (time.perf_counter() - start) / (max(1, steps // per_epoch) * per_epoch)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    default = torch.get_num_threads()
    rows = []
    for name, (widths, n, batch) in WORKLOADS.items():
        work = forward_work(widths, batch or n)
        steps = max(5, min(args.steps, args.steps * 10 ** 6 // work))
        one, many = [], []
        for _ in range(args.repeats):
            one.append(time_per_step(widths, n, batch, steps, 1))
            many.append(time_per_step(widths, n, batch, steps, default))
        ratios = [m / o for m, o in zip(many, one, strict=True)]
        rows.append({"workload": name, "work": work, "steps": steps, "chosen_threads": choose_threads(work, default),
                     "chosen_now": choose_threads(work),
                     "one_thread_ms": 1e3 * statistics.median(one), "default_ms": 1e3 * statistics.median(many),
                     "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)})
        print(f"  {name}: {rows[-1]['ratio']:.2f}", flush=True)
    torch.set_num_threads(default)
    load = os.getloadavg()
    print(f"default threads: {default}; cores: {os.cpu_count()}; load average {load[0]:.1f}")
    print(f"{'workload':38} {'MACs/pass':>10} {'rule idle/now':>13} {'1 thread ms':>11} {f'{default} threads ms':>13} "
          f"{'ratio':>6} {'min-max':>11}")
    for r in rows:
        rule = f"{r['chosen_threads']}/{r['chosen_now']}"
        print(f"{r['workload']:38} {r['work']:>10.3g} {rule:>13} {r['one_thread_ms']:>11.3f} "
              f"{r['default_ms']:>13.3f} {r['ratio']:>6.2f} {r['ratio_min']:>5.2f}-{r['ratio_max']:.2f}")
    command = " ".join(["python benchmarks/threads.py", *(argv if argv is not None else sys.argv[1:])])
    result = {"command": command, "torch": torch.__version__, "default_threads": default,
              "cores": os.cpu_count(), "load_average": list(load), "steps": args.steps, "repeats": args.repeats,
              "rows": rows}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    atomic_write_text(args.out, json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
