"""The doctor's fixed vocabulary: one row per code - what is measured, the threshold, why, the source, the advice.

Every threshold the rules use is a named constant here, so the table in
``docs/doctor.md`` and the code cannot drift apart. Thresholds that would misfire
as fixed numbers are *relative*: the training loss is judged against the loss of
the trivial predictor (the mean for ``mse``, the median for ``mae``, the class
frequencies for ``cross_entropy``), and a rise of the validation loss against the
validation loss's own noise across epochs.

Example:
    >>> CODES["dying_relu"].advice[0]
    "replace ReLU with LeakyReLU(0.01) (trainlab.nn.MLP(..., activation='leaky_relu')) and start biases at 0"
    >>> len(CODES)
    16
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CODES", "Code", "PRIORITY"]

# -- thresholds (each one is quoted, with its reason, in the table below) ---------------------------
INPUT_SCALE = 10.0  # a feature whose mean or standard deviation exceeds this is far from unit scale
INPUT_SCALE_RATIO = 100.0  # largest / smallest non-constant column standard deviation
DEAD_FRACTION = 0.5  # share of a ReLU layer's units that output exactly 0 for every probe input
DEAD_RISE = 0.3  # share of units that died during training (killed mid-run)
SATURATED = 0.5  # share of a tanh/sigmoid layer's outputs in the flat tails (|tanh| > 0.99, sigmoid outside [0.01, 0.99])
VANISHING_RATIO = 1e-2  # gradient norm per weight norm, first layer / last layer
EXPLODING_RATIO = 1e2  # the same ratio, the other way
ACTIVATION_GROWTH = 1e3  # root-mean-square activation, last hidden layer / input
COLLAPSE_VARIANCE = 1e-3  # output variance across inputs / target variance
DUPLICATE_UNITS = 0.5  # share of a layer's units with a twin (identical weights)
TRIVIAL_SHARE = 0.9  # training loss at the end / trivial loss, above which training "did not learn"
UNDERFIT_SHARE = 0.5  # the same ratio above which a converged model underfits
LINEAR_MARGIN = 0.1  # a network this share of the trivial loss above a linear model's training loss underfits
MOVE_LOW = 0.01  # update-to-weight ratio x steps: weights that moved less than 1% of their norm in the run
UPDATE_RATIO_SLOW = 1e-3  # below this (a healthy step is about 1e-3) a loss still falling steadily is rate-bound
STILL_FALLING = 0.1  # relative drop of the training loss over the last third of the run
FLAT = 0.02  # relative drop over the last third below which the loss has converged
NARROW = 4  # hidden width at or below which a deep ReLU network collapses (Lu et al. 2019)
RISE_SHARE = 0.25  # share of the epoch-to-epoch loss movement that goes up (0: monotone descent)
RISE_AMPLITUDE = 0.1  # summed rises / first loss, above which the swings matter
OVERFIT_NOISE = 3.0  # validation rise above its minimum, in units of its epoch-to-epoch noise
OVERFIT_SHARE = 0.1  # and at least this share of the minimum
OVERFIT_GAP = 0.5  # or: validation - training loss above this share of the trivial loss, training below a quarter
DIVERGE_FACTOR = 1.5  # final (or largest) training loss / first loss above which training diverged
REGULARIZATION = (0.1, 0.5)  # weight decay and dropout rate at or above which they can cause underfitting
HEAVY_MOMENTUM = 0.95  # momentum (or Adam's beta1) at or above which a slow oscillation is blamed on it


@dataclass(frozen=True)
class Code:
    """One diagnosis: what is measured, the threshold, why, where it comes from, and what to do."""

    name: str
    measured: str
    threshold: str
    why: str
    source: str
    advice: tuple[str, ...]


_ROWS = [
    Code("non_finite", "NaN or inf in the data, the loss, the gradients or the weights",
         "any", "one NaN poisons every later step",
         "AUTOTRAINER (Zhang et al., ICSE 2021); DeepDiagnosis (Wardat et al., ICSE 2022)",
         ("remove or impute the NaN/inf rows of the data", "clip gradients (trainlab.train.callbacks.GradientClipping)",
          "add trainlab.train.callbacks.NaNGuard, which skips the step and lowers the rate")),
    Code("output_setup", "the output layer against the loss: softmax before cross_entropy, a bounded activation "
         "(sigmoid, tanh, ReLU, softmax) on a regression output",
         "present", "cross_entropy applies log-softmax itself; a bounded output cannot reach targets outside its range",
         "UMLAUT (Schoop et al., CHI 2021)",
         ("remove the last activation: end the model with a Linear layer (cross_entropy takes logits)",
          "for a regression, standardize the targets instead of squashing the output")),
    Code("symmetry", "hidden units with identical incoming weights (constant or all-zero initialization)",
         f"> {DUPLICATE_UNITS:.0%} of a layer's units have a twin", "identical units get identical gradients "
         "and stay identical: the layer acts as one unit",
         "Glorot & Bengio 2010; UMLAUT (Schoop et al., CHI 2021)",
         ("initialize weights randomly (trainlab.init: 'xavier_normal' for tanh, 'he' for ReLU)",)),
    Code("unnormalized_inputs", "each input column's mean and standard deviation; their spread",
         f"|mean| or std > {INPUT_SCALE:g}, or largest/smallest std > {INPUT_SCALE_RATIO:g}",
         "unit-scale inputs keep first-layer pre-activations in the range the initialization was made for",
         "Glorot & Bengio 2010; UMLAUT (Schoop et al., CHI 2021)",
         ("standardize the inputs with training statistics (trainlab.data.normalize, trainlab train --normalize standard)",)),
    Code("no_nonlinearity", "whether the model is affine: f(a x + (1-a) x') = a f(x) + (1-a) f(x')",
         "affine with two or more Linear layers", "stacked linear layers compose to one linear map",
         "UMLAUT (Schoop et al., CHI 2021)",
         ("put an activation between the Linear layers (trainlab.nn.MLP(..., activation='relu'))",)),
    Code("exploding_gradient", "at initialization: per-layer gradient norm / weight norm, first layer vs last; "
         "activation growth through the layers; non-finite outputs before any step",
         f"ratio > {EXPLODING_RATIO:g}, growth > {ACTIVATION_GROWTH:g}, or non-finite at step 0",
         "products of many Jacobians with norm above 1 grow geometrically with depth",
         "Glorot & Bengio 2010; AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("initialize with variance-preserving scales (trainlab.init 'xavier_normal' / 'he')",
          "clip gradients (trainlab.train.callbacks.GradientClipping(max_norm=1.0))",
          "add batch normalization (trainlab.nn.MLP(..., batch_norm=True))")),
    Code("dying_relu", "per ReLU layer, the share of units that output exactly 0 for every probe input, at the "
         "start and the end", f">= {DEAD_FRACTION:.0%} dead, or >= {DEAD_RISE:.0%} killed during training",
         "a dead unit has zero gradient and cannot recover",
         "Lu et al. 2019 (Dying ReLU and initialization); AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("replace ReLU with LeakyReLU(0.01) (trainlab.nn.MLP(..., activation='leaky_relu')) and start biases at 0",
          "lower the learning rate (large steps push biases negative)", "use He initialization (trainlab.init 'he')")),
    Code("saturation", "per tanh/sigmoid layer, the share of outputs in the flat tails",
         f">= {SATURATED:.0%} of outputs with |tanh| > 0.99 or sigmoid outside [0.01, 0.99]",
         "a saturated unit's derivative is near 0, so no gradient passes",
         "Glorot & Bengio 2010; DeepDiagnosis (Wardat et al., ICSE 2022)",
         ("initialize with Glorot scales (trainlab.init 'xavier_normal')", "standardize the inputs",
          "switch to ReLU-family activations")),
    Code("vanishing_gradient", "per-layer gradient norm / weight norm, first layer vs last (median over the run)",
         f"first / last < {VANISHING_RATIO:g}",
         "each sigmoid layer multiplies the backward signal by at most 1/4; deep stacks lose it",
         "Glorot & Bengio 2010; AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("use ReLU-family activations with He initialization (trainlab.nn.MLP(..., activation='relu', init='he'))",
          "add batch normalization (trainlab.nn.MLP(..., batch_norm=True))", "use fewer layers")),
    Code("collapse", "variance of the output across inputs / variance of the target (for classes: of the "
         "predicted probabilities)", f"< {COLLAPSE_VARIANCE:g}",
         "a network whose output ignores its input can only predict the mean (mse) or median (mae); not counted "
         "while the loss is below half the trivial loss or the weights moved less than 1% in the run (an "
         "untrained initialization)",
         "Lu et al. 2019 (Dying ReLU and initialization: deep narrow ReLU networks collapse)",
         ("make the network wider or shallower", "use LeakyReLU or an asymmetric initialization",
          "add batch normalization")),
    Code("oscillation", "the epoch training-loss curve: share of its movement that goes up, with momentum in use",
         f"rises > {RISE_SHARE:.0%} of the movement and > {RISE_AMPLITUDE:.0%} of the first loss, or a "
         f"divergence, with SGD momentum >= {HEAVY_MOMENTUM}",
         "heavy momentum overshoots and swings back: the loss goes up and down over several epochs",
         "Cockpit (Schneider et al., NeurIPS 2021); AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("lower the momentum to 0.9", "or use Adam (trainlab.optim 'adam')", "lower the learning rate")),
    Code("lr_too_high", "loss at the end (or its largest) / first loss; the rises of the loss curve; the top "
         "Hessian eigenvalue vs 2/lr", f"> {DIVERGE_FACTOR:g}x the first loss, rises as for oscillation without "
         "heavy momentum, or sharpness > 2(1+momentum)/lr",
         "gradient descent on a quadratic diverges once lr exceeds 2/(top eigenvalue)",
         "Cohen et al. 2021 (edge of stability); AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("lower the learning rate until the update-to-weight ratio is about 1e-3 (trainlab lr-find finds one "
          "that fits)",
          "clip gradients (trainlab.train.callbacks.GradientClipping)")),
    Code("lr_too_low", "update-to-weight ratio ||delta w|| / ||w|| per step, and whether the loss still falls",
         f"ratio x steps < {MOVE_LOW:g} (the weights moved less than 1% in the whole run) with the loss still above "
         f"half its start; or ratio < {UPDATE_RATIO_SLOW:g} with the loss still falling steadily "
         f"(> {STILL_FALLING:.0%} over the last third)", "steps that small cannot move the weights within the budget",
         "Cockpit (Schneider et al., NeurIPS 2021); AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("raise the learning rate until the update-to-weight ratio is about 1e-3 (lr x 1e-3/ratio; trainlab "
          "lr-find finds one that fits)", "or use Adam")),
    Code("stalled", "training loss at the end / trivial loss (the loss of predicting the mean or the class "
         "frequencies), with steps of normal size or none at all",
         f">= {TRIVIAL_SHARE:.0%} of the trivial loss", "the model learned nothing beyond the constant predictor",
         "AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("check that the optimizer holds the model's trainable parameters (nothing frozen)",
          "check that the targets belong to the inputs (not shuffled apart)", "use Adam with lr 1e-3")),
    Code("overfitting", "rise of the validation loss (means over windows of max(3, epochs/8) epochs) from its "
         "lowest window to the last, against its epoch-to-epoch noise",
         f"> {OVERFIT_NOISE:g} noise units and > {OVERFIT_SHARE:.0%} of the minimum, while the training loss falls; "
         f"or a gap validation - training > {OVERFIT_GAP:g} x trivial loss with training < 0.25 x trivial loss",
         "a rise inside the noise band is noise, not overfitting",
         "AUTOTRAINER (Zhang et al., ICSE 2021); DeepDiagnosis (Wardat et al., ICSE 2022)",
         ("add weight decay (trainlab train --weight-decay 1e-2) and stop early "
          "(trainlab.train.callbacks.EarlyStopping, trainlab train --patience)", "add dropout",
          "get more data or a smaller model")),
    Code("underfitting", "training loss at the end against the trivial loss and a linear model's training "
         "loss, with the regularization and the narrowest layer",
         f"> {UNDERFIT_SHARE:.0%} of the trivial loss and flat, with weight decay >= {REGULARIZATION[0]:g}, "
         f"dropout >= {REGULARIZATION[1]:g} or a layer of width <= 2 and no better than a linear model; or "
         f"converged more than {LINEAR_MARGIN:g} x trivial loss above a linear model",
         "a model that cannot even fit its training data needs more capacity or less regularization",
         "AUTOTRAINER (Zhang et al., ICSE 2021)",
         ("remove or weaken the regularization (weight decay, dropout); widen layers of width <= 2",
          "make the model wider or deeper", "train longer")),
]
CODES: dict[str, Code] = {c.name: c for c in _ROWS}

# Root causes before the symptoms they explain (a setup error before the dead units it causes, dead
# units before the collapsed output, ...): the order findings of equal severity are reported in.
PRIORITY: tuple[str, ...] = ("output_setup", "symmetry", "unnormalized_inputs", "exploding_gradient",
                             "no_nonlinearity", "dying_relu", "saturation", "vanishing_gradient", "collapse",
                             "oscillation", "lr_too_high", "non_finite", "lr_too_low", "stalled", "overfitting",
                             "underfitting")
assert set(PRIORITY) == set(CODES)
