"""Data sets from CSV files: a header row, numeric feature columns, one of them the target.

``load_csv(path, target)`` reads every column but ``target`` as a feature and the
target as numbers. ``load_csv_classes(path, target)`` reads the target as class
labels: a column of class names (iris-style ``setosa``, ``virginica``, ...) is
encoded ``0..K-1`` in sorted order and the names are returned with it; a numeric
column must already hold the labels ``0, 1, 2, ...``.

Files are read as UTF-8 with or without a byte-order mark (spreadsheet
exports often write one). Empty cells and text in a feature column are errors
naming the line and column and what to do; a ``nan``/``inf`` written out is
read, then rejected by the finiteness check, so bad data never reaches training.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
    >>> _ = open(path, "w").write("a,b,price\\n1,2,3\\n4,5,6\\n")
    >>> X, y = load_csv(path, target="price")
    >>> X.shape, y.tolist()
    ((2, 2), [3.0, 6.0])
    >>> _ = open(path, "w").write("width,species\\n1.4,setosa\\n5.1,virginica\\n4.5,versicolor\\n")
    >>> X, labels, classes = load_csv_classes(path, target="species")
    >>> labels.tolist(), classes
    ([0, 2, 1], ('setosa', 'versicolor', 'virginica'))
"""

from __future__ import annotations

import csv
import os

import numpy as np

from trainlab.constraints import InvalidArgument, fail
from trainlab.data.checks import check_xy

__all__ = ["load_csv", "load_csv_classes", "load_csv_task", "target_is_text"]


class _Table:
    """The parsed file: features as float64, the target column's cells as text."""

    def __init__(self, path: str, target: str) -> None:
        self.path, self.target = path, target
        rows = _read_rows(path)
        if len(rows) < 2:
            fail("load_csv", "path", "a CSV file with a header row and at least one data row", path)
        header = [h.strip() for h in rows[0]]
        if target not in header:
            fail("load_csv", "target", f"a column of {path}: one of {header}", target)
        col = header.index(target)
        if len(header) < 2:
            fail("load_csv", "path", "a CSV file with at least one feature column besides the target", path)
        self.X = np.empty((len(rows) - 1, len(header) - 1), dtype=np.float64)
        self.cells: list[str] = []
        for i, row in enumerate(rows[1:], start=2):  # line numbers as an editor shows them
            if len(row) != len(header):
                fail("load_csv", "path", f"a CSV file whose rows all have {len(header)} cells",
                     f"{len(row)} cells in line {i}")
            self.cells.append(row[col].strip())
            for j, cell in enumerate(row[:col] + row[col + 1:]):
                name = header[j if j < col else j + 1]
                self.X[i - 2, j] = _number(cell, name, i, path)

    def numeric_target(self) -> np.ndarray:
        y = np.empty(len(self.cells), dtype=np.float64)
        for i, cell in enumerate(self.cells):
            try:
                y[i] = float(cell)
            except ValueError:
                hint = (" This column holds class names: train a classifier (task='classification')."
                        if target_is_text(self.cells) else "")
                raise InvalidArgument(
                    f"The target column {self.target!r} of {self.path} must hold numbers. "
                    f"Got {cell!r} in line {i + 2}.{hint}") from None
        return y


def _number(cell: str, column: str, line: int, path: str) -> float:
    try:
        return float(cell)
    except ValueError:
        pass
    if not cell.strip():
        raise InvalidArgument(f"Line {line} of {path} has an empty cell in column {column!r}: "
                              "fill it in or remove the row.")
    raise InvalidArgument(
        f"Feature column {column!r} of {path} must hold numbers. Got {cell!r} in line {line}. "
        "Remove the column, or encode it as numbers (for categories: one 0/1 column per value)."
    )


def _read_rows(path: str) -> list[list[str]]:
    if not os.path.isfile(path):
        fail("load_csv", "path", "an existing CSV file", path)
    try:
        # utf-8-sig: a byte-order mark (as spreadsheets write it) is not part of the first name
        with open(path, newline="", encoding="utf-8-sig") as f:
            return [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    except (UnicodeDecodeError, csv.Error, OSError) as err:
        fail("load_csv", "path", "a readable UTF-8 CSV file", f"{path} ({err})")
    raise AssertionError("unreachable")


def target_is_text(cells: list[str]) -> bool:
    """True when no cell of a target column is a number: the column names classes."""
    def is_number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    return bool(cells) and not any(is_number(c) for c in cells)


def load_csv(path: str | os.PathLike[str], target: str) -> tuple[np.ndarray, np.ndarray]:
    """Features ``X`` (n x d, float64) and target ``y`` (n, float64) from a CSV file."""
    table = _Table(os.fspath(path), target)
    y = table.numeric_target()
    check_xy("load_csv", table.X, y)
    return table.X, y


def load_csv_classes(
    path: str | os.PathLike[str], target: str
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    """Features ``X``, int64 labels and the class names (``None`` for a numeric label column).

    Class names are encoded in sorted order (``sorted(set(names))[k]`` is class
    ``k``), as scikit-learn's ``LabelEncoder`` does.
    """
    return _classes(_Table(os.fspath(path), target))


def _classes(table: _Table) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    target = table.target
    if not target_is_text(table.cells):
        y = table.numeric_target()
        check_xy("load_csv", table.X, y)
        labels = y.astype(np.int64)
        if not np.array_equal(labels, y) or labels.min() < 0:
            fail("load_csv", "target", "a column of class labels 0, 1, 2, ... or of class names",
                 f"column {target!r} with values such as {y[0]!r}")
        return table.X, labels, None
    if "" in table.cells:
        line = table.cells.index("") + 2
        raise InvalidArgument(f"Line {line} of {table.path} has no class in column {target!r}: "
                              "fill it in or remove the row.")
    classes = tuple(sorted(set(table.cells)))
    index = {name: k for k, name in enumerate(classes)}
    labels = np.array([index[c] for c in table.cells], dtype=np.int64)
    check_xy("load_csv", table.X, labels)
    return table.X, labels, classes


def load_csv_task(
    path: str | os.PathLike[str], target: str, task: str = "regression"
) -> tuple[np.ndarray, np.ndarray, str, tuple[str, ...] | None]:
    """``(X, y, task, classes)``: a target of class names always makes a classification task.

    With ``task="regression"`` a numeric target is read as numbers; a column with
    no number in it can only name classes, so it is read as labels and the task
    becomes ``"classification"``.
    """
    table = _Table(os.fspath(path), target)
    if task == "classification" or target_is_text(table.cells):
        X, labels, classes = _classes(table)
        return X, labels, "classification", classes
    y = table.numeric_target()
    check_xy("load_csv", table.X, y)
    return table.X, y, task, None
