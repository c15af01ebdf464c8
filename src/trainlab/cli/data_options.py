"""The ``--data`` options every command that trains on data shares: one vocabulary.

``--data`` takes what ``trainlab.data.load_dataset`` takes: a bundled data set,
a lecture target, or a CSV file (with ``--target`` and ``--task``); ``--samples``
sets the points of a lecture target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from trainlab.data import dataset_names

__all__ = ["data_options"]


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
