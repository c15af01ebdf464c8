"""Overfitting 10 points with a large network, next to a well-regularized fit.

The Brown/NVIDIA notes ("Underfitting vs. Overfitting"): "The neural network is forced to
overfit by considering only 10 training points. The predicted function passes
through the 10 training points, making training loss ~1e-7. Model fails to
learn the underlying function." The SUTD 50.039 notes add why a separate validation set is
good practice.

Set-up (trainlab's choice; the seed gives no numbers besides the 10 points):

- data: the noisy sine ``y = sin(2 pi x) + 0.1 N(0,1)`` (``trainlab.data.targets``);
  10 evenly spaced training points on [-1, 1]; 10 validation points at random
  ``x`` with their own noise; the test set is the clean function on 200 points,
  so the test loss is the error against the truth;
- the large network: a 1-200-200-1 tanh MLP (40,801 parameters for 10 points),
  Adam (lr 3e-3), full batch, ``epochs`` steps, no regularization;
- the regularized fit: the same network and optimizer with an L2 penalty
  (``weight_decay``, the UCLA ECE 239AS notes) and early stopping on the validation loss that
  restores the best weights (the UCLA ECE 239AS and SUTD 50.039 notes).

Both start from the same initial weights. ``History`` of each run keeps the
training and validation curves, so the gap is visible epoch by epoch.

Example:
    >>> from trainlab.experiments.overfit import run_overfit
    >>> result = run_overfit(epochs=300)
    >>> result.overfit.train_loss < result.overfit.test_loss
    True
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass

import torch

from trainlab.data import make_target
from trainlab.nn import MLP
from trainlab.train import EarlyStopping, History, Trainer, seed_everything

__all__ = ["Fit", "OverfitResult", "run_overfit", "plot_overfit"]


@dataclass
class Fit:
    """One trained network and its losses (MSE)."""

    name: str
    model: torch.nn.Module
    history: History
    train_loss: float
    val_loss: float
    test_loss: float

    @property
    def gap(self) -> float:
        """Test loss minus training loss."""
        return self.test_loss - self.train_loss


@dataclass
class OverfitResult:
    overfit: Fit
    regularized: Fit
    train: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]


def _tensors(pair) -> tuple[torch.Tensor, torch.Tensor]:
    return tuple(torch.as_tensor(a, dtype=torch.float32) for a in pair)


def run_overfit(
    n_train: int = 10,
    epochs: int = 2000,
    width: int = 200,
    lr: float = 3e-3,
    weight_decay: float = 1e-3,
    patience: int = 200,
    seed: int = 0,
) -> OverfitResult:
    """Train the large network and the regularized one on the same 10 points."""
    train = _tensors(make_target("noisy_sine", n=n_train, seed=seed))
    val = _tensors(make_target("noisy_sine", n=n_train, seed=seed + 100, random_x=True))
    test = _tensors(make_target("noisy_sine", n=200, noise_scale=0.0))
    seed_everything(seed)
    start = MLP([1, width, width, 1], activation="tanh")

    def fit(name: str, decay: float, callbacks: list) -> Fit:
        model = copy.deepcopy(start)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=decay)
        trainer = Trainer(model, optimizer, epochs=epochs, seed=seed, callbacks=callbacks)
        history = trainer.fit(train, val)
        losses = [trainer.evaluate(part)["loss"] for part in (train, val, test)]
        return Fit(name, model, history, *losses)

    overfit = fit("large network", 0.0, [])
    regularized = fit(f"L2 {weight_decay:g} + early stopping", weight_decay,
                      [EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)])
    return OverfitResult(overfit, regularized, train, test)


def plot_overfit(result: OverfitResult, path: str | os.PathLike[str]) -> None:
    """Two panels: both fits against the truth and the 10 points; their loss curves."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from trainlab.atomic import atomic_write

    fig = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax_fit, ax_loss = fig.subplots(1, 2)
    x_test, y_test = result.test
    ax_fit.plot(x_test, y_test, color="black", lw=1, label="truth sin(2 pi x)")
    for fit, color in ((result.overfit, "tab:red"), (result.regularized, "tab:blue")):
        with torch.no_grad():
            ax_fit.plot(x_test, fit.model(x_test), color=color, label=f"{fit.name} (test {fit.test_loss:.3g})")
        epochs = [row["epoch"] for row in fit.history.epochs]
        ax_loss.plot(epochs, fit.history["train_loss"], color=color, label=f"{fit.name}: train")
        ax_loss.plot(epochs, fit.history["val_loss"], color=color, ls="--", label=f"{fit.name}: validation")
    ax_fit.scatter(*result.train, color="black", zorder=3, label=f"{len(result.train[0])} training points")
    ax_fit.set(xlabel="x", ylabel="y", title="10 points: large network vs regularized")
    ax_fit.legend(fontsize=7, loc="lower left")
    ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="MSE", title="training vs validation loss")
    ax_loss.legend(fontsize=7)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png"))


if __name__ == "__main__":  # python -m trainlab.experiments.overfit [FIGURE.png]
    import sys

    res = run_overfit()
    for f in (res.overfit, res.regularized):
        print(f"{f.name:32s} train {f.train_loss:.3g}  val {f.val_loss:.3g}  test {f.test_loss:.3g}  "
              f"epochs {len(f.history)}  ({f.history.stop_reason})")
    if len(sys.argv) > 1:
        plot_overfit(res, sys.argv[1])
        print("figure:", sys.argv[1])
