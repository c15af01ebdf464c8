"""``History``: what a training run did, step by step and epoch by epoch.

Per step (``history.steps``, columns of equal length): ``step`` (1-based),
``epoch`` (0-based epoch the step belongs to), ``loss`` (the batch loss before
the update), ``lr`` (of the first parameter group), ``grad_norm`` (global L2
norm of the gradient before any clipping) and ``time`` (seconds since the run
started, summed over resumed sessions). A step value may be recorded as a 0-d
tensor (the Trainer records the gradient norm so, to read nothing from the
device during an epoch); ``flush`` turns pending tensors into floats, once for
all of them, and every read of ``steps`` flushes first.

Per epoch (``history.epochs``, one dict each): ``epoch`` (1-based count of
finished epochs), ``step``, ``train_loss`` / ``val_loss`` on the whole split in
evaluation mode, any metric as ``train_<name>`` / ``val_<name>``, ``lr`` and
``time``. ``stop_reason`` says why the run ended and ``message`` explains it.

Example:
    >>> h = History()
    >>> h.add_epoch({"epoch": 1, "step": 10, "train_loss": 0.5, "val_loss": 0.7})
    >>> h.add_epoch({"epoch": 2, "step": 20, "train_loss": 0.3, "val_loss": 0.8})
    >>> h["val_loss"], h.best("val_loss")["epoch"]
    ([0.7, 0.8], 1)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import Any

import torch

from trainlab.constraints import Options, check, fail
from trainlab.atomic import atomic_write_text

__all__ = ["History", "STEP_COLUMNS"]

STEP_COLUMNS = ("step", "epoch", "loss", "lr", "grad_norm", "time")
_INT_COLUMNS = ("step", "epoch")


class History:
    """Loss curves, learning rate, gradient norm and wall time of one run."""

    def __init__(self) -> None:
        self._steps: dict[str, list[float]] = {c: [] for c in STEP_COLUMNS}
        self._pending: dict[str, list[int]] = {}  # column -> positions holding a tensor
        self.epochs: list[dict[str, float]] = []
        self.stop_reason: str | None = None
        self.message: str = ""

    # -- recording -------------------------------------------------------------
    def add_step(self, **row: float | torch.Tensor) -> None:
        """Append one step row; a value may be a 0-d tensor, read at the next ``flush``."""
        for c in STEP_COLUMNS:
            value = row[c]
            if isinstance(value, torch.Tensor):
                self._pending.setdefault(c, []).append(len(self._steps[c]))
            self._steps[c].append(value)

    def flush(self) -> None:
        """Turn the step values recorded as tensors into floats (one read per column)."""
        for c, positions in self._pending.items():
            column = self._steps[c]
            values = [column[i] for i in positions]
            try:
                floats = [float(values[0])] if len(values) == 1 else torch.stack(values).tolist()
            except (RuntimeError, TypeError):  # mixed devices or shapes: one read each
                floats = [float(v) for v in values]
            for i, v in zip(positions, floats, strict=True):
                column[i] = float(v)
        self._pending = {}

    @property
    def steps(self) -> dict[str, list[float]]:
        """The step columns (flushed), one list each."""
        if self._pending:
            self.flush()
        return self._steps

    def add_epoch(self, row: dict[str, float]) -> None:
        self.epochs.append(dict(row))

    # -- reading ---------------------------------------------------------------
    def __getitem__(self, column: str) -> list[float]:
        """An epoch column (``h["val_loss"]``), or a step column (``h["loss"]``)."""
        if column in self.steps:
            return list(self.steps[column])
        if column not in self.columns():
            fail("History", "column", f"one of {self.columns() + list(STEP_COLUMNS)}", column)
        return [row.get(column, math.nan) for row in self.epochs]

    def columns(self) -> list[str]:
        """Epoch columns, in first-seen order."""
        seen: dict[str, None] = {}
        for row in self.epochs:
            seen.update(dict.fromkeys(row))
        return list(seen)

    def best(self, monitor: str = "val_loss", mode: str = "min") -> dict[str, float]:
        """The epoch row with the lowest (``mode="min"``) or highest value of ``monitor``."""
        check("History.best", "mode", mode, Options(("min", "max")))
        rows = [r for r in self.epochs if math.isfinite(r.get(monitor, math.nan))]
        if not rows:
            fail("History.best", "monitor", f"a column with finite values, one of {self.columns()}", monitor)
        sign = 1.0 if mode == "min" else -1.0
        return min(rows, key=lambda r: sign * r[monitor])

    @property
    def final(self) -> dict[str, float]:
        """The last epoch row (empty before the first epoch ends)."""
        return dict(self.epochs[-1]) if self.epochs else {}

    def __len__(self) -> int:
        return len(self.epochs)

    # -- files -----------------------------------------------------------------
    def to_csv(self, path: str | os.PathLike[str] | None = None, steps: bool = False) -> str:
        """Epoch rows (or step rows) as CSV text; written atomically to ``path`` if given."""
        out = io.StringIO()
        if steps:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(STEP_COLUMNS)
            writer.writerows(zip(*(self.steps[c] for c in STEP_COLUMNS), strict=True))
        else:
            writer = csv.DictWriter(out, fieldnames=self.columns(), lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.epochs)
        text = out.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """Everything as JSON (non-finite numbers as ``null``); written atomically if ``path``."""
        state = {"steps": self.steps, "epochs": self.epochs, "stop_reason": self.stop_reason,
                 "message": self.message}
        text = json.dumps(_json_safe(state), indent=1)
        if path is not None:
            atomic_write_text(path, text)
        return text

    # -- checkpoints -----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Step columns as int64/float64 tensors (exact, and fast to save), epoch rows as dicts."""
        steps = {c: torch.tensor(v, dtype=torch.int64 if c in _INT_COLUMNS else torch.float64)
                 for c, v in self.steps.items()}
        return {"steps": steps, "epochs": [dict(r) for r in self.epochs],
                "stop_reason": self.stop_reason, "message": self.message}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._steps = {c: torch.as_tensor(state["steps"][c]).tolist() for c in STEP_COLUMNS}
        self._pending = {}
        self.epochs = [dict(r) for r in state["epochs"]]
        self.stop_reason, self.message = state["stop_reason"], state["message"]

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.final.items() if k.endswith("loss"))
        return f"History({len(self.epochs)} epochs, {len(self.steps['step'])} steps{', ' + last if last else ''})"


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
