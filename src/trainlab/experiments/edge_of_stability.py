"""The edge of stability: full-batch gradient descent drives the top Hessian eigenvalue up to ``2 / lr``.

On a quadratic, gradient descent with step ``lr`` diverges along any direction
whose curvature exceeds ``2 / lr`` (the Brown/NVIDIA notes' learning-rate
picture). Cohen, Kaur, Li, Kolter & Talwalkar (2021, "Gradient descent on neural
networks typically occurs at the edge of stability", ICLR) found that on networks
the top eigenvalue ``lambda_max`` of the training loss's Hessian first rises
("progressive sharpening") until it reaches ``2 / lr``, then hovers there while the
loss keeps falling, non-monotonically.

Here: an MLP 10-64-64-1 (tanh) on the standardized diabetes data (MSE, all 442
rows, float32), full-batch gradient descent (``trainlab.optim.SGD``, no momentum)
at several learning rates, with the ``Curvature`` callback measuring
``lambda_max`` (warm-started Lanczos) every ``every`` steps. The figure puts each
run's ``lambda_max`` beside its ``2 / lr`` and its loss below; ``summary()`` gives,
per rate, the largest ``lambda_max`` seen and its ratio to ``2 / lr``.

Run:  PYTHONPATH=src python -m trainlab.experiments.edge_of_stability --out docs/figures/hessian

Example:
    >>> r = run_edge_of_stability(rates=(0.1,), steps=20, every=10, hidden=8)
    >>> [len(c.records) for c in r.curvature], r.rates
    ([2], (0.1,))
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from trainlab.atomic import atomic_write_text
from trainlab.data import load_dataset
from trainlab.diagnose.curvature import Curvature
from trainlab.optim import SGD
from trainlab.report.figures import new_figure, save
from trainlab.train import Trainer

__all__ = ["EdgeOfStabilityResult", "run_edge_of_stability"]

RATES = (0.05, 0.1, 0.2)


@dataclass
class EdgeOfStabilityResult:
    rates: tuple[float, ...]
    curvature: list[Curvature]
    losses: list[list[float]]

    def summary(self) -> dict[str, dict[str, float]]:
        """Per rate: ``2 / lr``, the largest ``lambda_max`` measured, their ratio, and the final loss."""
        out = {}
        for lr, c, loss in zip(self.rates, self.curvature, self.losses, strict=True):
            top = max(r["top_eigenvalue"] for r in c.records)
            out[f"lr={lr:g}"] = {"two_over_lr": 2 / lr, "max_top_eigenvalue": top, "ratio": top * lr / 2,
                                 "first_top_eigenvalue": c.records[0]["top_eigenvalue"], "final_loss": loss[-1]}
        return out

    def plot(self, out: str | Path) -> Path:
        """``edge_of_stability.png``: ``lambda_max`` beside ``2 / lr`` (left) and the training loss (right)."""
        fig, (left, right) = new_figure(2)
        for i, (lr, c, loss) in enumerate(zip(self.rates, self.curvature, self.losses, strict=True)):
            color = f"C{i}"
            steps = [r["step"] for r in c.records]
            left.plot(steps, [r["top_eigenvalue"] for r in c.records], color=color, lw=1.2, label=f"lr = {lr:g}")
            left.axhline(2 / lr, color=color, ls="--", lw=0.9)
            right.semilogy(range(1, len(loss) + 1), loss, color=color, lw=1, label=f"lr = {lr:g}")
        left.set_xlabel("step")
        left.set_ylabel("top Hessian eigenvalue (dashed: 2 / lr)")
        left.set_title("full-batch GD: sharpness rises to 2 / lr and hovers")
        left.legend(fontsize=8)
        right.set_xlabel("step")
        right.set_ylabel("training loss (MSE, standardized)")
        right.set_title("the loss keeps falling, non-monotonically")
        right.legend(fontsize=8)
        return save(fig, Path(out) / "edge_of_stability.png")


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    data = load_dataset("diabetes")
    x = torch.as_tensor(data.X, dtype=torch.float32)
    y = torch.as_tensor(data.y, dtype=torch.float32).reshape(-1, 1)
    return (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()


def run_edge_of_stability(rates: tuple[float, ...] = RATES, steps: int = 800, every: int = 20, hidden: int = 64,
                          seed: int = 0) -> EdgeOfStabilityResult:
    """Full-batch gradient descent at each rate from the same initialization, tracking ``lambda_max``."""
    x, y = _data()
    curvatures, losses = [], []
    for lr in rates:
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                              nn.Linear(hidden, 1))
        curv = Curvature(every=every, batch="current", trace_samples=None, tol=1e-3, max_hvps=20, seed=seed)
        trainer = Trainer(model, SGD(model.parameters(), lr=lr), epochs=steps, seed=seed, callbacks=[curv],
                          eval_train=False)
        history = trainer.fit((x, y))
        curvatures.append(curv)
        losses.append(history["loss"])
    return EdgeOfStabilityResult(tuple(rates), curvatures, losses)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--out", default="docs/figures/hessian")
    args = parser.parse_args(argv)
    result = run_edge_of_stability(steps=args.steps, every=args.every)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    summary = {"steps": args.steps, "every": args.every, "rates": result.summary()}
    atomic_write_text(Path(args.out) / "edge_of_stability.json", json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    print(result.plot(args.out))


if __name__ == "__main__":
    main()
