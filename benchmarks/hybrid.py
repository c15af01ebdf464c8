"""Adam alone vs Adam then L-BFGS vs LSGD at equal wall-time budgets, on the Brown/NVIDIA notes' targets.

J1: 100 points of x^2 + 0.1 U(0, 1) on [-1, 1] (the Brown/NVIDIA notes' torch code), a 1-100-1 ReLU
    network; tested on 1000 fresh noisy points (noise variance 1/1200 ~ 8.3e-4 is the floor).
J2: y = 5 + sum_{k=1..4} sin(kx) for x < 0, cos(10x) for x >= 0 on [-pi, pi]; 200 evenly
    spaced training points, 1000 evenly spaced test points; a 1-100-100-1 tanh network.
    The target jumps from 5 to 1 at x = 0, between the two training points closest to 0:
    the "test (|x|>gap)" column leaves out the 6 test points inside that gap, where no
    training point says where the jump is. A reference row scores the piecewise-linear
    interpolant of the training points (no training): what a continuous fit pays in the gap.

Each method gets the same wall-clock budget per run (``--budget`` seconds, default 2) and
the same network, initialization (per seed) and dtype; all runs use ``--threads`` torch
threads (default 1). The table gives the median over ``--seeds`` (default 5) seeds and the
range [min, max]. Timings depend on the machine and its load: compare rows of one run only.

Run:  PYTHONPATH=src python benchmarks/hybrid.py [--seeds 5] [--budget 2] [--dtype float64]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.experiments.hybrid import TASKS, Task, mse, mse_closure
from trainlab.nn import MLP
from trainlab.optim import Adam
from trainlab.train import LSGDTrainer
from trainlab.optim.phases import AtStep, Phase, PhasedOptimizer
from trainlab.optim.second_order import LBFGS


# -- the methods: each trains ``net`` on (x, y) until ``deadline`` --------------------------
def adam_alone(net: nn.Module, x: Tensor, y: Tensor, deadline: float, args: argparse.Namespace) -> str:
    opt = Adam(net.parameters(), lr=args.lr)
    closure, steps = mse_closure(net, x, y, opt), 0
    while time.perf_counter() < deadline:
        opt.step(closure)
        steps += 1
    return f"{steps} Adam steps"


def adam_then_lbfgs(net: nn.Module, x: Tensor, y: Tensor, deadline: float, args: argparse.Namespace) -> str:
    params = list(net.parameters())
    opt = PhasedOptimizer([
        Phase(Adam(params, lr=args.lr), until=AtStep(args.adam_steps)),
        Phase(LBFGS(params, max_iter=5, history_size=args.history, tolerance_grad=0.0, tolerance_change=0.0)),
    ])
    closure = mse_closure(net, x, y, opt)
    while time.perf_counter() < deadline:
        opt.step(closure)
    lbfgs = opt.phases[1].optimizer
    return f"Adam {min(opt.steps, args.adam_steps)} steps, L-BFGS {lbfgs.evaluations} evals"


def lsgd(net: nn.Module, x: Tensor, y: Tensor, deadline: float, args: argparse.Namespace) -> str:
    opt, steps = LSGDTrainer(net, lr=args.lr, ridge=args.ridge), 0
    while time.perf_counter() < deadline:
        opt.step(x, y)
        steps += 1
    opt.solve_head(x, y)  # end on the least-squares head for the final basis
    return f"{steps} LSGD steps"


METHODS = {"Adam": adam_alone, "Adam -> L-BFGS": adam_then_lbfgs, "LSGD": lsgd}


# -- the table ----------------------------------------------------------------------------------
def run_one(task: Task, method: Callable, seed: int, args: argparse.Namespace) -> dict[str, float | str]:
    dtype = getattr(torch, args.dtype)
    x, y, x_test, y_test = task.data(seed, dtype)
    torch.manual_seed(seed)
    net = MLP(list(task.widths), activation=task.activation).to(dtype)
    start = time.perf_counter()
    info = method(net, x, y, start + args.budget, args)
    wall = time.perf_counter() - start
    out: dict[str, float | str] = {"train": mse(net, x, y), "test": mse(net, x_test, y_test), "wall": wall, "info": info}
    if task.gap:
        keep = x_test.abs().squeeze(1) >= task.gap
        out["test_outside"] = mse(net, x_test[keep], y_test[keep])
    return out


def interpolation_row(task: Task, dtype: torch.dtype) -> list[str]:
    """The piecewise-linear interpolant of the training points, scored like the trained networks."""
    x, y, x_test, y_test = (t.squeeze(1).numpy() for t in task.data(0, dtype))
    pred = np.interp(x_test, x, y)
    err = (pred - y_test) ** 2
    train = float(((np.interp(x, x, y) - y) ** 2).mean())
    outside = f"{err[np.abs(x_test) >= task.gap].mean():.2e}" if task.gap else "-"
    return [task.name, "linear interpolation (reference)", f"{train:.2e}", f"{err.mean():.2e}", outside, "-",
            "no training"]


def summary(values: list[float], fmt: str = ".2e") -> str:
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=float, default=2.0, help="wall-clock seconds per run")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam's rate (alone, before L-BFGS, in LSGD)")
    parser.add_argument("--adam-steps", type=int, default=500, help="Adam steps before L-BFGS")
    parser.add_argument("--history", type=int, default=10, help="L-BFGS history size (scipy's L-BFGS-B default)")
    parser.add_argument("--ridge", type=float, default=1e-6, help="LSGD ridge weight")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"budget {args.budget:g} s per run, {args.seeds} seeds, {args.dtype}, {args.threads} thread(s), "
          f"Adam lr {args.lr:g}; median [min, max] over seeds\n")
    header = ["task", "method", "train MSE", "test MSE", "test (|x|>gap)", "wall s", "work (seed 0)"]
    rows = []
    for task_name in args.tasks:
        task = TASKS[task_name]
        for label, method in METHODS.items():
            run_one(task, method, 10_000, argparse.Namespace(**{**vars(args), "budget": 0.3}))  # warm-up, untimed
            runs = [run_one(task, method, seed, args) for seed in range(args.seeds)]
            outside = summary([r["test_outside"] for r in runs]) if task.gap else "-"
            rows.append([task_name, label, summary([r["train"] for r in runs]), summary([r["test"] for r in runs]),
                         outside, summary([r["wall"] for r in runs], ".2f"), str(runs[0]["info"])])
            print(" | ".join(rows[-1]), flush=True) if not args.markdown else None
        if task.gap:
            rows.append(interpolation_row(task, getattr(torch, args.dtype)))
            print(" | ".join(rows[-1]), flush=True) if not args.markdown else None
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
