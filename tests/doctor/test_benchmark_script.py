"""benchmarks/doctor.py runs: a few of its cases with one seed, the table and the JSON it writes."""

from __future__ import annotations

import json

from tests.benchmark_scripts import load_benchmark
from trainlab.doctor import CODES


def test_the_case_tables_cover_every_code_and_have_controls() -> None:
    bench = load_benchmark("doctor")
    causes = {c.cause for c in bench.CASES}
    assert set(CODES) <= causes and None in causes
    assert sum(c.cause is not None for c in bench.CASES) >= 30 and sum(c.cause is None for c in bench.CASES) >= 6
    assert len(bench.HELD_OUT) >= 8 and not {c.name for c in bench.HELD_OUT} & {c.name for c in bench.CASES}


def test_a_few_cases_run_and_are_scored(tmp_path, capsys) -> None:
    bench = load_benchmark("doctor")
    path = tmp_path / "doctor.json"
    out = bench.main(["--cases", "sgd-lr-1e-6,softmax-before-cross-entropy,healthy-full-batch-gd", "--seeds", "1",
                      "--json", str(path)])
    summary = out["cases"]["summary"]
    assert summary["cases"] == 2 and summary["controls"] == 1
    assert 0.0 <= summary["top1"] <= summary["top3"] <= 1.0 and 0.0 <= summary["repair_rate"] <= 1.0
    assert json.loads(path.read_text())["cases"]["summary"] == summary
    assert "sgd-lr-1e-6" in capsys.readouterr().out
