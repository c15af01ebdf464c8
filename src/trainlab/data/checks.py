"""The checks every data set passes before training: matching lengths, finite values.

One function so that loaders, splits and the Trainer reject bad data with the same
message, naming the argument, what it must be and what was found::

    The 'X' parameter of Trainer must be finite (no NaN or Inf). Got '2 non-finite values, first in row 7' instead.

Example:
    >>> import numpy as np
    >>> from trainlab.data.checks import check_xy
    >>> check_xy("Trainer", np.zeros((3, 2)), np.zeros(4))
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: The 'y' parameter of Trainer must be as long as X (3 rows). Got '4 rows' instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trainlab.constraints import fail

__all__ = ["check_xy", "check_finite"]


def _as_numpy(v: Any) -> np.ndarray:
    if hasattr(v, "detach"):  # a torch tensor
        v = v.detach().cpu().numpy()
    return np.asarray(v)


def check_finite(owner: str, name: str, values: Any) -> None:
    """Fail unless every entry of ``values`` is finite; the message gives the first bad row."""
    arr = _as_numpy(values)
    if arr.dtype == bool or np.issubdtype(arr.dtype, np.integer):
        return  # always finite
    if not np.issubdtype(arr.dtype, np.inexact):
        fail(owner, name, "numeric", f"values of dtype {arr.dtype}")
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.argwhere(bad)[0][0]) if arr.ndim else 0
        fail(owner, name, "finite (no NaN or Inf)", f"{int(bad.sum())} non-finite values, first in row {row}")


def check_xy(owner: str, X: Any, y: Any) -> None:
    """Fail unless ``X`` and ``y`` have the same number of rows, at least one, all finite."""
    n_x, n_y = len(X), len(y)
    if n_x != n_y:
        fail(owner, "y", f"as long as X ({n_x} rows)", f"{n_y} rows")
    if n_x == 0:
        fail(owner, "X", "a data set with at least one row", "0 rows")
    check_finite(owner, "X", X)
    check_finite(owner, "y", y)
