"""torch.optim's words for a bad hyperparameter, added to trainlab's own message.

trainlab's errors name the argument, the valid range and the value given
(``trainlab.constraints``). Code written for ``torch.optim`` catches its errors
by type (``ValueError``, the base of ``InvalidArgument``) and sometimes by phrase
("Invalid learning rate", as torch's own tests do). ``speaking_torch`` keeps
trainlab's message and appends torch's phrase for the same mistake, so both
kinds of caller keep working. The table below is the one place those phrases
live; every optimizer's validation runs through it.

Example:
    >>> import torch
    >>> from trainlab.optim import Adam
    >>> Adam([torch.nn.Parameter(torch.ones(1))], lr=-0.1)
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: The 'lr' parameter of Adam must be a float in the range [0, inf). Got -0.1 instead. (torch.optim: Invalid learning rate: -0.1)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from trainlab.constraints import InvalidArgument, is_number_tensor

__all__ = ["speaking_torch", "torch_phrase"]

# argument name -> torch.optim's phrase (``{}`` is the value as torch prints it)
_PHRASES = {
    "lr": "Invalid learning rate: {}",
    "eps": "Invalid epsilon value: {}",
    "params": "some parameters appear in more than one parameter group",
}
_SAME_KIND = "betas must be either both floats or both Tensors"


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "numel") and hasattr(value, "dtype")


def torch_phrase(name: str, value: Any) -> str:
    """What torch.optim says when argument ``name`` is given the bad ``value``."""
    if _is_tensor(value) and value.numel() != 1:
        return f"Tensor {name} must be 1-element"
    if name == "betas" and isinstance(value, (tuple, list)) and len(value) == 2:
        if is_number_tensor(value[0]) != is_number_tensor(value[1]):
            return _SAME_KIND
        bad = [i for i, b in enumerate(value) if not (_is_number(b) and 0.0 <= float(b) < 1.0)]
        index = bad[0] if bad else 0
        return f"Invalid beta parameter at index {index}: {value[index]}"
    if name == "nesterov":
        return "Nesterov momentum requires a momentum and zero dampening"
    if name == "params":
        if isinstance(value, str) and "earlier group" in value:
            return _PHRASES["params"]
        return "optimizer got an empty parameter list"
    return _PHRASES.get(name, f"Invalid {name} value: {{}}").format(value)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError, RuntimeError):
        return False
    return True


@contextmanager
def speaking_torch() -> Iterator[None]:
    """Re-raise any ``InvalidArgument`` from the block with torch.optim's phrase appended."""
    try:
        yield
    except InvalidArgument as err:
        name = getattr(err, "argument", None)
        if name is None:
            raise
        phrase = torch_phrase(name, err.value)
        new = InvalidArgument(f"{err} (torch.optim: {phrase})")
        new.owner, new.argument, new.value = err.owner, name, err.value
        raise new from None
