"""Registry entries of the trained-network studies.

Overfitting, initialization, normalization, regularization and diagnostics.

Most wrap a module's command (``python -m trainlab.experiments.X --out DIR``):
the parameters become its options (``map_runs`` -> ``--map-runs``), the figures
are the PNGs it writes, the results its JSON flattened (``registry.flatten``).

Example:
    >>> from trainlab.experiments.registry import get
    >>> get("batch_size").quick
    {'seeds': 1, 'epochs': 2}
"""

from __future__ import annotations

import importlib
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trainlab.constraints import POSITIVE, POSITIVE_INT, Interval, Options
from trainlab.experiments.registry import Experiment, Outcome, Parameter, Tick, flatten, register

__all__ = ["command_run", "new_figures", "spread_of_lists"]

NOTES = 'Brown/NVIDIA "Training and Optimization" notes'
UCLA = 'UCLA ECE 239AS notes ("Regularization and optimization")'
SUTD = 'SUTD 50.039 "Theory and Practice of Deep Learning"'
SEEDS = Parameter("seeds", 5, POSITIVE_INT, "seeds 0..N-1")
STEPS_OF = {"steps": "training steps", "epochs": "training epochs"}


def _count(name: str, default: int, help: str = "") -> Parameter:
    return Parameter(name, default, POSITIVE_INT, help or STEPS_OF.get(name, ""))


def new_figures(out: Path, since: float) -> list[Path]:
    """The PNG and GIF files in ``out`` written at or after ``since`` (a ``time.time()``), sorted."""
    return sorted(p for p in out.iterdir() if p.suffix in (".png", ".gif") and p.stat().st_mtime >= since - 1)


def command_run(module: str, json_name: str | Callable[[dict[str, Any]], str]):
    """A registry ``run`` that calls ``trainlab.experiments.<module>.main(["--name", value, ..., "--out", out])``."""

    def go(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
        argv = [item for name, value in params.items() for item in (f"--{name.replace('_', '-')}", str(value))]
        since = time.time()
        tick(0, 1, "running")
        importlib.import_module(f"trainlab.experiments.{module}").main([*argv, "--out", str(out)])
        tick(1, 1, "done")
        name = json_name(params) if callable(json_name) else json_name
        return Outcome(new_figures(out, since), flatten(json.loads((out / name).read_text())))

    return go


def _overfit(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
    from trainlab.experiments.overfit import plot_overfit, run_overfit

    tick(0, 2, "training both networks")
    result = run_overfit(**params)
    tick(1, 2, "drawing")
    plot_overfit(result, out / "overfit.png")
    tick(2, 2, "done")
    results = {}
    for key, fit in (("large", result.overfit), ("regularized", result.regularized)):
        results.update({f"{key}.train_loss": fit.train_loss, f"{key}.val_loss": fit.val_loss,
                        f"{key}.test_loss": fit.test_loss, f"{key}.epochs": len(fit.history),
                        f"{key}.stop_reason": fit.history.stop_reason})
    return Outcome([out / "overfit.png"], results)


register(Experiment(
    "overfit", "A 1-200-200-1 network overfits 10 points; L2 and early stopping on the same start",
    f"{NOTES} (underfitting vs overfitting); UCLA ECE 239AS notes (early stopping)",
    (Parameter("n_train", 10, Interval(2, None, integer=True), "training points"),
     _count("epochs", 2000), _count("width", 200, "hidden units per layer"),
     Parameter("lr", 3e-3, POSITIVE, "Adam's learning rate"),
     Parameter("weight_decay", 1e-3, Interval(0, None), "L2 weight of the regularized fit"),
     _count("patience", 200, "early-stopping patience (epochs)"),
     Parameter("seed", 0, Interval(0, None, integer=True), "seed of the data and the initial weights")),
    _overfit, ("large.train_loss", "large.test_loss", "regularized.train_loss", "regularized.test_loss"),
    quick={"epochs": 100, "width": 32, "patience": 20}, quick_time="2 s", full_time="1 min"))

def _initialization(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
    """The numbers, plus two tables as lists: the collapse map by depth, each layer-study row by layer."""
    outcome = command_run("initialization", "initialization.json")(params, out, tick)
    numbers = json.loads((out / "initialization.json").read_text())
    results = dict(outcome.results)
    grid = numbers["collapse_map"]
    for name in ("collapse", "dead_at_init"):
        results.update({f"collapse_map.{name}.depth_{d}": row for d, row in zip(grid["depths"], grid[name])})
    rows: dict[str, list[float]] = {}
    for row in sorted(numbers["layer_study"], key=lambda r: r["layer"]):
        for name in ("activation_mean", "activation_var", "gradient_var"):
            key = f"layer_study.{row['init']}.{row['activation']}.{row['when']}.{name}"
            rows.setdefault(key, []).append(row[name])
    results.update(rows)
    return Outcome(outcome.figures, spread_of_lists(results, ("activation_mean",)))


register(Experiment(
    "initialization", "Exploding products, symmetry, variance by depth, layer statistics, collapse map",
    f"{NOTES}; Glorot & Bengio 2010; He et al. 2015; Lu et al. 2018",
    (_count("map_runs", 100, "runs per cell of the collapse map"), _count("map_steps", 500, "steps per map run"),
     _count("seeds", 1000, "random matrix products per factor"), _count("layer_steps", 200, "Adam steps")),
    _initialization, ("growth_normal.mean", "product_seed0_max_abs"),
    quick={"map_runs": 2, "map_steps": 5, "seeds": 20, "layer_steps": 2}, quick_time="20 s", full_time="10 min"))

register(Experiment(
    "collapse", "Deep narrow ReLU nets collapse to a constant: the rate over many initializations",
    "Lu, Su & Karniadakis 2018, \"Dying ReLU and initialization\"",
    (_count("runs", 1000, "initializations"), _count("depth", 10, "hidden layers"), _count("width", 2, "units per layer"),
     Parameter("target", "abs", Options(("abs", "step", "xsin")), "the target function"),
     Parameter("loss", "mse", Options(("mse", "mae")), "the loss"), _count("steps", 2000),
     Parameter("lr", 1e-3, POSITIVE, "Adam's learning rate")),
    command_run("collapse", lambda p: f"collapse-d{p['depth']}-w{p['width']}-{p['target']}-{p['loss']}.json"),
    ("summary.collapse_rate", "summary.dead_at_init_rate"), quick={"runs": 8, "steps": 10}, full_time="5 min"))

register(Experiment(
    "input_normalization", "Training with and without input normalization (lecture target and wine)",
    f"{NOTES} (data normalization); LeCun et al. 1998, \"Efficient BackProp\"",
    (SEEDS, _count("steps", 2000, "steps on the lecture target"), _count("wine_steps", 2000, "steps on wine")),
    command_run("input_normalization", "input_normalization.json"),
    ("wine.normalizations.none.final_loss_mean", "wine.normalizations.standard.final_loss_mean"),
    quick={"seeds": 1, "steps": 20, "wine_steps": 20}, full_time="2 min"))

def spread_of_lists(results: dict[str, Any], suffixes: tuple[str, ...]) -> dict[str, Any]:
    """``results`` plus ``KEY.min``, ``KEY.max``, ``KEY.median`` of each list ``KEY`` ending in ``suffixes``.

    ``None`` items (a diverged run, a target not reached) are left out; a list of only
    ``None``, or ``None`` instead of a list, gets ``None`` for all three (so a short run
    writes the same keys as a full one). The docs quote ranges and medians over seeds.

    >>> spread_of_lists({"a.loss": [3.0, None, 1.0, 2.0], "b": 1}, ("loss",))["a.loss.median"]
    2.0
    """
    out = dict(results)
    for key, value in results.items():
        if key.endswith(suffixes) and (value is None or isinstance(value, list)):
            found = [v for v in value or [] if v is not None]
            out.update({f"{key}.min": min(found, default=None), f"{key}.max": max(found, default=None),
                        f"{key}.median": statistics.median(found) if found else None})
    return out


def _batch_norm(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
    """The study's numbers, with the spread over seeds of each rate's lists and of the fastest rate's."""
    outcome = command_run("batch_norm", "batch-norm.json")(params, out, tick)
    results = dict(outcome.results)
    for group in ("he.plain", "he.batch_norm", "torch_default.plain", "torch_default.batch_norm"):
        fastest = results.get(f"{group}.fastest_lr")
        for name in ("final_loss", "val_accuracy"):
            everywhere = [v for k, v in outcome.results.items()
                          if k.startswith(f"{group}.per_lr.") and k.endswith(f".{name}")]
            results[f"{group}.every_lr.{name}"] = [v for values in everywhere for v in values]
            results[f"{group}.at_fastest_lr.{name}"] = (
                None if fastest is None else results[f"{group}.per_lr.{fastest:g}.{name}"])
    suffixes = ("final_loss", "val_accuracy", "steps_to_target", "steps_to_target_at_fastest_lr")
    return Outcome(outcome.figures, spread_of_lists(results, suffixes))


register(Experiment(
    "batch_norm", "A deep MLP with and without batch normalization: speed and the largest stable rate",
    f"{UCLA}; Ioffe & Szegedy 2015",
    (SEEDS, _count("default_init_seeds", 3, "seeds of the grid from torch's default initialization"),
     _count("steps", 300)),
    _batch_norm,
    ("he.plain.largest_stable_lr", "he.batch_norm.largest_stable_lr"),
    quick={"seeds": 1, "default_init_seeds": 1, "steps": 5}, quick_time="15 s", full_time="10 min"))

register(Experiment(
    "backprop_by_hand", "A two-layer sigmoid classifier trained by hand-written backprop, beside torch",
    f"{SUTD} (backpropagation)",
    (_count("steps", 300), _count("hidden", 16, "hidden units")),
    command_run("backprop_by_hand", "backprop_by_hand.json"),
    ("runs.GD.final_loss", "runs.Adam.max_difference_to_torch"), quick={"steps": 20}))

register(Experiment(
    "heaviside_regularizers", "The Heaviside target with 2 and 3 hidden layers: none, L1, L2, dropout",
    f"{NOTES} (regularizers, dropout)", (_count("seeds", 3, "seeds 0..N-1"), _count("epochs", 1000)),
    command_run("heaviside_regularizers", "heaviside-regularizers.json"),
    ("results.2 hidden layers.none.test_mse.mean",),
    quick={"seeds": 1, "epochs": 5}, full_time="2 min"))

register(Experiment(
    "sine_learning_rates", "The noisy sine with a too-small, a good and a too-large learning rate",
    f"{NOTES} (effect of learning rate)", (SEEDS, _count("epochs", 1000)),
    command_run("sine_learning_rates", "sine-learning-rates.json"), ("results.good.test_mse.mean",),
    quick={"seeds": 1, "epochs": 5}, full_time="1 min"))

register(Experiment(
    "augmentation", "Data augmentation on few digits: each transform and its test error",
    f"{UCLA} (data augmentation)", (SEEDS, _count("epochs", 300)),
    command_run("augmentation", "augmentation.json"), ("test_error.none.mean", "test_error.shift.mean"),
    quick={"seeds": 1, "epochs": 2}, full_time="3 min"))

register(Experiment(
    "batch_size", "Small batches as a regularizer: the generalization gap per batch size",
    f"{UCLA}; Keskar et al. 2017", (SEEDS, _count("epochs", 100)),
    command_run("batch_size", "batch_size.json"), ("batches.16.gap_error.mean",),
    quick={"seeds": 1, "epochs": 2}, full_time="1 min"))

register(Experiment(
    "transfer", "Transfer and multitask learning: digits 0-4 -> digits 5-9 with few samples",
    "Caruana 1997, \"Multitask learning\"; Yosinski et al. 2014", (SEEDS,),
    command_run("transfer", "transfer.json"), ("1.scratch.mean", "1.fine-tune.mean"),
    quick={"seeds": 1}, full_time="2 min"))

register(Experiment(
    "ensembles", "Bagging and snapshot ensembles against their members on digits",
    "Breiman 1996 (bagging); Huang et al. 2017 (snapshot ensembles)", (SEEDS,),
    command_run("ensembles", "ensembles.json"),
    ("bagging.ensemble_error.mean", "snapshot.ensemble_error.mean"), quick={"seeds": 1}, full_time="2 min"))

register(Experiment(
    "information_plane", "The information plane of the 12-bit task, tanh against ReLU",
    "Shwartz-Ziv & Tishby 2017; Saxe et al. 2018",
    (_count("epochs", 500), _count("seeds", 3, "seeds 0..N-1"), _count("records", 25, "epochs recorded"),
     _count("kde_inputs", 1024, "inputs of the KDE estimate")),
    command_run("information_plane", "information_plane.json"), ("accuracy.tanh.test", "accuracy.relu.test"),
    quick={"epochs": 2, "seeds": 1, "records": 2, "kde_inputs": 64}, full_time="5 min"))

register(Experiment(
    "spectral_bias", "A ReLU net learns a multi-scale target's low frequencies first",
    "Rahaman et al. 2019, \"On the Spectral Bias of Neural Networks\"",
    (SEEDS, _count("steps", 4000), _count("every", 25, "steps between spectra"),
     _count("width", 128, "hidden units"), Parameter("lr", 3e-3, POSITIVE, "Adam's learning rate")),
    command_run("spectral_bias", "spectral_bias.json"), ("learned_step_mean", "final_loss"),
    quick={"seeds": 1, "steps": 8, "every": 4, "width": 8}, full_time="3 min"))

register(Experiment(
    "edge_of_stability", "Full-batch GD drives the top Hessian eigenvalue up to 2 / lr",
    "Cohen et al. 2021, \"Gradient descent on neural networks typically occurs at the edge of stability\"",
    (_count("steps", 800), _count("every", 20, "steps between Hessian estimates")),
    command_run("edge_of_stability", "edge_of_stability.json"), ("rates.lr=0.1.max_top_eigenvalue",),
    quick={"steps": 10, "every": 5}, full_time="2 min"))


def _schedule_figures(params: dict[str, Any], out: Path, tick: Tick) -> Outcome:
    from trainlab.experiments.schedule_figures import write_all

    tick(0, 1, "fitting the piecewise target under three schedules")
    paths, final = write_all(out, steps=params["steps"])
    tick(1, 1, "done")
    return Outcome(sorted(paths.values()), flatten({"final_train_mse": final}))


register(Experiment(
    "schedule_figures", "Power, linear, triangular and one-cycle schedules; one-cycle on the piecewise target",
    f"{NOTES} (learning rate scheduling, 1-cycle scheduling); Smith 2018",
    (_count("steps", 2000, "Adam steps on the piecewise target"),), _schedule_figures,
    ("final_train_mse.constant 1e-3", "final_train_mse.one-cycle, peak 1e-2"), quick={"steps": 20}))
