"""A run made by ``trainlab train``, ready to diagnose: its model (or a checkpoint's), training split and loss.

``load_run_data(run_dir)`` reads ``config.json`` and ``model.pt`` (through
``trainlab.train.predict.load_run``, ``weights_only=True``), rebuilds the training
split exactly as the run made it (the split and its standardization are functions
of the config's seed, as in ``trainlab.train.run``), and resolves the run's loss
(``"auto"``: cross-entropy for classes, MSE for numbers). ``checkpoint`` picks
another state than ``model.pt``: a step checkpoint of the run
(``checkpoints/step-*.pt``) or a saved ``state_dict``; one that belongs to another
model is refused naming the differences. The model comes back in eval mode, in
``dtype``.

Example:
    >>> import tempfile
    >>> from trainlab.train.run import RunConfig, start_run
    >>> run = tempfile.mkdtemp() + "/run"
    >>> _ = start_run(run, RunConfig(data="noisy_x2", hidden=[4], epochs=1), progress=False)
    >>> data = load_run_data(run)
    >>> data.x.shape[1], data.x.dtype, data.loss_name, data.model.training
    (1, torch.float64, 'mse', False)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import InvalidArgument, Options, check, fail
from trainlab.data import load_dataset, split_standardized
from trainlab.diagnose.hvp import ModelLoss, model_loss
from trainlab.train.checkpoint import CheckpointError, check_signature, load_checkpoint
from trainlab.train.losses import resolve_loss
from trainlab.train.predict import load_run

__all__ = ["RunData", "load_run_data"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class RunData:
    """The model, the training split (standardized, as trained on) and the loss of one run."""

    model: nn.Module
    x: Tensor
    y: Tensor
    loss_name: str
    config: Any
    checkpoint: str

    def loss_fn(self, rows: Tensor | None = None) -> ModelLoss:
        """The training loss (on ``rows`` of the split, or all of it) as a ``loss_fn`` for ``trainlab.diagnose``."""
        x, y = (self.x, self.y) if rows is None else (self.x[rows], self.y[rows])
        return model_loss(self.model, resolve_loss(self.loss_name), x, y)


def _state_of(path: str, model: nn.Module) -> dict[str, Tensor]:
    """The model state in ``path``: a trainlab checkpoint (signature checked) or a plain state_dict."""
    try:
        raw = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # a corrupt file, pickled code, not a torch file
        fail("load_run_data", "checkpoint", "a readable checkpoint or state_dict saved by torch.save "
             "(read with weights_only=True)", f"{path} ({type(err).__name__}: {str(err).splitlines()[0][:200]})")
    try:
        if isinstance(raw, dict) and "signature" in raw:
            return load_checkpoint(path, model=model)["model"]
        if isinstance(raw, dict) and all(isinstance(v, Tensor) for v in raw.values()):
            check_signature([[k, list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in raw.items()],
                            model, path)
            return raw
    except CheckpointError as err:
        fail("load_run_data", "checkpoint", "a checkpoint of this run's model", f"{path}: {err}")
    fail("load_run_data", "checkpoint", "a trainlab checkpoint or a model state_dict", f"{path} ({type(raw).__name__})")
    raise AssertionError  # unreachable: fail raises


def load_run_data(run_dir: str, checkpoint: str | None = None, dtype: str = "float64") -> RunData:
    """The run in ``run_dir`` (its ``model.pt``, or ``checkpoint``) with its training split and loss."""
    check("load_run_data", "dtype", dtype, Options(tuple(_DTYPES)))
    try:
        model, _, config = load_run(run_dir)
    except RuntimeError as err:  # model.pt does not fit config.json
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        first = next((ln for ln in lines if "size mismatch" in ln or "key" in ln), lines[0] if lines else "")
        fail("load_run_data", "run_dir", "a run folder whose model.pt fits its config.json (another model's "
             "model.pt?)", f"{run_dir} ({first[:300]})")
    except InvalidArgument as err:
        raise InvalidArgument(str(err).replace("'run' parameter of load_run", "'run_dir' parameter of "
                                               "load_run_data")) from None
    path = os.path.join(run_dir, "model.pt")
    if checkpoint is not None:
        if not os.path.isfile(checkpoint):
            fail("load_run_data", "checkpoint", "an existing checkpoint file", checkpoint)
        model.load_state_dict(_state_of(checkpoint, model))
        path = checkpoint
    ds = load_dataset(config.data, target=config.target, n=config.samples, seed=config.seed, task=config.task)
    train = split_standardized(ds.X, ds.y, val=config.val, test=config.test, seed=config.seed).train
    classify = ds.task == "classification"
    loss = ("cross_entropy" if classify else "mse") if config.loss == "auto" else config.loss
    dt = _DTYPES[dtype]
    model = model.to(dt).eval()
    x = torch.as_tensor(train.x).to(dt)
    y = torch.as_tensor(train.y)
    y = y.long() if classify else y.to(dt)
    return RunData(model, x, y, loss, config, path)
