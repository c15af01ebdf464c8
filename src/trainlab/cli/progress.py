"""Progress of long commands that reads well on a terminal and in a log file.

On a terminal a spinner line is redrawn in place (``rich``'s status); anywhere
else (a pipe, ``> log.txt``, CI) each update is one plain line with no control
characters, so a log shows what ran and when it finished.

Example:
    >>> from rich.console import Console
    >>> import io
    >>> console = Console(file=io.StringIO(), force_terminal=False)
    >>> with Progress(console, "racing 2 optimizers") as progress:
    ...     progress.update("sgd done (1/2)")
    >>> print(console.file.getvalue().splitlines()[:2])
    ['racing 2 optimizers ...', '  sgd done (1/2)']
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console

__all__ = ["Progress"]


class Progress:
    """``with Progress(console, "doing x") as p: ... p.update("step 3 of 9")``."""

    def __init__(self, console: Console, message: str) -> None:
        self.console, self.message = console, message
        self.live = console.is_terminal
        self.status = console.status(message) if self.live else None

    def __enter__(self) -> Progress:
        self.start = time.perf_counter()
        if self.status is not None:
            self.status.__enter__()
        else:
            self.console.print(f"{self.message} ...", markup=False, highlight=False)
        return self

    def update(self, text: str) -> None:
        if self.status is not None:
            self.status.update(f"{self.message}: {text}")
        else:
            self.console.print(f"  {text}", markup=False, highlight=False)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.status is not None:
            self.status.__exit__(kind, error, trace)
        elif kind is None:
            self.console.print(f"{self.message}: done in {time.perf_counter() - self.start:.1f} s",
                               markup=False, highlight=False)
