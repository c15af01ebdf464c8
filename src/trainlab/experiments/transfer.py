"""Transfer and multitask learning on a real split: digits 0-4 -> digits 5-9 with few samples.

A network pretrained on the digits 0-4 (every row of them) is reused for the
digits 5-9, of which only ``m`` training rows per class are known; the rest of
5-9 is the test set. Compared, on the same rows and seeds (test error on 5-9):

- ``scratch``: the same 64-64-64-5 MLP trained on the few rows alone;
- ``head only``: the pretrained network with a new output layer, trunk frozen
  (``trainlab.train.transfer.new_head``, ``freeze``);
- ``fine-tune``: new head, every layer trained, per-layer rates falling by
  ``decay`` per layer down (``layer_groups``; discriminative fine-tuning);
- ``gradual``: fine-tune, unfreezing one more layer every ``epochs // 3`` epochs
  (``GradualUnfreezing``; Howard & Ruder 2018);
- ``multitask``: no pretraining; one trunk with a 0-4 head and a 5-9 head trained
  together on the 0-4 rows and the few 5-9 rows, the sum of the two task losses
  (``trainlab.nn.MultiTaskNet``, ``MultiTaskLoss``; each row labelled for one task).

Adam throughout (pretraining: lr 3e-3, batches of 64; target: full batch).
``python -m trainlab.experiments.transfer --out docs/figures/regularization``
writes ``transfer.json`` and ``transfer.png``.

Example:
    >>> r = transfer_study(per_class=[2], seeds=[0], pretrain_epochs=1, epochs=3)
    >>> sorted(r["2"])
    ['fine-tune', 'gradual', 'head only', 'multitask', 'scratch']
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from trainlab.experiments.digits_lab import DigitsSplit, digits_split, fit_classifier, mean_spread, scores, write_json
from trainlab.nn import MLP, MultiTaskLoss, MultiTaskNet
from trainlab.train import Trainer
from trainlab.train.transfer import GradualUnfreezing, freeze, layer_groups, layers_of, new_head

__all__ = ["METHODS", "main", "plot_transfer", "transfer_study"]

METHODS = ("scratch", "head only", "fine-tune", "gradual", "multitask")
SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
WIDTHS = [64, 64, 64, 5]


def _pretrain(seed: int, epochs: int) -> MLP:
    source = digits_split(seed, classes=SOURCE)
    torch.manual_seed(seed)
    model = MLP(WIDTHS)
    fit_classifier(model, torch.optim.Adam(model.parameters(), lr=3e-3), source, epochs, 64, seed)
    return model


def _target(method: str, pretrained: MLP, target: DigitsSplit, seed: int, epochs: int, lr: float,
            decay: float, pretrain_epochs: int) -> nn.Module:
    torch.manual_seed(seed + 1000)
    if method == "scratch":
        model = MLP(WIDTHS)
        fit_classifier(model, torch.optim.Adam(model.parameters(), lr=lr), target, epochs, None, seed)
        return model
    if method == "multitask":
        return _multitask(target, seed, pretrain_epochs)
    model = new_head(pretrained, WIDTHS[-1])
    callbacks = []
    if method == "head only":
        freeze(model, layers_of(model)[:-1])
        groups: Any = [p for p in model.parameters() if p.requires_grad]
    else:
        groups = layer_groups(model, lr, decay)
        if method == "gradual":
            callbacks = [GradualUnfreezing(every=max(epochs // 3, 1))]
    fit_classifier(model, torch.optim.Adam(groups, lr=lr), target, epochs, None, seed, callbacks=callbacks)
    return model


class _TargetHead(nn.Module):
    """The 5-9 head of a multitask network as a plain classifier."""

    def __init__(self, net: MultiTaskNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)["target"]


def _multitask(target: DigitsSplit, seed: int, epochs: int) -> nn.Module:
    source = digits_split(seed, classes=SOURCE)
    x = torch.cat([source.x_train, target.x_train])
    missing = lambda n: torch.full((n,), -1.0)  # noqa: E731
    y = torch.stack([torch.cat([source.y_train.float(), missing(len(target.y_train))]),
                     torch.cat([missing(len(source.y_train)), target.y_train.float()])], 1)
    net = MultiTaskNet(nn.Sequential(MLP(WIDTHS[:3]), nn.ReLU()),
                       {"source": nn.Linear(WIDTHS[2], 5), "target": nn.Linear(WIDTHS[2], 5)})
    Trainer(net, torch.optim.Adam(net.parameters(), lr=3e-3),
            loss=MultiTaskLoss({"source": "cross_entropy", "target": "cross_entropy"}),
            epochs=epochs, batch_size=64, seed=seed, eval_train=False).fit((x, y))
    return _TargetHead(net)


def transfer_study(per_class: Sequence[int] = (1, 3, 10, 30), seeds: Sequence[int] = (0, 1, 2, 3, 4),
                   pretrain_epochs: int = 10, epochs: int = 100, lr: float = 3e-3, decay: float = 0.3,
                   methods: Sequence[str] = METHODS) -> dict[str, Any]:
    """``{m: {method: mean_spread(test error)}}`` for each number ``m`` of target rows per class."""
    errors: dict[str, dict[str, list[float]]] = {str(m): {k: [] for k in methods} for m in per_class}
    for seed in seeds:
        pretrained = _pretrain(seed, pretrain_epochs)
        for m in per_class:
            target = digits_split(seed, classes=TARGET, per_class=m)
            for method in methods:
                model = _target(method, pretrained, target, seed, epochs, lr, decay, pretrain_epochs)
                errors[str(m)][method].append(scores(model, target.x_test, target.y_test)["error"])
    out: dict[str, Any] = {"setup": {"source": "digits 0-4 (all rows)", "target": "digits 5-9, m rows per class",
                                     "model": "64-64-64-5 relu", "seeds": list(seeds), "epochs": epochs,
                                     "pretrain_epochs": pretrain_epochs, "lr": lr, "decay": decay}}
    out.update({m: {k: mean_spread(v) for k, v in by.items()} for m, by in errors.items()})
    return out


def plot_transfer(result: dict[str, Any], path: str) -> None:
    """Test error on digits 5-9 against the training rows per class, one line per method."""
    import matplotlib.pyplot as plt

    sizes = sorted((k for k in result if k != "setup"), key=int)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for method in METHODS:
        if method not in result[sizes[0]]:
            continue
        m = [int(s) for s in sizes]
        mean = [result[s][method]["mean"] for s in sizes]
        std = [result[s][method]["std"] for s in sizes]
        ax.errorbar(m, mean, yerr=std, marker="o", capsize=3, label=method)
    ax.set_xscale("log")
    ax.set_xlabel("training rows per class of digits 5-9")
    ax.set_ylabel("test error on digits 5-9")
    ax.set_title(f"Transfer 0-4 -> 5-9 ({len(result['setup']['seeds'])} seeds, mean +- std)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.transfer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/regularization")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = transfer_study(seeds=range(args.seeds))
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "transfer.json"), result)
    plot_transfer(result, os.path.join(args.out, "transfer.png"))
    return result


if __name__ == "__main__":
    main()
