"""Options shared by the commands that train on data: one vocabulary for each.

``--data`` takes what ``trainlab.data.load_dataset`` takes: a bundled data set,
a lecture target, or a CSV file (with ``--target`` and ``--task``); ``--samples``
sets the points of a lecture target. ``--model`` takes hidden widths (``64,64``;
``linear`` for none), read by ``hidden_widths``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from trainlab.data import dataset_names
from trainlab.nn import ACTIVATIONS

__all__ = ["DEFAULT_ACTIVATION", "activation_option", "data_options", "hidden_widths", "key_values"]

# One default for every command that builds an MLP (train, lr-find, race), so that
# lr-find's suggestion is for the model train builds.
DEFAULT_ACTIVATION = "tanh"


def activation_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--activation`` (the MLP's hidden activation, default ``DEFAULT_ACTIVATION``)."""
    return click.option("--activation", type=click.Choice(sorted(ACTIVATIONS)), default=DEFAULT_ACTIVATION,
                        show_default=True, help="Hidden-layer activation of the MLP.")(command)


def key_values(items: tuple[str, ...], option: str = "--set") -> dict[str, str]:
    """``("a=1", "b=x,y")`` -> ``{"a": "1", "b": "x,y"}``; a clear error names ``option``."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=option)
        pairs[key.strip()] = value
    return pairs


def data_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--data``, ``--target``, ``--task`` and ``--samples`` to a click command."""
    options = [
        click.option("--data", default="diabetes", show_default=True,
                     help=f"A data set ({', '.join(dataset_names())}) or a CSV file path (with --target)."),
        click.option("--target", default=None, help="CSV: the column to predict."),
        click.option("--task", type=click.Choice(["regression", "classification"]), default="regression",
                     show_default=True, help="CSV: how to read the target column."),
        click.option("--samples", type=click.IntRange(1), default=None,
                     help="Points of a lecture target (default 100)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def hidden_widths(value: str) -> list[int]:
    """``"64,64"`` -> ``[64, 64]``; ``"linear"`` (or empty) -> no hidden layer."""
    if value.strip().lower() in ("", "linear", "none"):
        return []
    try:
        widths = [int(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"comma-separated hidden widths such as 64,64; got {value!r}",
                                 param_hint="--model") from None
    if any(w < 1 for w in widths):
        raise click.BadParameter(f"hidden widths must be >= 1; got {value!r}", param_hint="--model")
    return widths
