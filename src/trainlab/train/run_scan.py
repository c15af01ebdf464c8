"""Run folders found on disk: what a folder says about its run, without the index.

A *run folder* holds ``config.json`` with ``summary.json`` (a ``trainlab train``
run: ``RunLayout``), or ``results.json`` (an experiment or lab command's
folder). ``read_run_folder`` reads one; ``scan_runs`` finds every run folder
under a root (not inside another run folder), which is how a damaged run index
is rebuilt. A folder with a config but neither summary nor results was stopped
before its end: ``interrupted``.

Metrics are the scalar entries (numbers, strings, booleans) of ``summary.json``,
or the top-level scalars of ``results.json``.

Example:
    >>> import json, os, tempfile
    >>> root = tempfile.mkdtemp(); os.makedirs(root + "/a")
    >>> with open(root + "/a/results.json", "w") as f:
    ...     _ = f.write(json.dumps({"val_loss": 0.5, "curve": [1, 2]}))
    >>> [(r.name, r.kind, r.status, r.metrics) for r in scan_runs(root)]
    [('a', 'experiment', 'completed', {'val_loss': 0.5})]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_DEPTH", "ScannedRun", "is_run_folder", "read_json", "read_run_folder", "scan_runs"]

MAX_DEPTH = 4  # folders below the root searched for run folders
_SKIP = {"checkpoints", "__pycache__", ".git"}


@dataclass(frozen=True)
class ScannedRun:
    """What a run folder says: name, kind, config, status, times (file modification times), metrics."""

    folder: str
    name: str
    kind: str
    status: str
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    started: float = 0.0
    ended: float | None = None


def read_json(path: str) -> Any:
    """The JSON in ``path``; ``None`` when it is missing or unreadable (a half-written file of a killed run)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def is_run_folder(path: str) -> bool:
    """Whether ``path`` holds a run: results.json, or config.json beside summary.json/history.csv."""
    has = lambda name: os.path.isfile(os.path.join(path, name))  # noqa: E731
    return has("results.json") or (has("config.json") and (has("summary.json") or has("history.csv")))


def _scalars(values: Any) -> dict[str, Any]:
    if not isinstance(values, dict):
        return {}
    return {str(k): v for k, v in values.items() if isinstance(v, (int, float, str, bool)) or v is None}


def read_run_folder(folder: str, root: str | None = None) -> ScannedRun:
    """The run in ``folder`` (named by its path relative to ``root``, or its base name)."""
    path = lambda name: os.path.join(folder, name)  # noqa: E731
    name = os.path.relpath(folder, root) if root else os.path.basename(os.path.normpath(folder))
    config = read_json(path("config.json"))
    summary, results = path("summary.json"), path("results.json")
    kind = "experiment" if os.path.isfile(results) else "train"
    done = summary if kind == "train" else results
    metrics = _scalars(read_json(done))
    finished = os.path.isfile(done) and read_json(done) is not None
    start_file = path("config.json") if os.path.isfile(path("config.json")) else done
    started = os.path.getmtime(start_file) if os.path.exists(start_file) else 0.0
    return ScannedRun(folder=os.path.abspath(folder), name=name, kind=kind,
                      status="completed" if finished else "interrupted",
                      config=config if isinstance(config, dict) else {}, metrics=metrics, started=started,
                      ended=os.path.getmtime(done) if finished else None)


def scan_runs(root: str) -> list[ScannedRun]:
    """Every run folder under ``root`` (itself included, ``MAX_DEPTH`` levels down), oldest first."""
    found: list[ScannedRun] = []
    base = os.path.abspath(root)
    for here, dirs, _ in os.walk(base):
        depth = os.path.relpath(here, base).count(os.sep) + (here != base)
        if is_run_folder(here):
            found.append(read_run_folder(here, base if here != base else None))
            dirs[:] = []  # a run's own subfolders are not runs
            continue
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith(".")) if depth < MAX_DEPTH else []
    return sorted(found, key=lambda r: (r.started, r.folder))
