"""What a report shows of one run: its folder's files read once, whatever made the folder.

``RunView`` gathers a run folder's config, metrics, the full ``results.json``,
the learning curves of ``history.csv``, its PNG figures, the training doctor's
``doctor.json`` and the tail of its log. It works for ``trainlab train`` folders
(summary.json), ``trainlab run`` experiment folders and any command that writes
``results.json`` (the optimizer race), so a new kind of folder needs no new code.

``resolve_runs`` turns command-line arguments into views: a run folder, a folder
of run folders (every run under it, and every run its ``index.sqlite`` records
there, such as a lab command's folder of figures), or a run id of the index
(``--root``).
Each bad argument is one ``ReportInputError`` naming it.

Example:
    >>> import json, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "results.json"), "w") as f:
    ...     _ = f.write(json.dumps({"best_val_loss": 0.5}))
    >>> [(v.kind, v.metrics) for v in resolve_runs([d])]
    [('experiment', {'best_val_loss': 0.5})]
"""

from __future__ import annotations

import csv
import glob
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trainlab.train.run_index import IndexedRun, RunIndex, UnknownRun
from trainlab.train.run_scan import is_run_folder, read_json, read_run_folder, scan_runs

__all__ = ["LOG_LINES", "ReportInputError", "RunView", "read_curves", "resolve_runs"]

LOG_LINES = 200  # the last lines of a run's log shown in a report


class ReportInputError(ValueError):
    """A report argument that names no run: missing folder, folder without runs, unknown id."""


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def read_curves(path: str) -> dict[str, list[float]]:
    """The numeric columns of a history CSV (``{}`` when the file is missing or has no rows)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return {}
    if not rows:
        return {}
    columns = {key: [_number(r.get(key) or "") for r in rows] for key in rows[0]}
    return {k: v for k, v in columns.items() if any(math.isfinite(x) for x in v)}


def _log_tail(folder: str) -> str:
    logs = sorted(p for name in ("*.log", "log.txt", "log") for p in glob.glob(os.path.join(folder, name))
                  if os.path.isfile(p))
    if not logs:
        return ""
    with open(logs[0], encoding="utf-8", errors="replace") as f:
        return "".join(f.readlines()[-LOG_LINES:])


@dataclass
class RunView:
    """One run as the report shows it."""

    label: str
    folder: str
    kind: str
    status: str
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    results: Any = None
    curves: dict[str, list[float]] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    doctor: dict[str, Any] | None = None
    log: str = ""
    run_id: int | None = None
    started: float = 0.0

    @classmethod
    def of_folder(cls, folder: str, label: str | None = None, indexed: IndexedRun | None = None) -> RunView:
        scanned = read_run_folder(folder)
        doctor = read_json(os.path.join(folder, "doctor.json"))
        view = cls(label=label or scanned.name, folder=scanned.folder, kind=scanned.kind, status=scanned.status,
                   config=scanned.config, metrics=scanned.metrics,
                   results=read_json(os.path.join(folder, "results.json")),
                   curves=read_curves(os.path.join(folder, "history.csv")),
                   figures=sorted(glob.glob(os.path.join(folder, "*.png"))),
                   doctor=doctor if isinstance(doctor, dict) else None, log=_log_tail(folder),
                   started=scanned.started)
        if indexed is not None:  # the index knows the id, the status of a run still going, and its own metrics
            view.run_id, view.status, view.kind, view.started = indexed.id, indexed.status, indexed.kind, indexed.started
            view.config = view.config or indexed.config
            view.metrics = view.metrics or {k: v for k, v in indexed.metrics.items()
                                            if isinstance(v, (int, float, str, bool))}
        return view


def _indexed(folder: str, notify: Callable[[str], None] | None) -> dict[str, IndexedRun]:
    """The newest index row of each folder, from the index of ``folder`` and of its parent (if they exist)."""
    rows: dict[str, IndexedRun] = {}
    for root in (os.path.dirname(os.path.abspath(folder)), folder):
        for run in RunIndex(root, notify).runs():
            if os.path.isdir(run.folder):
                rows[run.folder] = run
    return rows


def _of_folder(item: str, notify: Callable[[str], None] | None) -> list[RunView]:
    """A run folder, or every run under a folder: found on disk, or recorded in its index (lab commands)."""
    known = _indexed(item, notify)
    here = os.path.abspath(item)
    if is_run_folder(item) or here in known:
        return [RunView.of_folder(item, indexed=known.get(here))]
    found = {s.folder: s.name for s in scan_runs(item)}
    for folder in known:
        if folder.startswith(here + os.sep):
            found.setdefault(folder, os.path.relpath(folder, here))
    if not found:
        raise ReportInputError(f"{item} holds no runs: no run folder (results.json, or config.json with "
                               "summary.json or history.csv) in it or its subfolders, and no run of its index.")
    views = [RunView.of_folder(folder, label=name, indexed=known.get(folder)) for folder, name in found.items()]
    return sorted(views, key=lambda v: (v.started, v.folder))


def _of_item(item: str, root: str, notify: Callable[[str], None] | None) -> list[RunView]:
    if os.path.isdir(item):
        return _of_folder(item, notify)
    if item.strip().isdigit():
        try:
            indexed = RunIndex(root, notify).get(item)
        except UnknownRun as err:
            raise ReportInputError(str(err)) from None
        if not os.path.isdir(indexed.folder):
            raise ReportInputError(f"run {indexed.id} ({indexed.name}): its folder {indexed.folder} no longer exists.")
        return [RunView.of_folder(indexed.folder, label=f"{indexed.id}: {indexed.name}", indexed=indexed)]
    what = "is a file, not a run folder" if os.path.exists(item) else "does not exist"
    raise ReportInputError(f"{item} {what}: give run folders, folders of runs, or run ids of the index in {root}.")


def resolve_runs(items: Sequence[str], root: str = "runs", notify: Callable[[str], None] | None = None) -> list[RunView]:
    """The runs named by ``items`` (folders or ids of ``root``'s index), each folder once, in the order given.

    ``notify`` receives the message of an index rebuilt after corruption.
    """
    if not items:
        raise ReportInputError("no runs given: name run folders, folders of runs, or run ids.")
    views: list[RunView] = []
    seen: set[str] = set()
    for item in items:
        for view in _of_item(item, root, notify):
            if view.folder not in seen:
                seen.add(view.folder)
                views.append(view)
    return views
