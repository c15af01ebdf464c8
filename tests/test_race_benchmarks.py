"""benchmarks/race.py and benchmarks/tiny_copies.py run end to end on a tiny budget (no timing asserted)."""

import torch

from tests.benchmark_scripts import load_benchmark


def test_race_benchmark_times_the_new_and_the_old_race(capsys):
    threads = torch.get_num_threads()
    times = load_benchmark("race").main(["--optimizers", "sgd", "--steps", "5", "--seeds", "2",
                                         "--skip-default-threads"])
    assert torch.get_num_threads() == threads
    assert set(times) == {"new, 1 thread", "before, 1 thread", "new with 1 seed, 1 thread"}
    assert all(t > 0 for t in times.values()) and "÷ new, 1 thread" in capsys.readouterr().out


def test_tiny_copies_benchmark_runs_with_or_without_jax(capsys):
    threads = torch.get_num_threads()
    try:
        t = load_benchmark("many_runs").main(["--tiny", "--copies", "3", "--steps", "2", "--repeats", "1"])
    finally:
        torch.set_num_threads(threads)
    assert t["vectorized"] > 0 and t["single"] > 0 and 0 < t["tanh_share"] < 1
    out = capsys.readouterr().out
    assert "3 copies vectorized" in out and ("not installed" in out or "JAX" in out)
