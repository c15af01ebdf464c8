"""Callbacks for ``trainlab.train.Trainer``: hooks that watch and steer a run.

Example:
    >>> from trainlab.train.callbacks import EarlyStopping, GradientClipping, NaNGuard
    >>> callbacks = [EarlyStopping(patience=20), GradientClipping(max_norm=1.0), NaNGuard()]
"""

from trainlab.train.callbacks.base import Callback, CallbackList, MonitorCallback
from trainlab.train.callbacks.checkpointing import Checkpoint
from trainlab.train.callbacks.clipping import GradientClipping
from trainlab.train.callbacks.early_stopping import EarlyStopping
from trainlab.train.callbacks.logger import HistoryLogger
from trainlab.train.callbacks.nan_guard import NaNGuard
from trainlab.train.callbacks.progress import ProgressBar
from trainlab.train.callbacks.schedule import ScheduleCallback
from trainlab.deprecation import relocated

__all__ = [
    "Callback", "CallbackList", "Checkpoint", "EarlyStopping", "GradientClipping", "HistoryLogger",
    "MonitorCallback", "NaNGuard", "ProgressBar", "ScheduleCallback",
]

__getattr__ = relocated(__name__, {"Schedule": "trainlab.train.callbacks.schedule:ScheduleCallback"})  # old name
