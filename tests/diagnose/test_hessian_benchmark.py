"""benchmarks/hessian.py: its power-iteration baseline and its table (the full run is the command in its docstring)."""

from __future__ import annotations

import torch

from tests.benchmark_scripts import load_benchmark
from tests.diagnose.models import problem


def test_power_iteration_baseline_finds_the_top_eigenvalues_and_costs_more_hvps_than_lanczos():
    bench = load_benchmark("hessian")
    from trainlab.diagnose import hessian

    _, loss_fn, params, dense, _ = problem("linear")
    exact = torch.linalg.eigvalsh(dense).flip(0)
    values, count = bench.power_iteration(loss_fn, params, 2, 1e-9, 1000, torch.Generator().manual_seed(0))
    assert torch.allclose(torch.sort(values, descending=True).values, exact[:2], rtol=1e-4)
    spec = hessian.eigenvalues(loss_fn, params, k=2, tol=1e-6, generator=torch.Generator().manual_seed(0))
    assert spec.hvp_count < count


def test_table_without_pyhessian_names_the_stand_in():
    bench = load_benchmark("hessian")
    cell = {"hvps": [10.0, 12.0], "seconds": [1.0, 1.0], "error": [1e-7, 2e-7]}
    rows = {f"{m}_top{k}": cell for m in ("power", "lanczos") for k in bench.KS}
    rows.update({f"lanczos_bottom{k}": cell for k in bench.BOTTOM_KS})
    result = {"rows": rows, "pyhessian": False, "parameters": 465, "tol": 1e-6, "max_iter": 10, "seeds": 2}
    text = bench.table(result, markdown=True)
    assert "PyHessian is not installed" in text and "| top 5 | 11 [10-12] | 11 [10-12] | 1.00 |" in text
