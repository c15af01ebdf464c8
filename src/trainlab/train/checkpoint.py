"""The checkpoint file: what it holds, how it is written, and how it is read safely.

A checkpoint is one ``torch.save`` archive of a dict of tensors and plain data:

=========== ==========================================================
key         what
=========== ==========================================================
format      ``"trainlab-checkpoint"``; ``version``: the format version
signature   ``[[name, shape, dtype], ...]`` of the model's state_dict
model       the model's ``state_dict()``
optimizer   the optimizer's ``state_dict()`` (and ``optimizer_type``)
callbacks   each stateful callback's ``state_dict()`` (schedules too)
rng         Python, NumPy, torch (and CUDA) states and the data-order
            generator (``trainlab.train.rng``)
augment_rng the state of the Trainer's augmentation ``torch.Generator``
            (absent in checkpoints written before augmentation existed)
position    epoch, batch index, global step and the epoch's batch order
history     the loss curves so far; ``trainer``: config, flags, timing
=========== ==========================================================

Rules (trainlab's invariants; the SUTD 50.039 notes' "saver and loader"):

- written atomically (``trainlab.atomic``): a crash leaves the previous file;
- read with ``torch.load(path, weights_only=True)``: nothing in the file is
  executed; a file that carries pickled code, a corrupt or truncated file, a file
  that is not a trainlab checkpoint, and a checkpoint of a different model each
  raise one ``CheckpointError`` (a ``ValueError``) saying which.

Example:
    >>> import os, tempfile, torch
    >>> model = torch.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "step-00000001.pt")
    >>> save_checkpoint(path, {"model": model.state_dict(), "signature": model_signature(model)})
    >>> ckpt = load_checkpoint(path, model=model)
    >>> sorted(ckpt["model"])
    ['bias', 'weight']
"""

from __future__ import annotations

import os
import pickle
import pickletools
import re
import warnings
import zipfile
from typing import Any

import torch
from torch import nn

from trainlab.atomic import atomic_torch_save
from trainlab.train.run_layout import CHECKPOINTS

__all__ = [
    "CheckpointError", "CorruptCheckpoint", "FORMAT", "VERSION", "model_signature", "check_signature", "save_checkpoint",
    "load_checkpoint", "checkpoint_path", "list_checkpoints", "latest_checkpoint", "resolve_checkpoint",
]

FORMAT = "trainlab-checkpoint"
VERSION = 1
_STEP_FILE = re.compile(r"^step-(\d+)\.pt$")


class CheckpointError(ValueError):
    """A checkpoint cannot be used: unreadable, unsafe, or written for something else."""


class CorruptCheckpoint(CheckpointError):
    """A checkpoint file whose bytes are damaged (truncated, garbage): an older one may still serve."""


def model_signature(model: nn.Module) -> list[list[Any]]:
    """``[name, shape, dtype]`` of every entry of ``model.state_dict()``, in order."""
    return [[k, list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in model.state_dict().items()]


def check_signature(saved: list[list[Any]], model: nn.Module, path: str) -> None:
    """Raise ``CheckpointError`` naming the first differences between ``saved`` and ``model``."""
    ours = {k: (shape, dtype) for k, shape, dtype in model_signature(model)}
    theirs = {k: (list(shape), dtype) for k, shape, dtype in saved}
    if ours == theirs:
        return
    diffs = [f"{k!r} is missing from the checkpoint" for k in ours if k not in theirs]
    diffs += [f"{k!r} is in the checkpoint but not in the model" for k in theirs if k not in ours]
    diffs += [
        f"{k!r} has shape {theirs[k][0]} ({theirs[k][1]}) in the checkpoint, {ours[k][0]} ({ours[k][1]}) in the model"
        for k in ours if k in theirs and ours[k] != theirs[k]
    ]
    more = f" (and {len(diffs) - 3} more)" if len(diffs) > 3 else ""
    raise CheckpointError(
        f"Checkpoint {path} was written for a different model: {'; '.join(diffs[:3])}{more}."
    )


def save_checkpoint(path: str | os.PathLike[str], payload: dict[str, Any]) -> None:
    """Write ``payload`` (tensors and plain data only) as a checkpoint, atomically."""
    atomic_torch_save(path, {"format": FORMAT, "version": VERSION, **payload})


def _pickled_globals(path: str) -> list[str]:
    """``module.name`` of every global a file's pickle refers to, found by parsing opcodes only.

    ``pickletools.genops`` reads opcodes without executing any of them; the
    pickle of a ``torch.save`` archive is its ``data.pkl`` member.
    """
    with open(path, "rb") as f:
        data = f.read()
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.endswith("data.pkl")]
                data = archive.read(names[0]) if names else b""
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):  # a damaged archive: no pickle to read
            data = b""
    found, strings = [], []
    try:
        for op, arg, _ in pickletools.genops(data):
            if isinstance(arg, str):
                strings.append(arg)
            if op.name in ("GLOBAL", "INST"):
                found.append(str(arg).replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]}.{strings[-1]}")
    except Exception:  # garbage after the globals we saw: report what was found
        pass
    return found


def _code_reference(path: str, message: str) -> str | None:
    """What makes a weights-only refusal a refusal of code: the offending global, if any."""
    for line in message.splitlines():
        if "GLOBAL" in line:
            return line.strip()
    foreign = [g for g in _pickled_globals(path) if not g.startswith(("torch.", "collections."))]
    return f"it refers to {foreign[0]}" if foreign else None


def _damaged_record(path: str) -> str | None:
    """What fails the archive's own CRC-32 checks, or ``None``.

    A torch checkpoint is a zip archive with a checksum per record, but ``torch.load``
    does not verify them: damaged bytes inside a record could load as wrong numbers.
    A file that is not a readable zip at all is left to ``torch.load`` to report.
    """
    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # noqa: BLE001 - not a zip (or no central directory): torch.load says what it is
        return None
    with archive:
        try:
            bad = archive.testzip()
        except Exception as err:  # noqa: BLE001 - a damaged local header or compressed stream
            return f"a record cannot be read ({type(err).__name__})"
    return None if bad is None else f"record {bad!r} fails its checksum"


def load_checkpoint(path: str | os.PathLike[str], model: nn.Module | None = None) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; check it is ours and (if given) fits ``model``."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"No checkpoint file at {path}.")
    damaged = _damaged_record(path)
    if damaged is not None:
        raise CorruptCheckpoint(f"Cannot read checkpoint {path}: {damaged} (the file is corrupt).")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols of foreign files
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        detail = _code_reference(path, str(err))
        if detail is not None:
            raise CheckpointError(
                f"Refusing to load checkpoint {path}: it carries pickled code or objects other than "
                f"tensors and plain data ({detail}). Nothing in it was executed."
            ) from None
        raise CorruptCheckpoint(f"Cannot read checkpoint {path}: the file is corrupt.") from None
    except Exception as err:  # truncated zip, empty file, garbage bytes
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorruptCheckpoint(f"Cannot read checkpoint {path}: the file is truncated or corrupt ({first}).") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a trainlab checkpoint (it has no {FORMAT!r} marker).")
    if not isinstance(obj.get("version"), int) or obj["version"] > VERSION:
        raise CheckpointError(
            f"Checkpoint {path} has format version {obj.get('version')!r}; this trainlab reads up to {VERSION}."
        )
    if model is not None:
        if "signature" not in obj:
            raise CheckpointError(f"Checkpoint {path} has no model signature.")
        check_signature(obj["signature"], model, path)
    return obj


def checkpoint_path(directory: str | os.PathLike[str], step: int) -> str:
    """Where the checkpoint of ``step`` lives in ``directory``: ``step-00000050.pt``."""
    return os.path.join(os.fspath(directory), f"step-{step:08d}.pt")


def list_checkpoints(directory: str | os.PathLike[str]) -> list[tuple[int, str]]:
    """``(step, path)`` of every step checkpoint in ``directory``, oldest first."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        return []
    found = [(int(m.group(1)), os.path.join(directory, n))
             for n in os.listdir(directory) if (m := _STEP_FILE.match(n))]
    return sorted(found)


def latest_checkpoint(directory: str | os.PathLike[str]) -> str:
    """The newest step checkpoint in ``directory`` (a clear error if there is none)."""
    found = list_checkpoints(directory)
    if not found:
        raise CheckpointError(f"No checkpoints (step-*.pt) in {os.fspath(directory)}.")
    return found[-1][1]


def resolve_checkpoint(path: str | os.PathLike[str]) -> str:
    """A checkpoint file itself, or the newest one in a directory or its ``checkpoints/``."""
    path = os.fspath(path)
    if os.path.isdir(path):
        sub = os.path.join(path, CHECKPOINTS)
        return latest_checkpoint(sub if os.path.isdir(sub) else path)
    return path
