"""benchmarks/trainer_overhead.py, threads.py and startup.py run end to end on a tiny budget (no timing asserted)."""

from __future__ import annotations

import json

import torch

from tests.benchmark_scripts import load_benchmark


def test_trainer_overhead_checks_both_loops_agree_and_writes_ratios(tmp_path, capsys):
    out = tmp_path / "overhead.json"
    load_benchmark("trainer_overhead").main(["--steps", "20", "--repeats", "1", "--out", str(out)])
    rows = json.loads(out.read_text())["rows"]
    assert [r["workload"] for r in rows] == ["tiny", "diabetes"]
    assert all(r["same_parameters"] and r["ratio"] > 0 for r in rows)
    assert "identical parameters: yes" in capsys.readouterr().out


def test_the_plain_loop_and_the_trainer_end_with_the_same_parameters():
    bench = load_benchmark("trainer_overhead")
    for workload in bench.WORKLOADS.values():
        x, y, widths, activation, batch = workload()
        plain, _ = bench.plain_loop(x, y, widths, activation, batch, epochs=3)
        trained, _ = bench.trainer_loop(x, y, widths, activation, batch, epochs=3)
        assert bench.same_parameters(plain, trained)


def test_threads_and_startup_benchmarks_write_their_tables(tmp_path):
    threads = torch.get_num_threads()
    try:
        load_benchmark("threads").main(["--steps", "2", "--repeats", "1", "--out", str(tmp_path / "t.json")])
    finally:
        torch.set_num_threads(threads)
    rows = json.loads((tmp_path / "t.json").read_text())["rows"]
    assert len(rows) == 4 and rows[0]["chosen_threads"] == 1
    load_benchmark("startup").main(["--repeats", "1", "--out", str(tmp_path / "s.json")])
    startup = {r["command"]: r for r in json.loads((tmp_path / "s.json").read_text())["rows"]}
    assert startup["trainlab --help"]["heavy_imports"] == "" and startup["import trainlab"]["heavy_imports"] == ""
