"""``RunLayout``: where each file of a run folder lives, spelled out once.

A run folder ``DIR`` holds::

    config.json      the RunConfig (``resume_run`` rebuilds everything from it)
    history.csv      epoch rows, rewritten atomically after every epoch
    checkpoints/     step-XXXXXXXX.pt every ``checkpoint_every`` steps, best.pt, the final step
    model.pt         the final model ``state_dict`` (``torch.load(..., weights_only=True)``)
    normalization.json  the fitted input normalizer (mean/std, or the whitening) and column names,
                     for new raw data and for resuming
                     (``trainlab.train.predict``; written with config.json)
    loss.png         loss and learning-rate curves (drawn by ``trainlab.report.history.LossFigure``)
    summary.json     final train/validation/test metrics and why the run stopped
    .lock            held (``fcntl.flock``) by the one process writing the folder

``RunLayout.lock()`` takes the folder for one writer: a second process gets
``RunFolderBusy`` naming the folder and the pid that holds it. The operating
system drops the lock when its process dies (even by SIGKILL), so a killed run
never blocks its own resume.

Example:
    >>> layout = RunLayout("runs/diabetes")
    >>> layout.config, layout.checkpoints
    ('runs/diabetes/config.json', 'runs/diabetes/checkpoints')
    >>> RunLayout.of("runs/diabetes/checkpoints/step-00000050.pt").root
    'runs/diabetes'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one writer is trusted
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINTS", "RunFolderBusy", "RunLayout"]


class RunFolderBusy(RuntimeError):
    """Another process is writing the run folder (it holds its lock)."""

    def __init__(self, root: str, pid: str) -> None:
        self.root, self.pid = root, pid
        super().__init__(f"{root} is in use by another trainlab process (pid {pid or 'unknown'}); "
                         "two runs in one folder would overwrite each other's files.")

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
    def lock_file(self) -> str:
        return self._file(".lock")

    def holder(self) -> str | None:
        """The pid (as written) of another process holding the folder's lock; ``None`` if it is free."""
        if fcntl is None or not os.path.isfile(self.lock_file):
            return None
        fd = os.open(self.lock_file, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 32, 0).decode(errors="replace").strip()
        finally:
            os.close(fd)
        return None

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's lock (creating the folder) for the ``with`` block; ``RunFolderBusy`` if taken."""
        os.makedirs(self.root, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise RunFolderBusy(self.root, os.pread(fd, 32, 0).decode(errors="replace").strip()) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock; the file stays (removing it would race a waiting writer)

    @property
    def started(self) -> bool:
        """Whether a run was started here (its config is written before the first step)."""
        return os.path.isfile(self.config)

    def outputs(self) -> list[str]:
        """The files a finished run leaves, by name (``checkpoints/`` last)."""
        return [os.path.basename(p) for p in (self.history, self.figure, self.model,
                                                    self.normalization, self.summary)] + [
            CHECKPOINTS + "/"]
