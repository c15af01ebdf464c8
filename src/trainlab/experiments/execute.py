"""Run one registered experiment into a folder: figures, ``results.json``, ``config.json`` and ``log.txt``.

``execute(name, out, overrides, quick)`` resolves and checks the parameters
(``Experiment.resolve``), runs the experiment with everything it prints going to
``log.txt``, and writes atomically

- ``results.json``: the flat dict of numbers (every number the docs quote);
- ``config.json``: the experiment, the preset, the resolved parameters, the
  overrides given, the number of seeds (``None`` for an experiment without), the
  trainlab / torch / Python versions, start time and duration.

A run whose results lack a key the entry declares is a bug in the entry, not in
the call: it raises ``RuntimeError`` after writing what it has.

Example:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> run = execute("identifiability", out)
    >>> sorted(p.name for p in out.iterdir())
    ['config.json', 'identifiability.png', 'log.txt', 'results.json']
    >>> json.loads((out / "config.json").read_text())["parameters"]
    {'k': 3.0, 'seed': 0}
"""

from __future__ import annotations

import contextlib
import json
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from trainlab.atomic import atomic_write_text
from trainlab.experiments.registry import Outcome, Tick, get

__all__ = ["ExperimentRun", "execute", "versions"]


@dataclass
class ExperimentRun:
    """One finished run: its folder, the config written, and the outcome (figures and results)."""

    out: Path
    config: dict[str, Any]
    outcome: Outcome


def versions() -> dict[str, str]:
    """trainlab, torch and Python versions (for ``config.json``)."""
    import torch

    try:
        trainlab = version("trainlab")
    except PackageNotFoundError:  # run from a source tree without installing
        trainlab = "unknown"
    return {"trainlab": trainlab, "torch": torch.__version__, "python": platform.python_version()}


def _ignore(done: int, total: int, what: str) -> None:
    """The default ``tick``: no progress display."""


def execute(name: str, out: str | Path, overrides: Mapping[str, Any] | None = None, quick: bool = False,
            tick: Tick = _ignore) -> ExperimentRun:
    """Run experiment ``name`` with its full (or ``quick``) preset plus ``overrides``; write into ``out``."""
    experiment = get(name)
    params = experiment.resolve(overrides, quick)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "experiment": name, "description": experiment.description, "source": experiment.source,
        "preset": "quick" if quick else "full", "parameters": params, "overrides": dict(overrides or {}),
        "seeds": params.get("seeds"),
        **versions(), "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    atomic_write_text(out / "config.json", json.dumps(config, indent=1, default=str))
    start = time.perf_counter()
    with open(out / "log.txt", "w") as log, contextlib.redirect_stdout(log):
        print(f"trainlab run {name} ({config['preset']} preset): {json.dumps(params, default=str)}", flush=True)
        outcome = experiment.run(dict(params), out, tick)
        config["seconds"] = round(time.perf_counter() - start, 3)
        print(f"done in {config['seconds']} s; figures: {', '.join(p.name for p in outcome.figures)}")
    atomic_write_text(out / "results.json", json.dumps(outcome.results, indent=1, sort_keys=True, default=str))
    atomic_write_text(out / "config.json", json.dumps(config, indent=1, default=str))
    missing = [k for k in experiment.keys if k not in outcome.results]
    if missing:
        raise RuntimeError(f"experiment {name!r} did not produce its declared results {missing}")
    return ExperimentRun(out, config, outcome)
