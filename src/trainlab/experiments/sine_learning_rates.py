"""The noisy sine with a too-small, a good and a too-large learning rate (the Brown/NVIDIA notes).

The Brown/NVIDIA "Training and Optimization" notes ("Effect of Learning Rate") show
the loss of a fully connected network learning "the sine function with noise" for a
learning rate that is too small and one that is too large; they give no numbers.
Set-up (trainlab's choice, from the notes' own code elsewhere): the target
``noisy_sine`` ``y = sin(2 pi x) + 0.1 N(0, 1)`` at 100 evenly spaced points on
[-1, 1] (``trainlab.data.targets``); the notes' network ``Linear(1, 100) -> ReLU ->
Linear(100, 1)``; Adam, full batch, 1000 epochs; learning rates 1e-4 (too small),
1e-2 (good) and 0.3 (too large); the test error is against the clean sine on 1000
points. Each rate runs from the same initial weights for each of several seeds.

Run:
    python -m trainlab.experiments.sine_learning_rates --out docs/figures/regularization

Example:
    >>> r = run_sine_learning_rates(seeds=1, epochs=3, rates={"good": 1e-2})
    >>> sorted(r.summary()["good"])
    ['stop_reasons', 'test_mse', 'train_mse']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from trainlab.atomic import atomic_write
from trainlab.experiments.target_fits import Fit, fit_target, run_demo, summarize, target_data
from trainlab.nn import MLP
from trainlab.train import seed_everything

__all__ = ["RATES", "SineRatesResult", "run_sine_learning_rates", "main"]

RATES = {"too small": 1e-4, "good": 1e-2, "too large": 0.3}


@dataclass
class SineRatesResult:
    rates: dict[str, float]
    fits: dict[str, list[Fit]]  # per rate name, one per seed
    train: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    epochs: int

    def summary(self) -> dict[str, dict[str, object]]:
        """Per rate: training and test MSE (mean, std over seeds) and how each run stopped."""
        return {name: {"train_mse": summarize([f.train_mse for f in fits]),
                       "test_mse": summarize([f.test_mse for f in fits]),
                       "stop_reasons": [f.stop_reason for f in fits]}
                for name, fits in self.fits.items()}

    def plot(self, path: str | Path) -> Path:
        """Loss per epoch of every seed (left) and the fitted curves of the first seed (right)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 4), dpi=100)
        FigureCanvasAgg(fig)
        ax_loss, ax_fit = fig.subplots(1, 2)
        colors = dict(zip(self.rates, ("tab:blue", "tab:green", "tab:red", "tab:purple"), strict=False))
        for name, fits in self.fits.items():
            label = f"{name} (lr {self.rates[name]:g})"
            for i, f in enumerate(fits):
                ax_loss.plot(range(1, len(f.losses) + 1), f.losses, color=colors[name], lw=0.8, alpha=0.7,
                             label=label if i == 0 else None)
            ax_fit.plot(self.test[0].ravel(), fits[0].curve, color=colors[name], label=label)
        ax_fit.plot(self.test[0].ravel(), self.test[1].ravel(), color="black", lw=1, ls="--", label="sin(2 pi x)")
        ax_fit.scatter(self.train[0].ravel(), self.train[1].ravel(), s=6, color="gray", label="training points")
        ax_loss.set(xscale="log", yscale="log", xlabel="epoch", ylabel="training MSE",
                    title=f"noisy sine, Adam, {len(next(iter(self.fits.values())))} seeds")
        ax_fit.set(xlabel="x", ylabel="y", title="fitted curves (first seed)")
        ax_loss.legend(fontsize=8)
        ax_fit.legend(fontsize=7, loc="lower left")
        fig.tight_layout()
        atomic_write(path, lambda f: fig.savefig(f, format="png"))
        return Path(path)


def run_sine_learning_rates(rates: Mapping[str, float] = RATES, seeds: int = 5, epochs: int = 1000,
                            width: int = 100) -> SineRatesResult:
    """Train the notes' 1-``width``-1 ReLU network with Adam at each rate, for ``seeds`` initializations."""
    train, test = target_data("noisy_sine", n_train=100, n_test=1000, seed=0)
    fits: dict[str, list[Fit]] = {name: [] for name in rates}
    for seed in range(seeds):
        seed_everything(seed)
        start = MLP([1, width, 1], activation="relu").state_dict()
        for name, lr in rates.items():
            model = MLP([1, width, 1], activation="relu")
            model.load_state_dict(start)
            fits[name].append(fit_target(model, torch.optim.Adam(model.parameters(), lr=lr), train, test,
                                         epochs, seed=seed))
    return SineRatesResult(dict(rates), fits, train, test, epochs)


def _write(out: Path, seeds: int, epochs: int) -> dict[str, object]:
    result = run_sine_learning_rates(seeds=seeds, epochs=epochs)
    result.plot(out / "sine-learning-rates.png")
    return {"rates": result.rates, "epochs": epochs, "seeds": seeds, "results": result.summary()}


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    return run_demo(argv, "trainlab.experiments.sine_learning_rates", __doc__, "sine-learning-rates", 5, 1000, _write)


if __name__ == "__main__":
    main()
