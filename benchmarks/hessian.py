"""Hessian eigenvalues: trainlab's Lanczos vs PyHessian's power iteration (HVPs and wall time, one run).

Problem: an MLP 10-16-16-1 (tanh, float64, 465 parameters; ``--hidden``) trained for 300 full-batch
Adam steps on the standardized diabetes data (442 rows, MSE); the Hessian of the
training loss at the end. Reference: ``torch.linalg.eigvalsh`` of the dense Hessian
(``torch.func.hessian`` of the flat loss).

For the top 1, 5 and 20 eigenvalues (and the bottom 1 and 5):

* **PyHessian** (Yao et al. 2020, "PyHessian: Neural networks through the lens of
  the Hessian", IEEE BigData): ``hessian(model, criterion, data).eigenvalues(top_n=k,
  tol=tol, maxIter=max_iter)``, power iteration with deflation, stopping each
  eigenvalue when its estimate changes by less than ``tol`` (relative). Its HVPs are
  counted by wrapping ``pyhessian.hessian.hessian_vector_product``. If PyHessian is
  not installed, the table says so and ``power`` (the same algorithm written here,
  also shown with ``--baseline``) stands in.
* **trainlab**: ``trainlab.diagnose.hessian.eigenvalues(k=k, tol=tol)``: Lanczos
  with full reorthogonalization and thick restart; ``which="smallest"`` for the
  bottom eigenvalues, which power iteration cannot give without a shift.

Both run at the same ``--tol`` (default 1e-6); the table also gives the error each
reached, ``max_i |lambda_i - exact_i| / max|lambda|``, since the two stopping tests
differ. Each cell is the mean over ``--seeds`` start vectors (min-max in brackets);
ratios are trainlab / PyHessian (lower is better).

Wall times depend on what else the machine runs: HVP counts are the measure that
transfers; the time ratio is the median of the per-seed ratios.

Run:  PYTHONPATH=src python benchmarks/hessian.py [--markdown] [--json docs/figures/hessian/benchmark.json]
      PYTHONPATH=src python benchmarks/hessian.py --from-json docs/figures/hessian/benchmark.json --markdown
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import time
import warnings

import torch
from torch import nn

from trainlab.atomic import atomic_write_text
from trainlab.data import load_dataset
from trainlab.diagnose import hessian
from trainlab.diagnose.hvp import FlatOperator
from trainlab.problems.stationary import flat_loss

try:  # an anchor to compare against, never a dependency
    pyhessian_module = importlib.import_module("pyhessian.hessian")  # the module (the package's `hessian` is a class)
except ImportError:  # pragma: no cover - depends on the environment
    pyhessian_module = None

KS = (1, 5, 20)  # top k
BOTTOM_KS = (1, 5)  # bottom k (slower: the smallest eigenvalues sit in the bulk near zero)


def problem(seed: int = 0, hidden: int = 16, steps: int = 300):
    """(model, x, y) after ``steps`` Adam steps on the standardized diabetes data."""
    data = load_dataset("diabetes")
    x = torch.as_tensor(data.X, dtype=torch.float64)
    y = torch.as_tensor(data.y, dtype=torch.float64).reshape(-1, 1)
    x, y = (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                          nn.Linear(hidden, 1)).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    opt.zero_grad(set_to_none=True)
    return model, x, y


def dense_spectrum(model, x, y) -> torch.Tensor:
    f, theta = flat_loss(model, nn.functional.mse_loss, x, y)
    h = torch.func.hessian(f)(theta)
    return torch.linalg.eigvalsh(0.5 * (h + h.T))


def power_iteration(loss_fn, params, k: int, tol: float, max_iter: int, generator: torch.Generator):
    """PyHessian's algorithm: power iteration with deflation, stopping on a relative change below ``tol``."""
    op = FlatOperator(loss_fn, params)
    values, vectors = [], []
    for _ in range(k):
        v = torch.randn(op.n, generator=generator, dtype=torch.float64)
        v = v / v.norm()
        estimate = None
        for _ in range(max_iter):
            for u in vectors:
                v = v - (u @ v) * u
            v = v / v.norm()
            hv = op(v)
            new = float(v @ hv)
            v = hv / hv.norm()
            if estimate is not None and abs(estimate - new) / (abs(estimate) + 1e-6) < tol:
                estimate = new
                break
            estimate = new
        values.append(estimate)
        vectors.append(v)
    return torch.tensor(values, dtype=torch.float64), op.count


@contextlib.contextmanager
def counting_pyhessian():
    """Count PyHessian's HVPs (its one product function) and run it in float64."""
    count = [0]
    original = pyhessian_module.hessian_vector_product

    def counted(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    pyhessian_module.hessian_vector_product = counted
    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # its start vectors come from torch.randn(p.size())
    try:
        yield count
    finally:
        pyhessian_module.hessian_vector_product = original
        torch.set_default_dtype(dtype)


def run_pyhessian(model, x, y, k: int, tol: float, max_iter: int, seed: int):
    torch.manual_seed(seed)
    with counting_pyhessian() as count, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # its loss.backward(create_graph=True) reference-cycle warning
        h = pyhessian_module.hessian(model, nn.functional.mse_loss, data=(x, y), cuda=False)
        values, _ = h.eigenvalues(maxIter=max_iter, tol=tol, top_n=k)
    for p in model.parameters():
        p.grad = None
    return torch.sort(torch.tensor(values, dtype=torch.float64), descending=True).values, count[0]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def measure(args) -> dict:
    """Every method at every k for every seed: HVPs, seconds, error."""
    rows: dict[str, dict[str, list[float]]] = {}

    def add(key, hvps, seconds, error):
        r = rows.setdefault(key, {"hvps": [], "seconds": [], "error": []})
        r["hvps"].append(float(hvps))
        r["seconds"].append(seconds)
        r["error"].append(error)
        if args.verbose:
            print(f"{key}: {hvps} HVPs, {seconds:.2f} s, error {error:.1e}", flush=True)

    model, x, y = problem(hidden=args.hidden)
    exact = dense_spectrum(model, x, y)
    top, bottom, scale = exact.flip(0), exact, float(exact.abs().max())
    params = list(model.parameters())
    loss_fn = hessian.model_loss(model, nn.functional.mse_loss, x, y)
    for seed in range(args.seeds):
        for k in KS:
            gen = torch.Generator().manual_seed(seed)
            spec, t = timed(lambda: hessian.eigenvalues(loss_fn, params, k=k, tol=args.tol, generator=gen))
            add(f"lanczos_top{k}", spec.hvp_count, t, float((spec.values - top[:k]).abs().max()) / scale)
            if k in BOTTOM_KS:
                gen = torch.Generator().manual_seed(seed)
                spec, t = timed(lambda: hessian.eigenvalues(loss_fn, params, k=k, which="smallest", tol=args.tol,
                                                            generator=gen))
                add(f"lanczos_bottom{k}", spec.hvp_count, t, float((spec.values - bottom[:k]).abs().max()) / scale)
            if pyhessian_module is not None:
                (values, count), t = timed(lambda: run_pyhessian(model, x, y, k, args.tol, args.max_iter, seed))
                add(f"pyhessian_top{k}", count, t, float((values - top[:k]).abs().max()) / scale)
            if pyhessian_module is None or args.baseline:
                gen = torch.Generator().manual_seed(seed)
                (values, count), t = timed(lambda: power_iteration(loss_fn, params, k, args.tol, args.max_iter, gen))
                values = torch.sort(values, descending=True).values
                add(f"power_top{k}", count, t, float((values - top[:k]).abs().max()) / scale)
    return {"problem": f"MLP 10-{args.hidden}-{args.hidden}-1 tanh, diabetes, 300 Adam steps, float64",
            "parameters": sum(p.numel() for p in params), "tol": args.tol, "max_iter": args.max_iter,
            "seeds": args.seeds, "pyhessian": pyhessian_module is not None,
            "exact_top": top[: max(KS)].tolist(), "exact_bottom": bottom[: max(KS)].tolist(),
            "torch": torch.__version__, "rows": rows}


def _cell(values: list[float], fmt: str = "{:.0f}") -> str:
    mean = sum(values) / len(values)
    if len(values) == 1 or min(values) == max(values):
        return fmt.format(mean)
    return f"{fmt.format(mean)} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


def table(result: dict, markdown: bool) -> str:
    rows = result["rows"]
    anchor = "pyhessian" if result["pyhessian"] else "power"
    name = "PyHessian" if result["pyhessian"] else "power (PyHessian missing)"
    head = ["eigenvalues", f"{name} HVPs", "trainlab HVPs", "HVP ratio", "time ratio", f"{name} error",
            "trainlab error"]
    lines = []
    for k in KS:
        a, b = rows[f"{anchor}_top{k}"], rows[f"lanczos_top{k}"]
        lines.append([f"top {k}", _cell(a["hvps"]), _cell(b["hvps"]),
                      f"{_mean(b['hvps']) / _mean(a['hvps']):.2f}",
                      f"{_median([tb / ta for tb, ta in zip(b['seconds'], a['seconds'], strict=True)]):.2f}",
                      f"{max(a['error']):.1e}", f"{max(b['error']):.1e}"])
    for k in BOTTOM_KS:
        b = rows[f"lanczos_bottom{k}"]
        lines.append([f"bottom {k}", "n/a", _cell(b["hvps"]), "", "", "", f"{max(b['error']):.1e}"])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(row) + " |" for row in lines]
    else:
        widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(len(head))]
        out = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in [head, *lines]]
    note = (f"{result['parameters']:,} parameters, tol {result['tol']:g}, maxIter {result['max_iter']}, "
            f"{result['seeds']} seeds (mean [min-max]); HVP ratio: of the means; time ratio: median over seeds of "
            "the per-seed ratio; errors: max |lambda - exact| / max|lambda| over seeds")
    if not result["pyhessian"]:
        note = "PyHessian is not installed: compared with the same power iteration written here. " + note
    return "\n".join(out) + "\n\n" + note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--max-iter", type=int, default=1000, help="power iteration's limit per eigenvalue")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=16, help="width of both hidden layers")
    parser.add_argument("--baseline", action="store_true", help="also run the power iteration written here")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--json", help="write the measurements here")
    parser.add_argument("--verbose", action="store_true", help="print each measurement as it is made")
    parser.add_argument("--from-json", help="print the table of measurements stored by an earlier --json run")
    args = parser.parse_args()
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            print(table(json.load(f), args.markdown))
        return
    result = measure(args)
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=1))
    print(table(result, args.markdown))


if __name__ == "__main__":
    main()
