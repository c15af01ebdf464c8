"""Data sets from CSV files: a header row, numeric columns, one of them the target.

``load_csv(path, target)`` reads every column but ``target`` as a feature. Empty
cells and text that is not a number are errors naming the row and column (a
``nan``/``inf`` written out is read, then rejected by the finiteness check, so
bad data never reaches training).

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
    >>> _ = open(path, "w").write("a,b,price\\n1,2,3\\n4,5,6\\n")
    >>> X, y = load_csv(path, target="price")
    >>> X.shape, y.tolist()
    ((2, 2), [3.0, 6.0])
"""

from __future__ import annotations

import csv
import os

import numpy as np

from trainlab.constraints import fail
from trainlab.data.checks import check_xy

__all__ = ["load_csv"]


def _read_rows(path: str) -> list[list[str]]:
    if not os.path.isfile(path):
        fail("load_csv", "path", "an existing CSV file", path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    except (UnicodeDecodeError, csv.Error) as err:
        fail("load_csv", "path", "a readable UTF-8 CSV file", f"{path} ({err})")
    raise AssertionError("unreachable")


def load_csv(path: str | os.PathLike[str], target: str) -> tuple[np.ndarray, np.ndarray]:
    """Features ``X`` (n x d, float64) and target ``y`` (n, float64) from a CSV file."""
    path = os.fspath(path)
    rows = _read_rows(path)
    if len(rows) < 2:
        fail("load_csv", "path", "a CSV file with a header row and at least one data row", path)
    header = [h.strip() for h in rows[0]]
    if target not in header:
        fail("load_csv", "target", f"a column of {path}: one of {header}", target)
    values = np.empty((len(rows) - 1, len(header)), dtype=np.float64)
    for i, row in enumerate(rows[1:], start=2):  # line numbers as an editor shows them
        if len(row) != len(header):
            fail("load_csv", "path", f"a CSV file whose rows all have {len(header)} cells",
                 f"{len(row)} cells in line {i}")
        for j, cell in enumerate(row):
            try:
                values[i - 2, j] = float(cell)
            except ValueError:
                fail("load_csv", "path", "a CSV file of numbers",
                     f"{cell!r} in line {i}, column {header[j]!r}")
    col = header.index(target)
    X = np.delete(values, col, axis=1)
    y = values[:, col]
    if X.shape[1] == 0:
        fail("load_csv", "path", "a CSV file with at least one feature column besides the target", path)
    check_xy("load_csv", X, y)
    return X, y
