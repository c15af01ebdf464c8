"""Backprop by hand: the SUTD 50.039 two-layer sigmoid network trained with the NumPy optimizers.

The SUTD 50.039 "Theory and Practice of Deep Learning" notes (W2-S2) write a two-layer
sigmoid classifier's forward and backward pass by hand (``trainlab.reference.two_layer``)
and train it with gradient descent, AdaGrad, RMSProp and Adam, then with stochastic
(one sample) and mini-batch gradient descent, comparing the loss curves. Here the same
network runs on scikit-learn's breast-cancer data (569 tumours, 30 features,
standardized with the training split's statistics, 80/20 split), 16 hidden units,
every method from the same initial weights, ``steps`` updates each:

========================= ============================================== ==========
run                       NumPy reference (``trainlab.reference``)       batch
========================= ============================================== ==========
GD                        ``gd``                                         all
AdaGrad                   ``adagrad(nu_inside=True)`` (the notes' form)  all
RMSProp                   ``rmsprop(beta=rho, nu_inside=True)``          all
Adam                      ``adam`` (epsilon outside the root)            all
SGD                       ``sgd`` (one sample, reshuffled each epoch)    1
mini-batch GD             ``minibatch_sgd``                              32
mini-batch Adam           ``adam`` fed the next batch's gradient         32
========================= ============================================== ==========

Epsilon is the notes' ``1e-6``; learning rates are trainlab's choice (the notes use
``alpha = 1e-5`` on their own data). The same runs with the torch optimizers
(``trainlab.optim``: SGD, Adagrad with ``eps_root``, RMSprop with ``eps_root``, Adam), the
network as ``torch.nn`` layers with autograd, and the batch order of
``trainlab.train.descent.descend`` (the reference's protocol) give the same loss curves
(tested in float64).

Example:
    >>> from trainlab.experiments.backprop_by_hand import run_backprop
    >>> result = run_backprop(steps=20, n_hidden=4, methods=["GD", "Adam"])
    >>> sorted(result.reference), result.reference["Adam"].shape
    (['Adam', 'GD'], (21,))
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from trainlab import optim as tl
from trainlab import reference as ref
from trainlab.constraints import POSITIVE_INT, Options, check
from trainlab.data import load_bundled, split_standardized
from trainlab.reference.two_layer import TwoLayerNet, loss_and_gradient
from trainlab.train.descent import batch_order, descend

__all__ = ["METHODS", "Method", "BackpropResult", "breast_cancer", "run_backprop", "torch_network",
           "plot_backprop"]

EPS = 1e-6  # the notes' epsilon
RHO = 0.9  # RMSProp's decay (the notes' code default is 0.1; 0.9 is the usual value)


@dataclass(frozen=True)
class Method:
    """One run: a reference optimizer, its torch twin, learning rate and batch size (None: all)."""

    name: str
    lr: float
    batch_size: int | None

    def reference(self, grad: Callable, batch_grad: Callable, theta0: np.ndarray, n: int, steps: int,
                  seed: int) -> np.ndarray:
        """The parameter path of the NumPy reference, ``(steps + 1, len(theta))``."""
        lr = self.lr
        if self.name == "SGD":
            return ref.sgd(batch_grad, theta0, n, lr, steps, seed)
        if self.name == "mini-batch GD":
            return ref.minibatch_sgd(batch_grad, theta0, n, self.batch_size, lr, steps, seed)
        g = grad if self.batch_size is None else _next_batch(batch_grad, n, self.batch_size, seed)
        if self.name == "GD":
            return ref.gd(g, theta0, lr, steps)
        if self.name == "AdaGrad":
            return ref.adagrad(g, theta0, lr, steps, nu=EPS, nu_inside=True)
        if self.name == "RMSProp":
            return ref.rmsprop(g, theta0, lr, steps, beta=RHO, nu=EPS, nu_inside=True)
        return ref.adam(g, theta0, lr, steps, nu=EPS)  # "Adam", "mini-batch Adam"

    def torch_optimizer(self, params) -> torch.optim.Optimizer:
        if self.name in ("GD", "SGD", "mini-batch GD"):
            return tl.SGD(params, lr=self.lr)
        if self.name == "AdaGrad":
            return tl.Adagrad(params, lr=self.lr, eps=0.0, eps_root=EPS)
        if self.name == "RMSProp":
            return tl.RMSprop(params, lr=self.lr, alpha=RHO, eps=0.0, eps_root=EPS)
        return tl.Adam(params, lr=self.lr, eps=EPS)


METHODS = {m.name: m for m in (
    Method("GD", 1.0, None), Method("AdaGrad", 0.05, None), Method("RMSProp", 0.01, None),
    Method("Adam", 0.01, None), Method("SGD", 0.1, 1), Method("mini-batch GD", 0.5, 32),
    Method("mini-batch Adam", 0.01, 32),
)}


COLORS = dict(zip(METHODS, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")))


def _next_batch(batch_grad: Callable, n: int, batch_size: int, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """``grad(theta)`` on the next mini-batch: each epoch a fresh shuffle cut into batches (descend's order)."""
    rng, queue = np.random.default_rng(seed), []

    def grad(theta: np.ndarray) -> np.ndarray:
        if not queue:
            queue.extend(batch_order(n, batch_size, rng))
        return batch_grad(theta, queue.pop(0))

    return grad


def breast_cancer(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardized training features and 0/1 labels ``(m, 1)`` of breast cancer (float64)."""
    X, y = load_bundled("breast_cancer")
    train = split_standardized(X, y, val=0.2, seed=seed, dtype=torch.float64).train
    return train.x.numpy(), train.y.numpy().astype(np.float64).reshape(-1, 1)


def torch_network(net: TwoLayerNet) -> torch.nn.Sequential:
    """The same network as ``torch.nn`` layers (float64), weights copied from ``net``."""
    n_in, h = net.W1.shape
    model = torch.nn.Sequential(torch.nn.Linear(n_in, h), torch.nn.Sigmoid(), torch.nn.Linear(h, 1),
                                torch.nn.Sigmoid()).double()
    with torch.no_grad():
        for layer, W, b in ((model[0], net.W1, net.b1), (model[2], net.W2, net.b2)):
            layer.weight.copy_(torch.as_tensor(W.T))
            layer.bias.copy_(torch.as_tensor(b.ravel()))
    return model


@dataclass
class BackpropResult:
    """Training-loss curves (full training data, after each update) of every method, both ways."""

    reference: dict[str, np.ndarray]
    torch: dict[str, np.ndarray]
    methods: list[Method]
    n: int
    steps: int


def run_backprop(steps: int = 300, n_hidden: int = 16, seed: int = 0, methods: Sequence[str] | None = None,
                 with_torch: bool = True) -> BackpropResult:
    """Train the hand-written network with each method (NumPy), and its torch twin (autograd)."""
    check("run_backprop", "steps", steps, POSITIVE_INT)
    check("run_backprop", "n_hidden", n_hidden, POSITIVE_INT)
    names = list(methods or METHODS)
    for name in names:
        check("run_backprop", "methods", name, Options(tuple(METHODS)))
    chosen = [METHODS[name] for name in names]
    X, y = breast_cancer(seed)
    n = len(X)
    start = TwoLayerNet.init(X.shape[1], n_hidden, seed)
    full = lambda theta: loss_and_gradient(theta, X, y, n_hidden)[1]  # noqa: E731
    on_batch = lambda theta, idx: loss_and_gradient(theta, X[idx], y[idx], n_hidden)[1]  # noqa: E731
    reference, from_torch = {}, {}
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    for m in chosen:
        path = m.reference(full, on_batch, start.flat(), n, steps, seed)
        reference[m.name] = np.array([TwoLayerNet.from_flat(t, X.shape[1], n_hidden).CE_loss(X, y) for t in path])
        if with_torch:
            model = torch_network(start)
            result = descend(model, F.binary_cross_entropy, Xt, yt, m.torch_optimizer(model.parameters()),
                             batch_size=m.batch_size, max_iter=steps, seed=seed, eval_every=1)
            from_torch[m.name] = np.array(result.losses)
    return BackpropResult(reference, from_torch, chosen, n, steps)


def plot_backprop(result: BackpropResult, path: str | os.PathLike[str]) -> None:
    """Two panels: the optimizers on full batches; batch sizes (one sample, 32, all). Torch runs dotted."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from trainlab.atomic import atomic_write

    fig = Figure(figsize=(11, 4.2), dpi=90)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, sharey=True)
    groups = ((left, ("GD", "AdaGrad", "RMSProp", "Adam"), "full batch: the optimizers"),
              (right, ("GD", "SGD", "mini-batch GD", "Adam", "mini-batch Adam"), "batch size: all, 1, 32"))
    for ax, names, title in groups:
        for name in names:
            if name not in result.reference:
                continue
            m = METHODS[name]
            batch = "all" if m.batch_size is None else m.batch_size
            ax.plot(result.reference[name], lw=1.2, color=COLORS[name], label=f"{name} (lr {m.lr:g}, batch {batch})")
            if name in result.torch:
                ax.plot(result.torch[name], color="black", ls=":", lw=0.8)
        ax.set_yscale("log")
        ax.set(xlabel="update", title=title)
        ax.legend(fontsize=8)
    left.set_ylabel("training cross-entropy")
    left.plot([], [], color="black", ls=":", lw=0.8, label="torch optimizer + autograd (same run)")
    left.legend(fontsize=8)
    fig.suptitle(f"two-layer sigmoid network by hand on breast cancer ({result.n} training rows)", fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png"))


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m trainlab.experiments.backprop_by_hand --out docs/figures/backprop``."""
    import argparse

    from trainlab.atomic import atomic_write_text

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/figures/backprop")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--hidden", type=int, default=16)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = run_backprop(steps=args.steps, n_hidden=args.hidden)
    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "backprop_by_hand.png")
    plot_backprop(result, figure)
    numbers = {name: {"lr": METHODS[name].lr, "batch_size": METHODS[name].batch_size,
                      "final_loss": float(curve[-1]),
                      "max_difference_to_torch": float(np.max(np.abs(curve - result.torch[name])))}
               for name, curve in result.reference.items()}
    atomic_write_text(os.path.join(args.out, "backprop_by_hand.json"), json.dumps(
        {"steps": args.steps, "hidden": args.hidden, "training_rows": result.n, "runs": numbers}, indent=1))
    for name, row in numbers.items():
        print(f"{name:16s} final loss {row['final_loss']:.4g}   |reference - torch| <= "
              f"{row['max_difference_to_torch']:.1e}")
    print("figure:", figure)


if __name__ == "__main__":
    main()
