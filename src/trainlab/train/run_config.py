"""``RunConfig``: everything that defines a run of ``trainlab train``, as ``config.json`` holds it.

A field per option of ``trainlab train``; ``start_run`` checks the values before a
folder is made, and ``resume_run`` reads them back (``RunConfig.from_json``). A
``config.json`` written before a field existed still loads: the field takes its
default, which reproduces the old behaviour.

Example:
    >>> cfg = RunConfig(data="digits", hidden=[32], normalize="zca", l2=1e-4, batch_norm=True)
    >>> RunConfig.from_json(cfg.to_json()) == cfg
    True
    >>> cfg.model_options()["batch_norm"]
    True
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from trainlab.constraints import fail

__all__ = ["RunConfig"]


@dataclass
class RunConfig:
    """Everything that defines a run; ``config.json`` holds exactly these fields."""

    data: str
    target: str | None = None  # CSV label column
    task: str = "regression"  # for CSV files: "regression" or "classification"
    samples: int | None = None  # points of a lecture target
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    activation: str = "relu"
    dropout: float | list[float] = 0.0  # drop probability, or one per hidden layer
    optimizer: str = "adam"
    lr: float = 1e-3
    loss: str = "auto"  # "auto": cross_entropy for classification, mse otherwise
    epochs: int = 100
    batch_size: int | None = None
    val: float = 0.2
    test: float = 0.1
    seed: int = 0
    checkpoint_every: int | None = None  # steps; default once per epoch
    keep_last: int = 3
    patience: int | None = None  # early stopping on val_loss
    clip: float | None = None  # gradient clipping by global norm
    nan_guard: bool = True
    momentum: float | None = None  # passed to the optimizer when given
    weight_decay: float | None = None  # the optimizer's own (or an L2 penalty for one without)
    l1: float | None = None  # trainlab.regularize.L1 on the weights
    l2: float | None = None  # trainlab.regularize.L2 on the weights
    label_smoothing: float | None = None  # cross-entropy runs
    schedule: str | None = None  # a name from trainlab.schedules.registry (rate and horizon from lr, epochs)
    schedule_settings: dict[str, str] = field(default_factory=dict)  # its arguments, as text
    warmup: int = 0  # steps of linear warm-up in front of the schedule (or of the constant lr)
    augment: str | None = None  # trainlab.regularize.parse_augment's spelling: "shift,rotate:degrees=15"
    ensemble: str | None = None  # "bagging:K" or "snapshot:K": model.pt holds an Ensemble of K MLPs
    normalize: str = "standard"  # input normalization fitted on the training split: none, standard, pca, zca
    dropout_form: str = "inverted"  # or "standard" (scaled by the keep probability at inference)
    batch_norm: bool = False  # BatchNorm1d before each hidden activation

    def model_options(self) -> dict[str, Any]:
        """The MLP's keyword arguments besides its widths."""
        return {"activation": self.activation, "dropout": self.dropout, "dropout_form": self.dropout_form,
                "batch_norm": self.batch_norm}

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "config.json") -> RunConfig:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as err:
            fail("resume_run", "config", "valid JSON", f"{source}: {err}")
        known = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(raw, dict) or "data" not in raw or set(raw) - known:
            fail("resume_run", "config", f"a JSON object with the fields {sorted(known)}", source)
        return cls(**raw)
