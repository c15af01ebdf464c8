"""``examine_run``: the doctor's verdict on a finished or crashed run folder of ``trainlab train``.

Reads what the folder holds, best first:

* ``doctor.json`` (written by ``trainlab train --doctor``): its measurements are
  diagnosed again with the current rules, its setup findings kept;
* otherwise ``history.csv`` (the epoch curves: ``train_loss``, ``val_loss``, ``lr``),
  ``config.json`` (optimizer, rate, momentum, weight decay), the step checkpoints (the
  update-to-weight ratio between the two newest, per step) and ``model.pt`` with the
  training split rebuilt from the config (one probe of the final model and the
  static checks; a crashed run without ``model.pt`` is judged on its curves).

Example:
    >>> import tempfile
    >>> from trainlab.train.run import RunConfig, start_run
    >>> run = tempfile.mkdtemp() + "/run"
    >>> _ = start_run(run, RunConfig(data="diabetes", hidden=[32], optimizer="sgd", lr=1e-6, epochs=20,
    ...                              batch_size=16), progress=False)
    >>> examine_run(run).codes
    ['lr_too_low']
"""

from __future__ import annotations

import csv
import json
import math
import os
from typing import Any

import torch

from trainlab.constraints import fail
from trainlab.doctor.baselines import linear_loss, trivial_loss
from trainlab.doctor.probe import probe
from trainlab.doctor.report import Finding, Report
from trainlab.doctor.rules import diagnose
from trainlab.doctor.static import static_checks
from trainlab.doctor.watch import model_settings
from trainlab.train.checkpoint import list_checkpoints
from trainlab.train.losses import resolve_loss
from trainlab.train.run_layout import RunLayout

__all__ = ["DOCTOR_FILE", "examine_run"]

DOCTOR_FILE = "doctor.json"


def _float(v: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _history(path: str) -> list[dict[str, float]]:
    if not os.path.isfile(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: _float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _update_ratio(layout: RunLayout) -> list[float]:
    """Per-step ``||w_b - w_a|| / ||w_a|| / (b - a)`` between the two newest step checkpoints."""
    found = list_checkpoints(layout.checkpoints)
    if len(found) < 2:
        return []
    (a, path_a), (b, path_b) = found[-2], found[-1]
    try:
        wa = torch.load(path_a, weights_only=True, map_location="cpu")["model"]
        wb = torch.load(path_b, weights_only=True, map_location="cpu")["model"]
    except Exception:  # a damaged checkpoint: judge without it
        return []
    keys = [k for k in wa if k in wb and wa[k].is_floating_point()]
    delta = math.sqrt(sum(float((wb[k].double() - wa[k].double()).pow(2).sum()) for k in keys))
    norm = math.sqrt(sum(float(wa[k].double().pow(2).sum()) for k in keys))
    return [delta / norm / max(b - a, 1)] if norm > 0 else []


def examine_run(run_dir: str) -> Report:
    """The ``Report`` of the run in ``run_dir`` (see the module docs)."""
    layout = RunLayout.of(run_dir)
    saved = os.path.join(layout.root, DOCTOR_FILE)
    if os.path.isfile(saved):
        with open(saved, encoding="utf-8") as f:
            old = Report.from_dict(json.load(f))
        m = old.measurements
        return Report([f for f in old.findings if f.static] + diagnose(m), m)
    if not layout.started:
        fail("examine_run", "run_dir", "a run folder of trainlab train (with config.json)", run_dir)
    with open(layout.config, encoding="utf-8") as f:
        config = json.load(f)
    rows = _history(layout.history)
    m: dict[str, Any] = {
        "source": "history", "epochs": int(config.get("epochs") or len(rows) or 1),
        "steps": int(rows[-1].get("step", 0)) if rows and math.isfinite(rows[-1].get("step", math.nan)) else None,
        "train": [r.get("train_loss", math.nan) for r in rows], "val": [r.get("val_loss", math.nan) for r in rows
                                                                         if "val_loss" in r],
        "update_ratio": _update_ratio(layout), "probes": [], "nonfinite_step": None, "step_loss": [],
        "sharpness": [], "linear": None, "trivial": math.nan,
        "optimizer": {"name": config.get("optimizer"), "lr": config.get("lr", math.nan),
                      "momentum": float(config.get("momentum") or 0.0),
                      "weight_decay": float(config.get("weight_decay") or 0.0),
                      "adaptive": str(config.get("optimizer", "")).startswith(("adam", "rmsprop", "adagrad", "nadam"))},
        "model": {"dropout": max(config.get("dropout") or 0.0, default=0.0)
                  if isinstance(config.get("dropout"), list) else float(config.get("dropout") or 0.0),
                  "min_width": min(config.get("hidden") or [0]) or None, "depth": len(config.get("hidden") or []) + 1},
    }
    static: list[Finding] = []
    if os.path.isfile(layout.model):
        from trainlab.diagnose.run_data import load_run_data

        data = load_run_data(layout.root, dtype="float32")
        loss_fn = resolve_loss(data.loss_name)
        task = "classification" if data.loss_name == "cross_entropy" else "regression"
        outputs = int(data.model(data.x[:2]).reshape(2, -1).shape[1])
        m.update(task=task, trivial=trivial_loss(loss_fn, data.y, outputs, task),
                 linear=linear_loss(loss_fn, data.x, data.y, task, outputs), model=model_settings(data.model))
        rows_ = torch.randperm(len(data.x), generator=torch.Generator().manual_seed(0))[:256]
        m["probes"] = [{"epoch": len(rows), **probe(data.model, data.x[rows_], data.y[rows_], loss_fn, task)}]
        static = [f for f in static_checks(data.model, data.x, data.y, data.loss_name) if f.code != "symmetry"]
    if m["train"] and math.isfinite(m["train"][-1]) and not math.isfinite(m["trivial"]):
        m["trivial"] = 1.0 if config.get("task", "regression") == "regression" else math.nan  # standardized targets
    return Report(static + diagnose(m), m)
