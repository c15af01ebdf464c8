"""Which defaults should ``BFGS`` have? Evaluation counts on the Moré–Garbow–Hillstrom set vs scipy.

For every problem of ``trainlab.problems.mgh`` (17 problems, n = 2..20) and each of
its starts (``x0``, and ``10 x0``, ``100 x0`` where the literature uses them: 39
runs), each candidate setting of ``BFGS`` (line search, first trial step, scaling
of ``H_0``, curvature constant ``c2``) and ``scipy.optimize.minimize(method="BFGS")``
run in float64 until the first accepted iterate with ``max|g| <= 1e-5`` (scipy's
default ``gtol`` and norm), and the table counts the distinct points where ``f``
and its gradient were evaluated until then (a cache serves repeats: torch's closure
protocol re-evaluates the current point at the start of every ``step``). A run
*reaches* the global minimum when ``f - f* <= 1e-6 max(1, |f*|)`` there (``f*``
from the paper); a run that never meets the gradient test is charged every
evaluation it made (at most 20,000) and judged by its last point.

The defaults are the candidate with the smallest total over the runs where scipy
reaches the global minimum, among those that reach it on every one of them.

Run:  PYTHONPATH=src python benchmarks/bfgs_defaults.py [--markdown] [--per-run]
"""

from __future__ import annotations

import argparse
import itertools
import warnings
from collections.abc import Callable

import numpy as np
import scipy.optimize
import torch

from trainlab.optim.second_order import BFGS, StopReason
from trainlab.problems import mgh

GTOL = 1e-5
MAX_EVALS = 20_000
# one iteration per ``step``, no stopping test of its own: the gradient test ends the run
FREE = dict(max_iter=1, max_eval=10**6, tolerance_grad=0, tolerance_change=0)
CANDIDATES: dict[str, dict] = {
    f"{ls}, {init}, scale {scale}, c2 {c2}":
        dict(line_search_fn=ls, initial_step=init, scale_initial=scale, c2=c2)
    for ls, init, scale, c2 in itertools.product(
        ("strong_wolfe", "more_thuente"), ("lr", "previous_decrease"), (True, False), (0.9, 0.5))
}
SCIPY_LIKE = "more_thuente, previous_decrease, scale False, c2 0.9"  # scipy's own choices
CHOSEN = "strong_wolfe, previous_decrease, scale False, c2 0.5"  # BFGS's defaults, from the table this prints


class Counter:
    """``f`` and its gradient with a cache: counts distinct evaluation points."""

    def __init__(self, problem: mgh.MGHProblem) -> None:
        self.problem, self.cache, self.count = problem, {}, 0

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        key = np.asarray(x, dtype=np.float64).tobytes()
        if key not in self.cache:
            self.count += 1
            t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            with torch.enable_grad():
                f = self.problem.value(t)
                (g,) = torch.autograd.grad(f, t)
            self.cache[key] = (float(f.detach()), g.numpy())
        return self.cache[key]


def measure(problem: mgh.MGHProblem, scale: float, run: Callable) -> tuple[int, bool]:
    """Evaluations until the gradient test holds (or all of them), and whether ``f*`` was reached."""
    counter = Counter(problem)
    hit: list[tuple[int, float]] = []

    def on_iterate(x: np.ndarray) -> bool:
        f, g = counter(np.asarray(x, dtype=np.float64))  # already evaluated: not counted again
        if not hit and np.abs(g).max() <= GTOL:
            hit.append((counter.count, f))
        return bool(hit) or counter.count >= MAX_EVALS

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        final = run(counter, problem.start(scale).numpy(), on_iterate)
    evals, f = hit[0] if hit else (counter.count, counter(final)[0])
    return evals, bool(np.isfinite(f) and problem.reached(f))


def scipy_bfgs(fun: Counter, x0: np.ndarray, on_iterate: Callable) -> np.ndarray:
    res = scipy.optimize.minimize(fun, x0, jac=True, method="BFGS", callback=on_iterate,
                                  options={"gtol": GTOL, "maxiter": MAX_EVALS})
    on_iterate(res.x)
    return res.x


def trainlab_bfgs(settings: dict) -> Callable:
    def run(fun: Counter, x0: np.ndarray, on_iterate: Callable) -> np.ndarray:
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        opt = BFGS([x], **FREE, **settings)

        def closure() -> torch.Tensor:
            value, grad = fun(x.detach().numpy().copy())
            x.grad = torch.tensor(grad)
            return torch.tensor(value, dtype=torch.float64)

        while True:
            opt.step(closure)
            if on_iterate(x.detach().numpy().copy()) or opt.stop_reason is not StopReason.BUDGET:
                return x.detach().numpy()
    return run


def runs() -> list[tuple[str, mgh.MGHProblem, float]]:
    return [(f"{p.name} {s:g}x0", p, s) for p in mgh.PROBLEMS for s in p.scales]


def study(labels: list[str] | None = None) -> tuple[list[str], dict[str, list[tuple[int, bool]]]]:
    """Run names, and per method (``"scipy BFGS"`` and each candidate) the results per run."""
    cases = runs()
    methods = {"scipy BFGS": scipy_bfgs} | {k: trainlab_bfgs(CANDIDATES[k]) for k in labels or CANDIDATES}
    return [c[0] for c in cases], {label: [measure(p, s, run) for _, p, s in cases]
                                   for label, run in methods.items()}


def summary(results: dict[str, list[tuple[int, bool]]]) -> list[tuple[str, int, int, int, int]]:
    """Per method: reached (all runs), reached where scipy does, total evaluations where scipy
    reaches the global minimum, runs with fewer evaluations than scipy; best first."""
    scipy = results["scipy BFGS"]
    mask = [ok for _, ok in scipy]
    rows = []
    for label, res in results.items():
        total = sum(e for (e, _), m in zip(res, mask, strict=True) if m)
        where = sum(ok for (_, ok), m in zip(res, mask, strict=True) if m)
        fewer = sum(e < s for (e, _), (s, _) in zip(res, scipy, strict=True))
        rows.append((label, sum(ok for _, ok in res), where, total, fewer))
    return sorted(rows, key=lambda r: (-r[2], r[3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--per-run", action="store_true", help="also print evaluations per run")
    args = parser.parse_args()
    names, results = study()
    n, needed = len(names), sum(ok for _, ok in results["scipy BFGS"])
    header = ["method", f"reached f* (of {n})", f"reached where scipy does (of {needed})",
              "evaluations where scipy reaches f*", f"runs with fewer evaluations than scipy (of {n})"]
    rows = [[label, str(a), str(b), str(c), str(d)] for label, a, b, c, d in summary(results)]
    _table(header, rows, args.markdown)
    best = next(label for label, _, where, _, _ in summary(results) if label != "scipy BFGS" and where == needed)
    print(f"\nbest: {best}; BFGS's defaults: {CHOSEN}" + ("" if best == CHOSEN else "  <- differ"))
    if args.per_run:
        shown = ["scipy BFGS", CHOSEN, SCIPY_LIKE]
        print()
        _table(["run", *shown], [[name, *(f"{results[m][i][0]}{'' if results[m][i][1] else ' (not f*)'}"
                                          for m in shown)] for i, name in enumerate(names)], args.markdown)


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        for row in [header, ["---"] * len(header), *rows]:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


if __name__ == "__main__":
    main()
