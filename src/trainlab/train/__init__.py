"""Training loops: the ``Trainer``, its callbacks, ``History``, checkpoints that resume exactly,
the gradient-descent loop ``descend``, the learning-rate range test and ``LSGDTrainer``.

Example:
    >>> import torch
    >>> from trainlab.data import load_dataset, split_standardized
    >>> from trainlab.nn import MLP
    >>> from trainlab.train import Trainer, EarlyStopping, seed_everything
    >>> seed_everything(0)
    >>> ds = load_dataset("diabetes")
    >>> parts = split_standardized(ds.X, ds.y, val=0.2, test=0.1, seed=0)
    >>> model = MLP([10, 32, 1], activation="tanh")
    >>> trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=30, batch_size=32,
    ...                   callbacks=[EarlyStopping(patience=5)])
    >>> history = trainer.fit(parts.train, parts.val)
    >>> history.stop_reason in ("completed", "early_stopping")
    True
"""

from trainlab.deprecation import relocated
from trainlab.train.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    GradientClipping,
    HistoryLogger,
    MonitorCallback,
    NaNGuard,
    ProgressBar,
    ScheduleCallback,
)
from trainlab.train.checkpoint import CheckpointError, latest_checkpoint, load_checkpoint, save_checkpoint
from trainlab.train.descent import DescentResult, descend
from trainlab.train.history import History
from trainlab.train.lsgd import LSGDTrainer
from trainlab.train.range_test import lr_range_test
from trainlab.train.rng import capture_rng, restore_rng, seed_everything
from trainlab.train.trainer import Trainer

__all__ = [
    "Callback", "Checkpoint", "CheckpointError", "EarlyStopping", "GradientClipping", "History",
    "HistoryLogger", "LSGDTrainer", "MonitorCallback", "NaNGuard", "ProgressBar", "ScheduleCallback", "Trainer",
    "DescentResult", "capture_rng", "descend", "latest_checkpoint", "load_checkpoint", "lr_range_test",
    "restore_rng", "save_checkpoint", "seed_everything",
]

__getattr__ = relocated(__name__, {"Schedule": "trainlab.train.callbacks.schedule:ScheduleCallback"})  # old name

