"""How many threads torch uses: chosen from the size of the work, set once, overridable.

torch's intra-op pool splits each operation across threads. For a small model the
split costs more than it saves, and on a machine whose cores are busy with other
work a second thread waits for a core: a small training run can slow down ten-fold
(``benchmarks/threads.py`` measures it). The rule:

* ``choose_threads(work, cores)``: one thread below ``2 * WORK_PER_THREAD``
  multiply-adds per forward pass (``forward_work`` estimates them for a stack of
  linear layers), then one thread per ``WORK_PER_THREAD``, at most ``cores``, by
  default the cores other work leaves free (``free_cores``: the core count less
  the one-minute load average, at least 1);
* an explicit count wins: ``--threads N`` on the command line, else the environment
  variable ``TRAINLAB_THREADS``, else the rule (``thread_setting`` resolves this
  order and checks the value: an int >= 1);
* ``set_threads(n)`` applies it (``torch.set_num_threads``), once, at the start of
  a command.

Example:
    >>> choose_threads(forward_work([10, 64, 64, 1], rows=442), cores=16)
    1
    >>> choose_threads(forward_work([784, 4096, 4096, 10], rows=1024), cores=16)
    16
    >>> thread_setting("3", {"TRAINLAB_THREADS": "2"}, work=1)
    (3, '--threads')
    >>> thread_setting(None, {"TRAINLAB_THREADS": "2"}, work=1)
    (2, 'TRAINLAB_THREADS')
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from trainlab.constraints import POSITIVE_INT, check

__all__ = ["ENV", "WORK_PER_THREAD", "choose_threads", "forward_work", "free_cores", "set_threads", "thread_setting"]

ENV = "TRAINLAB_THREADS"
# Multiply-adds of one forward pass each thread must have before it is added (a starting
# point, not a measured crossover: on the busy 2-core machine benchmarks/threads.py ran on,
# one thread was as fast or faster at every size it tried, up to 1.4e8; see docs/performance.md).
WORK_PER_THREAD = 2 ** 23


def forward_work(widths: Sequence[int], rows: int) -> int:
    """Multiply-adds of one forward pass of ``rows`` rows through linear layers of ``widths``."""
    return rows * sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False))


def free_cores() -> int:
    """Cores not busy with other work: the core count less the one-minute load average, at least 1."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average on this system
        busy = 0.0
    return max(1, cores - int(busy))


def choose_threads(work: int, cores: int | None = None) -> int:
    """Threads for ``work`` multiply-adds per pass: 1 below ``2 * WORK_PER_THREAD``, then one per ``WORK_PER_THREAD``.

    At most ``cores`` (default ``free_cores()``).
    """
    cores = cores or free_cores()
    if work < 2 * WORK_PER_THREAD:
        return 1
    return max(1, min(cores, work // WORK_PER_THREAD))


def _count(value: int | str, name: str) -> int:
    text = value.strip() if isinstance(value, str) else value
    number = int(text) if isinstance(text, str) and text.isdigit() else text
    check("trainlab", name, number, POSITIVE_INT)
    return number


def thread_setting(flag: int | str | None, environ: Mapping[str, str] | None = None, *,
                   work: int, cores: int | None = None) -> tuple[int, str]:
    """``(threads, source)``: ``flag`` (``--threads``), else ``TRAINLAB_THREADS``, else ``choose_threads(work)``.

    A given value must be an int >= 1 (a string of digits counts); anything else raises
    ``InvalidArgument`` naming ``threads`` or ``TRAINLAB_THREADS``.
    """
    environ = os.environ if environ is None else environ
    if flag is not None:
        return _count(flag, "threads"), "--threads"
    if environ.get(ENV, "") != "":
        return _count(environ[ENV], ENV), ENV
    return choose_threads(work, cores), "automatic"


def set_threads(n: int) -> None:
    """Use ``n`` intra-op threads in torch from now on."""
    check("set_threads", "n", n, POSITIVE_INT)
    import torch  # here, so that reading the setting costs no torch import

    torch.set_num_threads(n)
