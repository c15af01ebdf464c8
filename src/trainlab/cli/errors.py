"""Library errors in the words of the command line: one mapping, used by every command.

The library names its arguments (``The 'batch_size' parameter of Trainer must be
...``, ``Unknown optimizer 'adamm'``); a user typed options. ``library_errors``
turns each library error raised inside it into a click error that names the
option, never an internal function:

* ``InvalidArgument`` of the standard template: the argument's option comes from
  ``OPTIONS`` (``batch_size`` -> ``--batch-size``), a command's own ``options``
  first (in ``lr-find`` the optimizer's ``lr`` is ``--start``);
* ``Unknown KIND 'x'`` errors of the registries: the option of ``KIND``;
* run-folder errors (``RunAlreadyStarted``, ``RunNeverStarted``, ``RunFolderBusy``,
  checkpoint errors) name ``--out`` or ``--resume`` and what to do;
* an ``OSError`` on an output (``--out`` under a file, unwritable, ``/proc``)
  names the output option and the reason.

Example:
    >>> from trainlab.constraints import InvalidArgument
    >>> error = translate(InvalidArgument(
    ...     "The 'batch_size' parameter of Trainer must be an int >= 1 or None. Got 0 instead."))
    >>> error.format_message()
    "Invalid value for '--batch-size': must be an int >= 1 or None. Got 0 instead."
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import click

from trainlab.constraints import InvalidArgument
from trainlab.train.checkpoint import CheckpointError
from trainlab.train.run import RunAlreadyStarted, RunNeverStarted
from trainlab.train.run_layout import RunFolderBusy

__all__ = ["OPTIONS", "library_errors", "translate"]

# library argument name -> the option that sets it (the same in every command)
OPTIONS: dict[str, str] = {
    "source": "--data", "data": "--data", "name": "--data", "path": "--data", "target": "--target",
    "task": "--task", "n": "--samples", "samples": "--samples",
    "widths": "--model", "hidden": "--model", "activation": "--activation", "dropout": "--dropout",
    "dropout_form": "--dropout-form",
    "optimizer": "--optimizer", "lr": "--lr", "loss": "--loss", "epochs": "--epochs",
    "batch_size": "--batch-size", "val": "--val", "test": "--test", "val + test": "--val and --test",
    "config": "--resume", "seed": "--seed", "every": "--checkpoint-every", "keep_last": "--keep-last",
    "patience": "--patience", "normalize": "--normalize",
    "max_norm": "--clip", "start": "--start", "end": "--end", "steps": "--steps",
    "augment": "--augment", "ensemble": "--ensemble",
}
# "Unknown KIND 'x'" -> option
KINDS: dict[str, str] = {"optimizer": "--optimizer", "activation": "--activation", "data set": "--data",
                         "schedule": "NAME", "problem": "--problem", "loss": "--loss",
                         "normalization": "--normalize"}

_TEMPLATE = re.compile(r"^The '(?P<name>[^']+)' parameter of (?P<owner>[\w.]+) must be (?P<rest>.*)$", re.DOTALL)
_UNKNOWN = re.compile(r"^Unknown (?P<kind>[\w ]+?) '")


def _option_error(option: str, text: str) -> click.ClickException:
    if option.startswith("-") or option.isupper():
        return click.BadParameter(text, param_hint=f"'{option}'" if " " not in option else option)
    return click.ClickException(text)


def translate(err: Exception, options: Mapping[str, str] | None = None, output: str = "--out") -> click.ClickException:
    """``err`` as a click error naming the option (``options`` override ``OPTIONS`` for one command)."""
    names = {**OPTIONS, **(options or {})}
    text = str(err)
    if isinstance(err, RunAlreadyStarted):
        root = err.layout.root
        return click.ClickException(f"{output} {root} already holds a run; continue that one with --resume {root}, "
                                    f"or choose another {output}.")
    if isinstance(err, RunNeverStarted):
        root = err.layout.root
        return click.ClickException(
            f"--resume {root}: the run never started there (no config.json: it was stopped before writing its "
            f"config, or the path is wrong), so no step is lost. Start it with  trainlab train --out {root}  "
            "and the options you meant.")
    if isinstance(err, RunFolderBusy):
        return click.ClickException(f"{output} {err.root} is in use by another trainlab process (pid "
                                    f"{err.pid or 'unknown'}); two runs in one folder would overwrite each other. "
                                    f"Wait for it, or choose another {output}.")
    if isinstance(err, CheckpointError):
        return click.ClickException(text)
    if isinstance(err, OSError):
        where = os.fspath(err.filename) if err.filename is not None else ""
        if ".tmp-" in os.path.basename(where):  # the hidden temporary of an atomic write: name its folder
            where = os.path.dirname(where)
        return click.ClickException(f"{output} {where}: cannot write there ({err.strerror or err}).")
    match = _TEMPLATE.match(text)
    if match:
        name = match["name"]
        option = names.get(f"{match['owner']}.{name}", names.get(name))
        if option is not None:
            return _option_error(option, f"must be {match['rest']}")
    match = _UNKNOWN.match(text)
    option = match and ((options or {}).get(match["kind"]) or KINDS.get(match["kind"]))
    if option:
        return _option_error(option, text)
    return click.ClickException(text)


@contextmanager
def library_errors(options: Mapping[str, str] | None = None, output: str = "--out") -> Iterator[None]:
    """Turn the library's errors raised in the block into messages naming this command's options."""
    try:
        yield
    except (InvalidArgument, CheckpointError, RunFolderBusy, OSError) as err:
        raise translate(err, options, output) from None
