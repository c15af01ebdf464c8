"""Fit a network to a one-dimensional lecture target with the Trainer; keep its errors and its curve.

Shared by the regularization demonstrations (``heaviside_regularizers``,
``sine_learning_rates``): ``fit_target`` trains one model full batch on the
training points, then evaluates (in ``eval`` mode: no dropout) the mean squared
error on the training points and on a test grid, and the fitted curve there.
``summarize`` gives the mean and standard deviation over seeds.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> train, test = target_data("heaviside", n_train=20, n_test=50)
    >>> model = MLP([1, 8, 1])
    >>> fit = fit_target(model, torch.optim.Adam(model.parameters(), lr=1e-2), train, test, epochs=5)
    >>> len(fit.curve) == 50 and fit.train_mse >= 0
    True
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.atomic import atomic_write_text
from trainlab.data import make_target
from trainlab.train import Trainer

__all__ = ["Fit", "fit_target", "run_demo", "summarize", "target_data"]

Pair = tuple[Tensor, Tensor]


@dataclass
class Fit:
    """One trained network: its errors, its fitted curve on the test grid, its loss per epoch."""

    train_mse: float
    test_mse: float
    curve: list[float]
    losses: list[float] = field(default_factory=list)
    stop_reason: str = "completed"
    measures: dict[str, float] = field(default_factory=dict)  # anything else measured on the trained model


def target_data(name: str, n_train: int = 100, n_test: int = 1000, seed: int = 0,
                noise_scale: float | None = None) -> tuple[Pair, Pair]:
    """Training points (evenly spaced, with the target's noise) and a clean evenly spaced test grid."""
    train = make_target(name, n=n_train, seed=seed, noise_scale=noise_scale)
    test = make_target(name, n=n_test, noise_scale=0.0)
    as_t = lambda pair: tuple(torch.as_tensor(a, dtype=torch.float32) for a in pair)  # noqa: E731
    return as_t(train), as_t(test)


def fit_target(model: nn.Module, optimizer: Any, train: Pair, test: Pair, epochs: int, penalty: Any = None,
               seed: int = 0) -> Fit:
    """Train ``model`` full batch for ``epochs`` epochs; its errors (eval mode) and curve on ``test``."""
    trainer = Trainer(model, optimizer, epochs=epochs, seed=seed, penalty=penalty)
    history = trainer.fit(train)
    model.eval()
    with torch.no_grad():
        curve = model(test[0]).reshape(-1)
    return Fit(train_mse=trainer.evaluate(train)["loss"], test_mse=trainer.evaluate(test)["loss"],
               curve=[float(v) for v in curve], losses=[float(v) for v in history["train_loss"]],
               stop_reason=str(history.stop_reason))


def summarize(values: list[float]) -> dict[str, float]:
    """Mean, (sample) standard deviation and the values; a diverged run (NaN or inf) makes the mean ``inf``."""
    v = np.asarray([x if math.isfinite(x) else math.inf for x in values], dtype=np.float64)
    if not np.isfinite(v).all():
        return {"mean": math.inf, "std": math.nan, "n": len(values), "values": v.tolist()}
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0, "n": len(values),
            "values": v.tolist()}


def run_demo(argv: Sequence[str] | None, module: str, doc: str | None, name: str, seeds: int, epochs: int,
             write: Callable[[Path, int, int], dict[str, Any]]) -> dict[str, Any]:
    """The command of a demonstration: ``--out --seeds --epochs --threads``; ``write(out, seeds, epochs)``
    draws the figure and returns the numbers, saved as ``out/NAME.json`` and printed."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/regularization")
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        numbers = write(out, args.seeds, args.epochs)
    finally:
        torch.set_num_threads(threads)
    atomic_write_text(out / f"{name}.json", json.dumps(numbers, indent=1))
    print(json.dumps(numbers, indent=1))
    return numbers
