"""Figures render headless and are sane; the docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import math

import numpy as np
import pytest
from PIL import Image

from trainlab.report.schedules import plot_schedules
from trainlab.schedules import examples, registry

MODULES = [
    "base",
    "basic",
    "cosine",
    "cyclic",
    "compose",
    "plateau",
    "attach",
    "range_test",
    "registry",
    "lr_find",
    "examples",
]


def assert_png(path, size) -> None:
    assert path.stat().st_size > 2000
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == size
        assert len(np.unique(np.asarray(im.convert("L")))) > 10  # something was drawn


@pytest.mark.parametrize("name", registry.names())
def test_every_schedule_plots(name: str, tmp_path) -> None:
    assert_png(
        plot_schedules({name: registry.build(name)}, 300, tmp_path / f"{name}.png", title=name), (640, 400)
    )


def test_seed_000_decay_and_cycle_figures(tmp_path) -> None:
    assert_png(examples.power_and_linear(tmp_path / "power.png"), (1280, 400))
    assert_png(examples.cyclical_triangular(tmp_path / "clr.png"), (640, 400))


def test_seed_000_one_cycle_example(tmp_path) -> None:
    path, final = examples.onecycle_piecewise(tmp_path / "onecycle.png", steps=60)
    assert_png(path, (1500, 400))
    assert len(final) == 3 and all(math.isfinite(v) and v > 0 for v in final.values())


def test_piecewise_target_is_seed_000s() -> None:
    import torch

    x = torch.tensor([-1.0, 0.0, 0.5], dtype=torch.float64)
    y = examples.piecewise_target(x)
    assert y[0].item() == pytest.approx(5 + sum(math.sin(-k) for k in range(1, 5)))
    assert y[1].item() == 1.0 and y[2].item() == pytest.approx(math.cos(5.0))


@pytest.mark.parametrize("module", MODULES + ["__init__"])
def test_docstring_examples_run(module: str) -> None:
    name = "trainlab.schedules" if module == "__init__" else f"trainlab.schedules.{module}"
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_report_docstring_example_runs() -> None:
    assert doctest.testmod(importlib.import_module("trainlab.report.schedules")).failed == 0
