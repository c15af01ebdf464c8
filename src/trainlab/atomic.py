"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The rule (POSIX): write a temporary file in the same directory, flush it,
``fsync`` it, ``os.replace`` it over the target (atomic on one file system),
then ``fsync`` the directory so the rename itself survives a power cut. A
process killed at any moment leaves at most a stray ``.NAME.tmp-PID`` file,
which ``remove_stale_temporaries`` cleans up. A Ctrl-C or ``kill`` (SIGINT,
SIGTERM) that arrives during a write waits until the file is in place: an
interrupt raised inside a writer (``torch.save``'s own clean-up, say) could
otherwise turn into another error and hide the interrupt.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "config.json")
    >>> atomic_write_text(path, '{"epochs": 10}')
    >>> open(path).read()
    '{"epochs": 10}'
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import torch

__all__ = ["atomic_write", "atomic_write_text", "atomic_torch_save", "remove_stale_temporaries"]

_TMP_MARK = ".tmp-"


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM received inside the block take effect when it ends (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[tuple[int, Any]] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous = {sig: handler for sig, handler in previous.items() if handler is not None}  # None: set outside Python
    for sig in previous:
        signal.signal(sig, lambda signum, frame: caught.append((signum, frame)))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signum, frame = caught[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)  # e.g. Python's default SIGINT handler raises KeyboardInterrupt
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(f)`` on a temporary binary file, then move it to ``path`` atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}{_TMP_MARK}{os.getpid()}")
    with _interrupts_deferred():
        try:
            with open(tmp, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        _fsync_directory(directory)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def atomic_torch_save(path: str | os.PathLike[str], obj: Any) -> None:
    """``torch.save(obj)`` to ``path`` atomically."""
    atomic_write(path, lambda f: torch.save(obj, f))


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> list[str]:
    """Delete temporaries left by killed writers in ``directory``; return their names."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        return []
    stale = [n for n in os.listdir(directory) if n.startswith(".") and _TMP_MARK in n]
    for name in stale:
        os.remove(os.path.join(directory, name))
    return stale
