"""Function evaluations to converge: trainlab BFGS / L-BFGS vs scipy and torch.optim.LBFGS.

For each problem (Rosenbrock from (-1.2, 1), Beale from (1, 1), extended Rosenbrock
n=10 from (-1.2, 1, ..., -1.2, 1)) and each method, the table gives the number of
distinct points at which f and its gradient were evaluated before the first
*accepted iterate* within ``--tol`` (default 1e-6, Euclidean) of the known minimum.
Every method runs in float64 with tight internal tolerances so that its own stopping
test does not end the run first; a repeated evaluation at an already evaluated point
is served from a cache and not counted (torch's closure protocol re-evaluates the
current point at the start of every ``step``).

``--random-starts N`` adds a second table: each BFGS variant against scipy's BFGS from
N random starts on each of Rosenbrock ([-2, 2]^2), Beale ([-2, 2]^2) and extended
Rosenbrock n=6 ([-1.5, 1.5]^6): how often it reaches the global minimum, how often with
no more evaluations than scipy, and the median ratio of evaluations to scipy's where
both reach it.

Run:  PYTHONPATH=src python benchmarks/second_order.py [--tol 1e-6] [--markdown] [--random-starts 10]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import scipy.optimize
import torch

from trainlab import problems
from trainlab.optim.second_order import BFGS, LBFGS, ConjugateGradient

CASES = [("rosenbrock", {}, (-1.2, 1.0)), ("beale", {}, (1.0, 1.0)), ("rosenbrock", {"dim": 10}, None)]


class Counter:
    """f and grad with a cache: counts distinct evaluation points."""

    def __init__(self, prob: problems.Problem) -> None:
        self.prob, self.cache, self.count = prob, {}, 0

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        key = np.asarray(x, dtype=np.float64).tobytes()
        if key not in self.cache:
            self.count += 1
            t = torch.tensor(x, dtype=torch.float64)
            self.cache[key] = (float(self.prob.value(t)), self.prob.grad(t).numpy())
        return self.cache[key]


def first_hit(prob: problems.Problem, start: tuple[float, ...], run: Callable, tol: float) -> tuple[int | None, float]:
    """Evaluations before the first iterate within ``tol`` of the minimum, and the final distance."""
    counter = Counter(prob)
    target = np.array(prob.global_minimum)
    hit: list[int] = []

    def on_iterate(x: np.ndarray) -> bool:
        if not hit and np.linalg.norm(np.asarray(x) - target) <= tol:
            hit.append(counter.count)
        return bool(hit)

    final = run(counter, np.array(start, dtype=np.float64), on_iterate)
    return (hit[0] if hit else None), float(np.linalg.norm(final - target))


def scipy_method(method: str) -> Callable:
    def run(fun: Counter, x0: np.ndarray, on_iterate: Callable) -> np.ndarray:
        opts = {"gtol": 1e-12, "maxiter": 10_000}
        if method == "L-BFGS-B":
            opts.update(ftol=1e-15, maxfun=20_000)
        res = scipy.optimize.minimize(fun, x0, jac=True, method=method, options=opts,
                                      callback=lambda xk: on_iterate(xk))
        on_iterate(res.x)
        return res.x
    return run


def torch_style(make: Callable) -> Callable:
    """One ``step`` per iteration (state carries over), checking the iterate after each."""
    def run(fun: Counter, x0: np.ndarray, on_iterate: Callable) -> np.ndarray:
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        opt = make([x])

        def closure() -> torch.Tensor:
            value, grad = fun(x.detach().numpy().copy())
            x.grad = torch.tensor(grad)
            return torch.tensor(value, dtype=torch.float64)

        for _ in range(2000):
            opt.step(closure)
            if on_iterate(x.detach().numpy().copy()) or fun.count > 20_000:
                break
        return x.detach().numpy()
    return run


# one iteration per ``step``, no evaluation budget, no stopping test: the hit test ends the run
FREE = dict(max_iter=1, max_eval=10**6, tolerance_grad=0, tolerance_change=0)

METHODS: dict[str, Callable] = {
    "trainlab BFGS": torch_style(lambda p: BFGS(p, **FREE)),
    "trainlab BFGS, scipy's settings": torch_style(lambda p: BFGS(p, **FREE, line_search_fn="more_thuente", c2=0.9)),
    "trainlab BFGS, more_thuente": torch_style(lambda p: BFGS(p, **FREE, line_search_fn="more_thuente")),
    "trainlab BFGS, scale_initial=True": torch_style(lambda p: BFGS(p, **FREE, scale_initial=True)),
    "trainlab LBFGS": torch_style(lambda p: LBFGS(p, **FREE)),
    "trainlab LBFGS m=10": torch_style(lambda p: LBFGS(p, **FREE, history_size=10)),
    "trainlab LBFGS, more_thuente": torch_style(lambda p: LBFGS(p, **FREE, line_search_fn="more_thuente")),
    "trainlab CG (PR+)": torch_style(lambda p: ConjugateGradient(p, **FREE)),
    "scipy BFGS": scipy_method("BFGS"),
    "scipy L-BFGS-B": scipy_method("L-BFGS-B"),
    "torch LBFGS (strong_wolfe)": torch_style(lambda p: torch.optim.LBFGS(p, **FREE, line_search_fn="strong_wolfe")),
}


RANDOM_CASES = [("rosenbrock", {}, 2.0), ("beale", {}, 2.0), ("rosenbrock", {"dim": 6}, 1.5)]
BFGS_VARIANTS = ["trainlab BFGS", "trainlab BFGS, more_thuente", "trainlab BFGS, scale_initial=True",
                 "trainlab BFGS, scipy's settings"]


def random_start_study(count: int, tol: float) -> list[list[str]]:
    """Rows: method, reached, no more evaluations than scipy, median evaluation ratio (see the docstring)."""
    rng = np.random.default_rng(0)
    starts = [(name, kw, tuple(rng.uniform(-half, half, kw.get("dim", 2))))
              for name, kw, half in RANDOM_CASES for _ in range(count)]
    results = {label: [first_hit(problems.get(n, **kw), x0, METHODS[label], tol)[0] for n, kw, x0 in starts]
               for label in ["scipy BFGS", *BFGS_VARIANTS]}
    scipy_hits = results["scipy BFGS"]
    rows = []
    for label, hits in results.items():
        both = [(a, b) for a, b in zip(hits, scipy_hits) if a is not None and b is not None]
        no_more = sum(1 for a, b in zip(hits, scipy_hits) if a is not None and (b is None or a <= b))
        ratio = float(np.median([a / b for a, b in both])) if both else float("nan")
        reached = sum(h is not None for h in hits)
        rows.append([label, f"{reached}/{len(hits)}", f"{no_more}/{len(hits)}", f"{ratio:.2f}"])
    return rows


def print_table(header: list[str], rows: list[list[str]], markdown: bool, width: int) -> None:
    """Rows under a header: a markdown table, or columns ``width`` wide after a label column."""
    if markdown:
        for row in [header, ["---"] * len(header), *rows]:
            print("| " + " | ".join(row) + " |")
        return
    first = max(len(r[0]) for r in [header, *rows]) + 2
    for row in [header, *rows]:
        print(f"{row[0]:{first}s}" + "".join(f"{c:>{width}s}" for c in row[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--random-starts", type=int, default=0, help="BFGS variants from this many random starts")
    args = parser.parse_args()
    names = [f"{n}{p.get('dim', '')}" for n, p, _ in CASES]
    rows = []
    for label, run in METHODS.items():
        cells = []
        for name, kw, start in CASES:
            prob = problems.get(name, **kw)
            evals, dist = first_hit(prob, start or prob.starts[0], run, args.tol)
            cells.append("n/a" if evals is None else str(evals))
            if evals is None:
                cells[-1] += f" (dist {dist:.1e})"
        rows.append((label, cells))
    print_table(["method"] + [f"{n} evals" for n in names], [[label, *cells] for label, cells in rows],
                args.markdown, width=22)
    print(f"\nevaluations (f and gradient together) before the first iterate within {args.tol:g} of the minimum")
    if args.random_starts:
        header = ["method", "reached the global minimum", "no more evaluations than scipy BFGS",
                  "median evaluations / scipy's"]
        study = random_start_study(args.random_starts, args.tol)
        print(f"\n{args.random_starts} random starts on each of Rosenbrock, Beale and extended Rosenbrock n=6:\n")
        print_table(header, study, args.markdown, width=38)


if __name__ == "__main__":
    main()
