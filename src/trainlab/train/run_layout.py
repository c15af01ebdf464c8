"""``RunLayout``: where each file of a run folder lives, spelled out once.

A run folder ``DIR`` holds::

    config.json      the RunConfig (``resume_run`` rebuilds everything from it)
    history.csv      epoch rows, rewritten atomically after every epoch
    checkpoints/     step-XXXXXXXX.pt every ``checkpoint_every`` steps, best.pt, the final step
    model.pt         the final model ``state_dict`` (``torch.load(..., weights_only=True)``)
    normalization.json  the training split's mean/std and column names, for new raw data
                     (``trainlab.train.predict``; written with config.json)
    loss.png         loss and learning-rate curves (drawn by ``trainlab.report.history.LossFigure``)
    summary.json     final train/validation/test metrics and why the run stopped

Example:
    >>> layout = RunLayout("runs/diabetes")
    >>> layout.config, layout.checkpoints
    ('runs/diabetes/config.json', 'runs/diabetes/checkpoints')
    >>> RunLayout.of("runs/diabetes/checkpoints/step-00000050.pt").root
    'runs/diabetes'
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["CHECKPOINTS", "RunLayout"]

CHECKPOINTS = "checkpoints"  # the folder of step checkpoints inside a run folder


@dataclass(frozen=True)
class RunLayout:
    """The paths of the run folder ``root``."""

    root: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", os.fspath(self.root))

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> RunLayout:
        """The run folder of ``path``: the folder itself, or the one above a checkpoint file in it.

        A path that does not exist is a run folder that was never created, unless it
        names a checkpoint file (``.pt``).
        """
        path = os.fspath(path)
        if os.path.isdir(path) or not (os.path.isfile(path) or path.endswith(".pt")):
            return cls(path)
        parent = os.path.dirname(path) or os.curdir
        return cls((os.path.dirname(parent) or os.curdir) if os.path.basename(parent) == CHECKPOINTS else parent)

    def _file(self, name: str) -> str:
        return os.path.join(self.root, name)

    @property
    def config(self) -> str:
        return self._file("config.json")

    @property
    def history(self) -> str:
        return self._file("history.csv")

    @property
    def checkpoints(self) -> str:
        return self._file(CHECKPOINTS)

    @property
    def model(self) -> str:
        return self._file("model.pt")

    @property
    def normalization(self) -> str:
        return self._file("normalization.json")

    @property
    def figure(self) -> str:
        return self._file("loss.png")

    @property
    def summary(self) -> str:
        return self._file("summary.json")

    @property
    def started(self) -> bool:
        """Whether a run was started here (its config is written before the first step)."""
        return os.path.isfile(self.config)

    def outputs(self) -> list[str]:
        """The files a finished run leaves, by name (``checkpoints/`` last)."""
        return [os.path.basename(p) for p in (self.history, self.figure, self.model,
                                                    self.normalization, self.summary)] + [
            CHECKPOINTS + "/"]
