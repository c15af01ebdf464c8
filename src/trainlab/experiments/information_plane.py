"""The information plane of a small net on the 12-bit task, tanh against ReLU.

Shwartz-Ziv & Tishby 2017 ("Opening the black box of deep neural networks via
information") train a tanh 12-10-7-5-4-3-2 net on 4096 binary inputs and follow
``(I(X;T), I(T;Y))`` of every layer ``T`` during training: a fitting phase (both
grow) and then a long compression phase (``I(X;T)`` falls). Saxe et al. 2018 ("On
the information bottleneck theory of deep learning") find compression with tanh
but not with ReLU, and that binning drives it. The Brown/NVIDIA "Training and
Optimization" notes cite the phase transition.

The task, rebuilt from the paper's description: the inputs are all ``2^12``
binary patterns ``x``, each bit a vertex ``v_i`` of the regular icosahedron (12
points spread uniformly on the sphere); the label is ``y = 1{f(x) > theta}`` with
the rotation-invariant (spherically symmetric) ``f(x) = ||sum_i x_i v_i||^2`` and
``theta`` the value that splits the inputs most evenly (2036 of 4096 are 1).

Training: 85% of the inputs (the paper's split), Adam (lr 1e-3, batch 256),
softmax cross-entropy, ``epochs`` epochs (the paper ran 10^4 SGD epochs; this
runs fewer). At log-spaced epochs every layer's activations on all 4096 inputs
are recorded; the information is measured by binning (30 bins per unit over
``[-1, 1]`` for tanh, ``[0, max over the run]`` for ReLU, ``[0, 1]`` for the
softmax output) and by the kernel-density upper bound with noise variance 0.1
on a fixed random subset of 1024 inputs (so its ``I(X;T) <= 10`` bits), with
``trainlab.diagnose.layer_information``.

Example:
    >>> x, y = twelve_bit_task()
    >>> x.shape, int(y.sum())
    (torch.Size([4096, 12]), 2036)
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from trainlab.atomic import atomic_write_text
from trainlab.constraints import POSITIVE_INT, Options, check
from trainlab.diagnose.layer_information import InformationTrajectory, information_trajectory
from trainlab.experiments.threads import torch_threads
from trainlab.nn import MLP

__all__ = [
    "WIDTHS",
    "InformationRun",
    "icosahedron",
    "information_plane",
    "main",
    "record_epochs",
    "twelve_bit_task",
]

WIDTHS = [12, 10, 7, 5, 4, 3, 2]
BINS = 30
NOISE_VARIANCE = 0.1
KDE_INPUTS = 1024


def icosahedron() -> np.ndarray:
    """The 12 unit vertices of the regular icosahedron, (12, 3)."""
    phi = (1 + math.sqrt(5)) / 2
    v = np.array([p for a, b in itertools.product((-1, 1), (-phi, phi)) for p in ((0, a, b), (a, b, 0), (b, 0, a))])
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def twelve_bit_task() -> tuple[Tensor, Tensor]:
    """All 4096 binary inputs (float) and their labels (long); see the module docstring."""
    x = np.array(list(itertools.product((0, 1), repeat=12)), dtype=float)
    f = np.round(np.linalg.norm(x @ icosahedron(), axis=1) ** 2, 9)
    values = np.unique(f)
    balance = [abs((f > t).mean() - 0.5) for t in values]
    theta = values[int(np.argmin(balance))]
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(f > theta, dtype=torch.long)


def record_epochs(epochs: int, count: int) -> list[int]:
    """About ``count`` epochs from 0 to ``epochs``, log-spaced (early changes are fast)."""
    grid = np.unique(np.round(np.geomspace(1, epochs + 1, count)).astype(int) - 1)
    return sorted(set(grid.tolist()) | {0, epochs})


@dataclass
class InformationRun:
    """``binned[layer][k]``, ``kde[layer][k]``: ``(I(X;T), I(T;Y))`` in bits at ``epochs[k]``."""

    activation: str
    seed: int
    epochs: list[int]
    layers: list[str]
    binned: list[list[list[float]]] = field(default_factory=list)
    kde: list[list[list[float]]] = field(default_factory=list)
    train_accuracy: float = 0.0
    test_accuracy: float = 0.0

    def compression(self, estimator: str = "binned") -> list[float]:
        """Per layer, how far ``I(X;T)`` fell from its peak by the end (bits; 0: no compression)."""
        return InformationTrajectory(self.layers, self.binned, self.kde).compression(estimator)


def information_plane(activation: str = "tanh", epochs: int = 1000, seed: int = 0, records: int = 30,
                      lr: float = 1e-3, batch_size: int = 256, kde_inputs: int = KDE_INPUTS) -> InformationRun:
    """Train the 12-10-7-5-4-3-2 net and measure every layer's information at log-spaced epochs."""
    check("information_plane", "activation", activation, Options(("tanh", "relu")))
    check("information_plane", "epochs", epochs, POSITIVE_INT)
    check("information_plane", "records", records, POSITIVE_INT)
    x, y = twelve_bit_task()
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=g)
    train, test = order[: int(0.85 * len(x))], order[int(0.85 * len(x)):]
    torch.manual_seed(seed)
    model = MLP(WIDTHS, activation=activation)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    at = record_epochs(epochs, records)
    states: list[dict[str, Tensor]] = []
    for epoch in range(epochs + 1):
        if epoch in at:
            states.append(copy.deepcopy(model.state_dict()))
        if epoch == epochs:
            break
        for batch in torch.randperm(len(train), generator=g).split(batch_size):
            idx = train[batch]
            optimizer.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
    plane = information_trajectory(model, states, x, y, BINS, (-1.0, 1.0) if activation == "tanh" else None,
                                   NOISE_VARIANCE, kde_inputs, seed=seed)
    with torch.no_grad():
        guess = model(x).argmax(1)
    return InformationRun(activation, seed, at, plane.layers, plane.binned, plane.kde,
                          float((guess[train] == y[train]).float().mean()),
                          float((guess[test] == y[test]).float().mean()))


def summarize(runs: Sequence[InformationRun]) -> dict[str, dict[str, list[list[float]]]]:
    """Per activation and estimator: each layer's compression, mean and standard deviation over seeds."""
    out: dict[str, dict[str, list[list[float]]]] = {}
    for activation in sorted({r.activation for r in runs}):
        group = [r for r in runs if r.activation == activation]
        out[activation] = {}
        for estimator in ("binned", "kde"):
            per_layer = list(zip(*(r.compression(estimator) for r in group), strict=True))
            out[activation][estimator] = [[statistics.fmean(v), statistics.pstdev(v)] for v in per_layer]
    return out


def main(argv: Sequence[str] | None = None) -> list[InformationRun]:
    """``python -m trainlab.experiments.information_plane --out DIR``: figure and JSON of tanh vs ReLU."""
    from trainlab.report.information_plane import plot_information_plane

    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.information_plane",
                                     description="Information plane of the 12-bit task (Shwartz-Ziv & Tishby 2017).")
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--records", type=int, default=25)
    parser.add_argument("--kde-inputs", type=int, default=KDE_INPUTS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for tiny nets)")
    parser.add_argument("--out", default="out/diagnostics")
    args = parser.parse_args(argv)
    with torch_threads(args.threads):
        runs = [information_plane(a, args.epochs, s, args.records, kde_inputs=args.kde_inputs)
                for a in ("tanh", "relu") for s in range(args.seeds)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(runs)
    payload = {"epochs": args.epochs, "seeds": args.seeds, "bins": BINS, "noise_variance": NOISE_VARIANCE,
               "kde_inputs": args.kde_inputs, "compression_bits_mean_std": summary,
               "accuracy": {a: {"train": [r.train_accuracy for r in runs if r.activation == a],
                                "test": [r.test_accuracy for r in runs if r.activation == a]}
                            for a in ("tanh", "relu")},
               "runs": [asdict(r) for r in runs]}
    atomic_write_text(out / "information_plane.json", json.dumps(payload, indent=1))
    plot_information_plane([r for r in runs if r.seed == 0], out / "information_plane.png")
    for activation, estimators in summary.items():
        for estimator, layers in estimators.items():
            text = ", ".join(f"{m:.2f}±{s:.2f}" for m, s in layers)
            print(f"{activation} {estimator}: compression per layer (bits) {text}")
    return runs


if __name__ == "__main__":
    main()
