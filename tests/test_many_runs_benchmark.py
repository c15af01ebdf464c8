"""benchmarks/many_runs.py runs end to end on a tiny budget (no timing asserted)."""

import torch

from tests.benchmark_scripts import load_benchmark


def test_many_runs_benchmark_runs_and_batched_runs_match_the_loop(capsys):
    threads = torch.get_num_threads()
    try:
        timing = load_benchmark("many_runs").main(["--runs", "6", "--steps", "20", "--loop-runs", "2"])
    finally:
        torch.set_num_threads(threads)
    assert timing.loop_runs == 2 and timing.batched_s > 0 and timing.loop_per_run_s > 0
    assert timing.max_loss_gap < 1e-5
    assert "speed-up" in capsys.readouterr().out
