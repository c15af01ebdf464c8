"""Figures render headless and are sane; the docstring examples run."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from PIL import Image

from trainlab.report.schedules import plot_schedules
from trainlab.schedules import registry

MODULES = [
    "base",
    "basic",
    "cosine_annealing",
    "cyclic",
    "compose",
    "plateau",
    "attach",
    "range_test",
    "registry",
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


@pytest.mark.parametrize("module", MODULES + ["__init__"])
def test_docstring_examples_run(module: str) -> None:
    name = "trainlab.schedules" if module == "__init__" else f"trainlab.schedules.{module}"
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_report_docstring_example_runs() -> None:
    assert doctest.testmod(importlib.import_module("trainlab.report.schedules")).failed == 0
