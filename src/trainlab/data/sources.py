"""One name for every data set: a bundled real set, a lecture target, or a CSV file.

``load_dataset(source)`` resolves ``source`` in this order: a name from
``BUNDLED`` (scikit-learn's diabetes, breast_cancer, digits, iris), a name from
``TARGETS`` (the Brown/NVIDIA notes' regression targets), or a path to a ``.csv`` file (then
``target`` names its label column). Anything else is one clear error listing
the known names. Every data set is checked for matching lengths and finite values.

Example:
    >>> from trainlab.data import load_dataset
    >>> ds = load_dataset("iris")
    >>> ds.task, ds.X.shape, ds.n_outputs
    ('classification', (150, 4), 3)
    >>> ds.classes
    ('setosa', 'versicolor', 'virginica')
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from trainlab.constraints import fail
from trainlab.data.bundled import BUNDLED, load_bundled_classes, task_of
from trainlab.data.csv import load_csv_task
from trainlab.data.targets import TARGETS, make_target

__all__ = ["Dataset", "load_dataset", "dataset_names"]


@dataclass
class Dataset:
    """Features, target and what kind of problem they pose."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str  # "regression" or "classification"
    classes: tuple[str, ...] | None = None  # class names (label k is classes[k]), when known

    @property
    def n_outputs(self) -> int:
        """Network outputs needed: the number of classes, or the target's width."""
        if self.classes is not None:
            return len(self.classes)
        if self.task == "classification":
            return int(self.y.max()) + 1
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])


def dataset_names() -> list[str]:
    """Every named data set (CSV paths aside)."""
    return [*BUNDLED, *TARGETS]


def load_dataset(
    source: str | os.PathLike[str],
    target: str | None = None,
    n: int | None = None,
    seed: int = 0,
    task: str = "regression",
) -> Dataset:
    """Load a named data set or a CSV file (``target`` column; ``task`` says how to read it).

    ``n`` and ``seed`` set the sample count and noise of a lecture target.
    ``task="classification"`` reads a CSV target as class labels: integers 0..K-1,
    or class names (encoded in sorted order, kept in ``Dataset.classes``); a target
    column of names is read that way whatever ``task`` says.
    """
    name = os.fspath(source)
    if name in BUNDLED:
        X, y, classes = load_bundled_classes(name)
        return Dataset(name, X, y, task_of(name), classes)
    if name in TARGETS:
        X, y = make_target(name, n=n, seed=seed)
        return Dataset(name, X, y, "regression")
    if name.lower().endswith(".csv") or os.path.isfile(name):
        if target is None:
            fail("load_dataset", "target", "the name of the CSV column to predict", None)
        X, y, task, classes = load_csv_task(name, target, task)
        return Dataset(os.path.basename(name), X, y, task, classes)
    fail("load_dataset", "source", f"one of {dataset_names()} or a path to a CSV file", name)
    raise AssertionError("unreachable")

