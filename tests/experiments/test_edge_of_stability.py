"""The edge-of-stability experiment at a tiny size: it measures, summarizes and draws."""

from __future__ import annotations

from trainlab.experiments.edge_of_stability import run_edge_of_stability


def test_runs_summarizes_and_plots(tmp_path):
    r = run_edge_of_stability(rates=(0.05, 0.2), steps=30, every=10, hidden=8)
    s = r.summary()
    assert list(s) == ["lr=0.05", "lr=0.2"]
    assert s["lr=0.2"]["two_over_lr"] == 10.0
    assert s["lr=0.2"]["ratio"] == s["lr=0.2"]["max_top_eigenvalue"] * 0.2 / 2
    assert all(len(c.records) == 3 for c in r.curvature) and len(r.losses[0]) == 30
    assert r.plot(tmp_path).stat().st_size > 1000
