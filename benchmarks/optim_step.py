"""Optimizer steps against the memory-bandwidth roofline, trainlab (reference and fused) beside torch.optim.

An optimizer step on many parameters is a streaming job: its floor is the bytes it
must move (read the parameter, the gradient and each state; write the parameter
and each state) divided by the memory bandwidth. This benchmark measures, in one
run and round-robin (one step of each in turn, ``--reps`` rounds, so background
load falls on all alike), for 16M float32 parameters laid out as 1, 200 or 2000
tensors, gradients fixed:

* trainlab's reference step and its ``fused=True`` step, torch's fastest step for
  the same optimizer (fused where torch has it on this device, else foreach), and
  torch's fused Adam on the same layout (the anchor every optimizer is compared with);
* the stream bandwidth of the same memory: ``copy`` (``a = b``) and ``triad``
  (``a = b + s c``) over 16M float32, counting the write-allocate read of ``a``
  that a cached store costs (12 and 16 bytes/element): the bytes the memory really
  moves, as for an optimizer, which reads every buffer it writes;
* the roofline of each optimizer: its bytes/parameter times 16M divided by the triad
  bandwidth, and the fused step's achieved GB/s.

Each figure is a median; the table shows ratios (fused / roofline, fused / torch's
fused Adam). The first two fused steps (the first creates the states, one of
them compiles) are timed separately, in seconds, for the first layout of each
optimizer (the flat buffers of every layout have the same size, so later layouts
reuse the compiled step); Inductor's on-disk cache makes a second run faster. Single-threaded
by default (``--threads``).

Run:
    python benchmarks/optim_step.py --reps 7 --markdown --json docs/figures/performance/optim_step.json \
        --only "Adam,AdamW,NAdam,RAdam,Adamax,AdaBound,RMSprop,Adadelta,Adagrad,SGD momentum"
    python benchmarks/optim_step.py --only Adam,NAdam --layouts 200 --reps 30
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

import trainlab.optim as tl

TOTAL = 16 * 1024 * 1024

# name -> (trainlab class, torch class or None, kwargs, tensors read, tensors written, torch fused on CPU)
# read/written count the parameter, the gradient (read only) and each state buffer
CASES = {
    "Adam": (tl.Adam, torch.optim.Adam, {"lr": 1e-3}, 4, 3, True),
    "AdamW": (tl.AdamW, torch.optim.AdamW, {"lr": 1e-3}, 4, 3, True),
    "Adam amsgrad": (tl.Adam, torch.optim.Adam, {"lr": 1e-3, "amsgrad": True}, 5, 4, True),
    "NAdam": (tl.NAdam, torch.optim.NAdam, {"lr": 2e-3}, 4, 3, False),
    "RAdam": (tl.RAdam, torch.optim.RAdam, {"lr": 1e-3}, 4, 3, False),
    "Adamax": (tl.Adamax, torch.optim.Adamax, {"lr": 2e-3}, 4, 3, False),
    "AdaBound": (tl.AdaBound, None, {"lr": 1e-3}, 4, 3, False),
    "RMSprop": (tl.RMSprop, torch.optim.RMSprop, {"lr": 1e-3}, 3, 2, False),
    "RMSprop momentum": (tl.RMSprop, torch.optim.RMSprop, {"lr": 1e-3, "momentum": 0.9}, 4, 3, False),
    "Adadelta": (tl.Adadelta, torch.optim.Adadelta, {"lr": 1.0}, 4, 3, False),
    "Adagrad": (tl.Adagrad, torch.optim.Adagrad, {"lr": 1e-2}, 3, 2, True),
    "SGD": (tl.SGD, torch.optim.SGD, {"lr": 1e-3}, 2, 1, True),
    "SGD momentum": (tl.SGD, torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9}, 3, 2, True),
    # ax = p is copied (not read) while mu = 1: its write-allocate read counts as a read
    "ASGD": (tl.ASGD, torch.optim.ASGD, {"lr": 1e-2}, 3, 2, False),
}
ANCHOR = "torch fused Adam"


def make_params(n_tensors: int, seed: int = 0) -> list[torch.nn.Parameter]:
    g = torch.Generator().manual_seed(seed)
    sizes = [TOTAL // n_tensors] * n_tensors
    sizes[-1] += TOTAL - sum(sizes)
    params = []
    for s in sizes:
        p = torch.nn.Parameter(torch.randn(s, generator=g))
        p.grad = torch.randn(s, generator=g) * 1e-3
        params.append(p)
    return params


def clone_params(source: list[torch.nn.Parameter]) -> list[torch.nn.Parameter]:
    out = []
    for s in source:
        p = torch.nn.Parameter(s.detach().clone())
        p.grad = s.grad.clone()
        out.append(p)
    return out


class Stream:
    """A 'step' that moves memory the way STREAM does: copy (a = b) or triad (a = b + s c)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.a, self.b, self.c = (torch.rand(TOTAL) for _ in range(3))

    def step(self) -> None:
        if self.kind == "copy":
            self.a.copy_(self.b)
        else:
            torch.add(self.b, self.c, alpha=0.5, out=self.a)


def contenders(name: str, source: list[torch.nn.Parameter]) -> tuple[dict, float | None]:
    """The steppers of one case and layout, and the time of the fused optimizer's first two steps (s)."""
    ours, theirs, kwargs, *_, has_fused = CASES[name]
    out = {"trainlab": ours(clone_params(source), **kwargs)}
    fused = ours(clone_params(source), **kwargs, fused=True)
    t0 = time.perf_counter()
    fused.step()  # creates the states (eager, on the flat buffers) or records and compiles
    fused.step()  # records and compiles (unless the same program was compiled before)
    compile_s = time.perf_counter() - t0
    out["trainlab fused"] = fused
    if theirs is not None:  # torch's fastest path on this device
        if has_fused:
            out["torch fused"] = theirs(clone_params(source), **kwargs, fused=True)
        else:
            out["torch foreach"] = theirs(clone_params(source), **kwargs, foreach=True)
    out[ANCHOR] = torch.optim.Adam(clone_params(source), lr=1e-3, fused=True)
    out["copy"], out["triad"] = Stream("copy"), Stream("triad")
    return out, compile_s


def time_round_robin(steppers: dict, reps: int, warmup: int = 2) -> dict[str, float]:
    for s in steppers.values():
        for _ in range(warmup):
            s.step()
    times: dict[str, list[float]] = {k: [] for k in steppers}
    keys = list(steppers)
    for r in range(reps):
        order = keys[r % len(keys):] + keys[: r % len(keys)]
        for k in order:
            t0 = time.perf_counter()
            steppers[k].step()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def measure(name: str, n_tensors: int, source, reps: int, compiled_before: set[str]) -> dict:
    steppers, compile_s = contenders(name, source)
    ms = time_round_robin(steppers, reps)
    _, _, _, reads, writes, _ = CASES[name]
    bytes_per_param = 4 * (reads + writes)
    triad_gbs = 16 * TOTAL / ms["triad"] / 1e6
    copy_gbs = 12 * TOTAL / ms["copy"] / 1e6
    roofline = bytes_per_param * TOTAL / triad_gbs / 1e6
    first = name not in compiled_before
    compiled_before.add(name)
    return {
        "optimizer": name, "tensors": n_tensors, "bytes_per_param": bytes_per_param,
        "ms": {k: round(v, 3) for k, v in ms.items() if k not in ("copy", "triad")},
        "copy_GBps": round(copy_gbs, 2), "triad_GBps": round(triad_gbs, 2), "roofline_ms": round(roofline, 3),
        "fused_over_roofline": round(ms["trainlab fused"] / roofline, 3),
        "reference_over_roofline": round(ms["trainlab"] / roofline, 3),
        "fused_over_torch_fused_adam": round(ms["trainlab fused"] / ms[ANCHOR], 3),
        "fused_GBps": round(bytes_per_param * TOTAL / ms["trainlab fused"] / 1e6, 2),
        "first_two_steps_s": round(compile_s, 2) if first else None,
    }


def _fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


HEADER = ("optimizer", "tensors", "B/param", "reference ms", "fused ms", "torch foreach ms", "torch fused ms",
          "torch fused Adam ms", "roofline ms", "fused / roofline", "fused / torch fused Adam", "fused GB/s",
          "triad GB/s", "first 2 fused steps s")


def cells(r: dict) -> list[str]:
    ms = r["ms"]
    return [r["optimizer"], str(r["tensors"]), str(r["bytes_per_param"]), _fmt(ms["trainlab"]),
            _fmt(ms["trainlab fused"]), _fmt(ms.get("torch foreach")), _fmt(ms.get("torch fused")),
            _fmt(ms[ANCHOR]), _fmt(r["roofline_ms"]), _fmt(r["fused_over_roofline"], 2),
            _fmt(r["fused_over_torch_fused_adam"], 2), _fmt(r["fused_GBps"]), _fmt(r["triad_GBps"]),
            _fmt(r["first_two_steps_s"])]


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--layouts", default="1,200,2000", help="numbers of tensors")
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", default="", help="write the results to this JSON file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(CASES)
    layouts = [int(v) for v in args.layouts.split(",")]
    load_before = os.getloadavg()
    rows, compiled = [], set()
    for n in layouts:
        source = make_params(n)
        for name in names:
            rows.append(measure(name, n, source, args.reps, compiled))
            print(" | ".join(cells(rows[-1])), flush=True)
    print()
    if args.markdown:
        print(markdown(rows))
    if args.json:
        out = {
            "command": "python benchmarks/optim_step.py " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in (("only", args.only), ("layouts", args.layouts),
                                                           ("reps", args.reps), ("threads", args.threads)) if v),
            "torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "threads": args.threads, "parameters": TOTAL, "dtype": "float32",
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": rows,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
