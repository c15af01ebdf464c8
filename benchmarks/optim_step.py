"""Step time of trainlab's optimizers against torch.optim's for-loop, foreach and fused versions.

16M float32 parameters laid out as 1, 200 or 2000 tensors, gradients fixed; each
measurement is one ``optimizer.step()``. Variants are timed round-robin (one step
of each in turn, ``--reps`` rounds) so that background load falls on all of them
alike; the table shows medians and the ratio trainlab / torch-foreach (below 1
means trainlab is faster).

Run:
    python benchmarks/optim_step.py                 # all optimizers, all layouts
    python benchmarks/optim_step.py --only Adam,SGD --layouts 200 --reps 30
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from rich.console import Console
from rich.table import Table

import trainlab.optim as tl

TOTAL = 16 * 1024 * 1024

# name -> (trainlab class, torch class, kwargs, torch has fused on this device)
CASES = {
    "SGD": (tl.SGD, torch.optim.SGD, {"lr": 1e-3}, True),
    "SGD momentum": (tl.SGD, torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9}, True),
    "SGD nesterov+wd": (tl.SGD, torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4}, True),
    "Adagrad": (tl.Adagrad, torch.optim.Adagrad, {"lr": 1e-2}, True),
    "RMSprop": (tl.RMSprop, torch.optim.RMSprop, {"lr": 1e-3}, False),
    "RMSprop momentum": (tl.RMSprop, torch.optim.RMSprop, {"lr": 1e-3, "momentum": 0.9}, False),
    "Adadelta": (tl.Adadelta, torch.optim.Adadelta, {"lr": 1.0}, False),
    "Adam": (tl.Adam, torch.optim.Adam, {"lr": 1e-3}, True),
    "AdamW": (tl.AdamW, torch.optim.AdamW, {"lr": 1e-3}, True),
    "Adam amsgrad": (tl.Adam, torch.optim.Adam, {"lr": 1e-3, "amsgrad": True}, True),
    "Adamax": (tl.Adamax, torch.optim.Adamax, {"lr": 2e-3}, False),
    "NAdam": (tl.NAdam, torch.optim.NAdam, {"lr": 2e-3}, False),
    "RAdam": (tl.RAdam, torch.optim.RAdam, {"lr": 1e-3}, False),
    "ASGD": (tl.ASGD, torch.optim.ASGD, {"lr": 1e-2}, False),
}


def make_params(n_tensors: int, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    sizes = [TOTAL // n_tensors] * n_tensors
    sizes[-1] += TOTAL - sum(sizes)
    params = []
    for s in sizes:
        p = torch.nn.Parameter(torch.randn(s, generator=g))
        p.grad = torch.randn(s, generator=g) * 1e-3
        params.append(p)
    return params


def variants(name: str, n_tensors: int) -> dict[str, torch.optim.Optimizer]:
    ours, theirs, kwargs, has_fused = CASES[name]
    out = {
        "trainlab": ours(make_params(n_tensors), **kwargs),
        "torch for-loop": theirs(make_params(n_tensors), **kwargs, foreach=False),
        "torch foreach": theirs(make_params(n_tensors), **kwargs, foreach=True),
    }
    if has_fused:
        out["torch fused"] = theirs(make_params(n_tensors), **kwargs, fused=True)
    return out


def time_round_robin(opts: dict[str, torch.optim.Optimizer], reps: int, warmup: int = 3) -> dict[str, float]:
    for opt in opts.values():
        for _ in range(warmup):
            opt.step()
    times: dict[str, list[float]] = {k: [] for k in opts}
    keys = list(opts)
    for r in range(reps):
        order = keys[r % len(keys):] + keys[: r % len(keys)]
        for k in order:
            t0 = time.perf_counter()
            opts[k].step()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--layouts", default="1,200,2000", help="numbers of tensors")
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(CASES)
    layouts = [int(v) for v in args.layouts.split(",")]
    table = Table(title=f"optimizer.step() on 16M float32 parameters, median ms over {args.reps} round-robin reps, "
                        f"{args.threads} threads")
    for col in ("optimizer", "tensors", "trainlab", "torch for-loop", "torch foreach", "torch fused",
                "trainlab / foreach", "trainlab / fused"):
        table.add_column(col, justify="left" if col == "optimizer" else "right")
    worst = 0.0
    for name in names:
        for n in layouts:
            ms = time_round_robin(variants(name, n), args.reps)
            ratio = ms["trainlab"] / ms["torch foreach"]
            worst = max(worst, ratio)
            fused = ms.get("torch fused")
            table.add_row(
                name, str(n), f"{ms['trainlab']:.1f}", f"{ms['torch for-loop']:.1f}", f"{ms['torch foreach']:.1f}",
                "-" if fused is None else f"{fused:.1f}", f"{ratio:.2f}",
                "-" if fused is None else f"{ms['trainlab'] / fused:.2f}",
            )
    console = Console()
    console.print(table)
    console.print(f"worst trainlab / torch-foreach ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
