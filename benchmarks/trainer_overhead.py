"""The Trainer's cost per step over a plain torch loop, as ratios measured in one run.

Two workloads, each trained by a plain loop (``zero_grad``, forward, ``backward``,
``step``) and by ``trainlab.train.Trainer`` from the same seed, data and
``torch.optim.Adam``; both must end with identical parameters (checked here,
bit for bit, before any timing is shown):

* ``tiny``: a 1-100-1 tanh MLP on 100 points, full batch (one step per epoch, so
  each step also pays the Trainer's end-of-epoch bookkeeping);
* ``diabetes``: a 10-64-64-1 ReLU MLP on scikit-learn's diabetes (442 x 10,
  standardized), mini-batches of 32.

The two loops alternate in ``--repeats`` rounds and each round times ``--steps``
steps in CPU time of the process (``time.process_time``: on a machine shared with
other work, wall time mostly measures the other work); the table shows the median
microseconds per step, the spread (min-max) of the per-round ratios and their median. The results go to
``docs/figures/performance/trainer_overhead.json``.

Run (one thread, as the figures in docs/performance.md):
    OMP_NUM_THREADS=1 python benchmarks/trainer_overhead.py
    python benchmarks/trainer_overhead.py --steps 200 --repeats 3 --out /tmp/overhead.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

import torch
from torch import Tensor, nn

from trainlab.atomic import atomic_write_text
from trainlab.nn import MLP
from trainlab.train import Trainer
from trainlab.train.descent import batch_order

DEFAULT_OUT = os.path.join("docs", "figures", "performance", "trainer_overhead.json")


def tiny() -> tuple[Tensor, Tensor, list[int], str, int | None]:
    x = torch.linspace(-1, 1, 100).reshape(-1, 1)
    return x, torch.sin(3 * x), [1, 100, 1], "tanh", None


def diabetes() -> tuple[Tensor, Tensor, list[int], str, int | None]:
    from trainlab.data import load_dataset

    ds = load_dataset("diabetes")
    x, y = torch.as_tensor(ds.X, dtype=torch.float32), torch.as_tensor(ds.y, dtype=torch.float32).reshape(-1, 1)
    x, y = (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()
    return x, y, [10, 64, 64, 1], "relu", 32


WORKLOADS: dict[str, Callable[[], tuple[Tensor, Tensor, list[int], str, int | None]]] = {
    "tiny": tiny, "diabetes": diabetes}


def build(widths: list[int], activation: str, seed: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    model = MLP(widths, activation=activation)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def plain_loop(x: Tensor, y: Tensor, widths: list[int], activation: str, batch_size: int | None,
               epochs: int, seed: int = 0) -> tuple[nn.Module, float]:
    """The loop a user writes by hand: the Trainer's batches, no bookkeeping. Returns (model, seconds)."""
    import numpy as np

    model, opt = build(widths, activation, seed)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    loss_fn = nn.MSELoss()
    start = time.process_time()
    for _ in range(epochs):
        for idx in batch_order(len(x), batch_size, rng):
            xb, yb = (x, y) if len(idx) == len(x) else (x[idx], y[idx])
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    return model, time.process_time() - start


def trainer_loop(x: Tensor, y: Tensor, widths: list[int], activation: str, batch_size: int | None,
                 epochs: int, seed: int = 0) -> tuple[nn.Module, float]:
    model, opt = build(widths, activation, seed)
    trainer = Trainer(model, opt, epochs=epochs, batch_size=batch_size, seed=seed)
    start = time.process_time()
    trainer.fit((x, y))
    return model, time.process_time() - start


def same_parameters(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def measure(name: str, steps: int, repeats: int) -> dict[str, object]:
    x, y, widths, activation, batch_size = WORKLOADS[name]()
    per_epoch = len(batch_order(len(x), batch_size, __import__("numpy").random.default_rng(0)))
    epochs = max(1, steps // per_epoch)
    n_steps = epochs * per_epoch
    check_epochs = max(1, 50 // per_epoch)
    plain_model, _ = plain_loop(x, y, widths, activation, batch_size, check_epochs)
    trainer_model, _ = trainer_loop(x, y, widths, activation, batch_size, check_epochs)
    if not same_parameters(plain_model, trainer_model):
        raise SystemExit(f"{name}: the Trainer and the plain loop end with different parameters")
    plain_us, trainer_us = [], []
    for _ in range(repeats):
        plain_us.append(plain_loop(x, y, widths, activation, batch_size, epochs)[1] / n_steps * 1e6)
        trainer_us.append(trainer_loop(x, y, widths, activation, batch_size, epochs)[1] / n_steps * 1e6)
    ratios = [t / p for t, p in zip(trainer_us, plain_us, strict=True)]
    return {"workload": name, "widths": widths, "batch_size": batch_size, "points": len(x), "steps": n_steps,
            "repeats": repeats, "plain_us": statistics.median(plain_us), "trainer_us": statistics.median(trainer_us),
            "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
            "same_parameters": True}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per timed round (default 2000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per loop (default 7)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"JSON results file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    rows = [measure(name, args.steps, args.repeats) for name in WORKLOADS]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); identical parameters: yes")
    print(f"{'workload':10} {'batch':>6} {'steps':>6} {'plain µs/step':>14} {'Trainer µs/step':>16} "
          f"{'ratio':>6} {'min-max':>11}")
    for r in rows:
        batch = "full" if r["batch_size"] is None else r["batch_size"]
        print(f"{r['workload']:10} {batch!s:>6} {r['steps']:>6} {r['plain_us']:>14.1f} {r['trainer_us']:>16.1f} "
              f"{r['ratio']:>6.3f} {r['ratio_min']:>5.2f}-{r['ratio_max']:.2f}")
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["OMP_NUM_THREADS=1 python benchmarks/trainer_overhead.py", *given])
    result = {"command": command, "torch": torch.__version__,
              "threads": torch.get_num_threads(), "load_average": list(os.getloadavg()), "rows": rows}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    atomic_write_text(args.out, json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
