"""benchmarks/hybrid.py runs end to end (tiny budget), and its reference row scores the gap as described."""

import argparse
import math

import pytest
import torch
from tests.benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def hybrid():
    return load_benchmark("hybrid")


@pytest.mark.parametrize("method", ["Adam", "Adam -> L-BFGS", "LSGD"])
def test_every_method_runs_within_its_budget(hybrid, method):
    args = argparse.Namespace(budget=0.2, lr=1e-2, adam_steps=5, history=10, ridge=1e-6, dtype="float64")
    out = hybrid.run_one(hybrid.TASKS["J2"], hybrid.METHODS[method], 0, args)
    assert 0.2 <= out["wall"] < 5.0
    assert all(math.isfinite(out[k]) for k in ("train", "test", "test_outside"))


def test_linear_interpolation_reference_pays_only_for_the_gap(hybrid):
    row = hybrid.interpolation_row(hybrid.TASKS["J2"], torch.float64)
    train, full, outside = float(row[2]), float(row[3]), float(row[4])
    assert train == 0.0
    assert outside < 1e-4 < 1e-3 < full  # the six test points between the training points at +-pi/199
