"""Use a finished run on new data: the model, its normalization, predictions and metrics in data units.

A run trains on normalized data: features are transformed by the normalizer fitted
on the training split (``RunConfig.normalize``: standardized by default, or PCA/ZCA
whitened, ``trainlab.data.normalize``) and a regression target is standardized
(``trainlab.data.split_standardized``). ``save_normalization`` writes the fitted
normalizer's state (``feature_normalizer``; every float exactly, JSON keeps float64),
the target's mean and standard deviation, the feature names (a CSV's header), the
target's name and the class names beside ``model.pt`` as ``normalization.json``;
``load_run`` reads them back with the model (``weights_only=True``), so that

    prediction = model(normalize(x)) * y_std + y_mean      (regression)
    prediction = argmax model(normalize(x))                  (classification)

works on new raw rows with the statistics the run trained with, and every loss is
in the data's own units; ``resume_run`` takes the same file, so a resumed run does
not refit. A ``normalization.json`` without ``feature_normalizer`` (written before
whitening existed) means standardization by its ``feature_mean``/``feature_std``; a
run folder from before the file existed gets the statistics by rebuilding its split
from ``config.json`` (the split is a function of the config's seed). An ensemble run's
``model.pt`` holds an ``Ensemble`` (``trainlab.train.ensemble.stored_model``), whose
output averages its members, so predictions and metrics are the ensemble's.

Example:
    >>> import tempfile
    >>> from trainlab.train.run import RunConfig, start_run
    >>> run = tempfile.mkdtemp() + "/run"
    >>> _ = start_run(run, RunConfig(data="noisy_x2", hidden=[8], epochs=2), progress=False)
    >>> predict_rows(run, [[0.5], [1.0]]).shape
    (2,)
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from trainlab.atomic import atomic_write_text
from trainlab.constraints import InvalidArgument, fail
from trainlab.data import Dataset, Normalizer, Standardize, load_dataset, normalizer_from_state, split_standardized
from trainlab.data.split import Splits, split_indices
from trainlab.train.ensemble import stored_model
from trainlab.train.run_layout import RunLayout

__all__ = ["Normalization", "evaluate_run", "load_run", "predict_rows", "read_feature_csv", "read_normalizer",
           "save_normalization"]

NORMALIZATION = os.path.basename(RunLayout("").normalization)  # beside model.pt in a run folder


@dataclass
class Normalization:
    """The training split's statistics and the names a new CSV is matched by."""

    feature_mean: list[float]
    feature_std: list[float]
    target_mean: list[float] | None  # None: classification (or an unscaled target)
    target_std: list[float] | None
    task: str
    features: list[str] | None  # a CSV's feature columns, in order; None for bundled sets and targets
    target: str | None
    classes: list[str] | None
    n_outputs: int
    feature_normalizer: dict[str, Any] | None = None  # its state_dict, tensors as lists; None: standardization

    def normalizer(self) -> Normalizer:
        """The fitted feature normalizer of the run."""
        if self.feature_normalizer is None:  # a file from before whitening: mean and std
            return Standardize(constant="center").load_state_dict({
                "name": "standard", "n_features": len(self.feature_mean), "constant": "center",
                "mean": self.feature_mean, "scale": self.feature_std})
        return normalizer_from_state(self.feature_normalizer)

    def inputs(self, X: np.ndarray) -> torch.Tensor:
        return self.normalizer().transform(torch.as_tensor(np.asarray(X, dtype=float))).to(torch.float32)

    def outputs(self, raw: torch.Tensor) -> np.ndarray:
        """Predictions in the data's units (regression) or class indices (classification)."""
        out = raw.detach().double().numpy()
        if self.task == "classification":
            return out.argmax(axis=1)
        if self.target_mean is not None:
            out = out * np.asarray(self.target_std) + np.asarray(self.target_mean)
        return out[:, 0] if out.shape[1] == 1 else out


def _csv_header(path: str) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [h.strip() for h in next(csv.reader(f), [])]


def normalization_of(parts: Splits, dataset: Dataset, data: str, target: str | None) -> Normalization:
    """The statistics of ``parts`` (from ``split_standardized``) and the names of ``dataset``."""
    xs, ys = parts.x_scaler, parts.y_scaler
    csv_file = target is not None and os.path.isfile(data)
    listed = lambda v: None if v is None else np.atleast_1d(np.asarray(v, dtype=float)).tolist()  # noqa: E731
    state = {k: listed(v) if isinstance(v, torch.Tensor) else v for k, v in xs.state_dict().items()}
    mean = state.get("mean", [0.0] * xs.n_features)  # "none": the identity, shift 0 and scale 1
    std = state.get("scale", [1.0] * xs.n_features)
    if "variances" in state:  # whitened: the columns' own training standard deviations, for reference
        std = listed(torch.sqrt((xs.components**2 * xs.variances).sum(dim=1)))
    return Normalization(
        mean, std, listed(ys.mean if ys else None), listed(ys.scale if ys else None),
        dataset.task, [h for h in _csv_header(data) if h != target] if csv_file else None, target,
        None if dataset.classes is None else list(dataset.classes), dataset.n_outputs, state)


def save_normalization(directory: str, parts: Splits, dataset: Dataset, data: str, target: str | None) -> str:
    """Write ``normalization.json`` into the run folder ``directory`` (atomically); return its path."""
    path = RunLayout(directory).normalization
    atomic_write_text(path, json.dumps(asdict(normalization_of(parts, dataset, data, target)), indent=1))
    return path


def read_normalizer(directory: str) -> Normalizer | None:
    """The fitted feature normalizer saved in run folder ``directory``; ``None`` without normalization.json."""
    path = RunLayout(directory).normalization
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return Normalization(**json.load(f)).normalizer()


def _rebuild(config) -> tuple[Splits, Dataset]:
    ds = load_dataset(config.data, target=config.target, n=config.samples, seed=config.seed, task=config.task)
    return split_standardized(ds.X, ds.y, val=config.val, test=config.test, seed=config.seed,
                              normalize=config.normalize), ds


def _config(layout: RunLayout):
    from trainlab.train.run import RunConfig  # run.py imports this module

    if not os.path.isfile(layout.config):
        fail("load_run", "run", "a run folder with config.json (trainlab train --out DIR)", layout.root)
    with open(layout.config, encoding="utf-8") as f:
        return RunConfig.from_json(f.read(), layout.config)


def load_run(run: str) -> tuple[torch.nn.Module, Normalization, Any]:
    """``(model, normalization, config)`` of the finished run in folder ``run``."""
    layout = RunLayout.of(run)
    config = _config(layout)
    if not os.path.isfile(layout.model):
        fail("load_run", "run", "a finished run folder (with model.pt)", layout.root)
    path = layout.normalization
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            norm = Normalization(**json.load(f))
    else:  # a run from before normalization.json: the split is a function of the config
        parts, ds = _rebuild(config)
        norm = normalization_of(parts, ds, config.data, config.target)
    model = stored_model(config.ensemble, [len(norm.feature_mean), *config.hidden, norm.n_outputs],
                         norm.task == "classification", **config.model_options())
    model.load_state_dict(torch.load(layout.model, weights_only=True))
    model.eval()
    return model, norm, config


def read_feature_csv(path: str, norm: Normalization) -> tuple[np.ndarray, np.ndarray | None]:
    """Features (in the training order) and, when the file has it, the target column of a CSV."""
    if not os.path.isfile(path):
        fail("read_feature_csv", "path", "an existing CSV file", path)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]] if rows else []
    names = norm.features or [h for h in header if h != norm.target]
    missing = [n for n in names if n not in header]
    if missing or len(names) != len(norm.feature_mean):
        want = names if norm.features else f"{len(norm.feature_mean)} feature columns"
        fail("read_feature_csv", "path", f"a CSV file with a header and the model's features ({want})",
             f"{path} with columns {header}")
    cols = [header.index(n) for n in names]
    X = np.empty((len(rows) - 1, len(cols)))
    for i, row in enumerate(rows[1:]):
        for j, c in enumerate(cols):
            try:
                X[i, j] = float(row[c])
            except (ValueError, IndexError):
                raise InvalidArgument(f"Line {i + 2} of {path}: column {names[j]!r} must hold a number.") from None
    y = None
    if norm.target is not None and norm.target in header:
        cells = [row[header.index(norm.target)].strip() for row in rows[1:]]
        if norm.classes is not None:
            y = np.array([norm.classes.index(c) if c in norm.classes else int(float(c)) for c in cells])
        else:
            y = np.array([float(c) for c in cells])
    return X, y


def predict_rows(run: str, X: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Predictions of the run's model for raw feature rows ``X`` (data units or class indices)."""
    model, norm, _ = load_run(run)
    with torch.no_grad():
        return norm.outputs(model(norm.inputs(np.asarray(X, dtype=float))))


def metrics(model: torch.nn.Module, norm: Normalization, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and accuracy (classification) or MSE, RMSE and MAE in the target's units (regression)."""
    with torch.no_grad():
        raw = model(norm.inputs(X))
    if norm.task == "classification":
        labels = torch.as_tensor(np.asarray(y), dtype=torch.long)
        loss = torch.nn.functional.cross_entropy(raw, labels).item()
        return {"cross_entropy": loss, "accuracy": float((raw.argmax(1) == labels).double().mean())}
    err = norm.outputs(raw).reshape(len(y), -1) - np.asarray(y, dtype=float).reshape(len(y), -1)
    mse = float(np.mean(err**2))
    return {"mse": mse, "rmse": math.sqrt(mse), "mae": float(np.mean(np.abs(err)))}


def evaluate_run(run: str, csv_path: str | None = None) -> dict[str, Any]:
    """Metrics of the run's model in data units: on ``csv_path`` (with the target), or its test split."""
    model, norm, config = load_run(run)
    if csv_path is not None:
        X, y = read_feature_csv(csv_path, norm)
        if y is None:
            fail("evaluate_run", "csv_path", f"a CSV file with the target column {norm.target!r}", csv_path)
        return {"data": csv_path, "rows": len(X), **metrics(model, norm, X, y)}
    _, ds = _rebuild(config)
    _, _, test = split_indices(len(ds.X), config.val, config.test, config.seed)
    if len(test) == 0:
        fail("evaluate_run", "run", "a run with a test split (val/test > 0), or give a CSV file", run)
    return {"data": f"{config.data} (test split)", "rows": len(test), **metrics(model, norm, ds.X[test], ds.y[test])}
