"""The catalog: one ``OptimizerSpec`` per optimizer class (see ``trainlab.optim.spec``).

Adding an optimizer is one transform (if the math is new), one class and one
entry here; the registry, the CLI lists, the lab's default rates and the generic
tests read it (CONTRIBUTING.md has the recipe). Registry order is the order here.

Lectures cited: Brown/NVIDIA "Training and Optimization" lecture notes (Brown/NVIDIA),
UCLA ECE 239AS lecture notes on optimization (UCLA ECE 239AS), CMI "Lecture 5: Training
Deep Neural Networks II" (CMI lecture 5), SUTD 50.039 "Theory and Practice of Deep
Learning" W2-S2 (SUTD 50.039).

Example:
    >>> from trainlab.optim.catalog import SPECS
    >>> [v.name for v in next(s for s in SPECS if s.name == "SGD").variants]
    ['sgd', 'momentum', 'nesterov']
"""

from __future__ import annotations

import torch

from trainlab.optim.adam import AdaBound, Adam, Adamax, AdamW, NAdam, RAdam
from trainlab.optim.adaptive import Adadelta, Adagrad, RMSprop
from trainlab.optim.asgd import ASGD
from trainlab.optim.lookahead import Lookahead
from trainlab.optim.second_order import BFGS, LBFGS, ConjugateGradient, HessianFree, Newton
from trainlab.optim.sgd import SGD, DecayingGD, GradientControlled, Momentum
from trainlab.optim.sparse_adam import SparseAdam
from trainlab.optim.spec import OptimizerSpec, Variant

__all__ = ["SPECS", "spec_of"]

BROWN, UCLA, CMI, SUTD = "Brown/NVIDIA", "UCLA ECE 239AS", "CMI lecture 5", "SUTD 50.039"
M9 = {"momentum": 0.9}
SLOW = (0.003, 0.01, 0.03)  # rates of momentum methods (about 1/(1 - 0.9) times larger steps)
FAST = (0.01, 0.03, 0.1)  # plain gradient steps

# bad arguments shared by several classes ({cls}: the class name)
LR = ({"lr": -1.0}, "The 'lr' parameter of {cls} must be a float in the range [0, inf). Got -1.0 instead.")
WD = ({"weight_decay": -0.1}, "'weight_decay' parameter of {cls} must be a float in the range [0, inf)")
EPS = ({"eps": -1e-8}, "'eps' parameter of {cls} must be a float in the range [0, inf)")
BETA1 = ({"betas": (1.0, 0.999)},
         "'betas' parameter of {cls} must be a pair of values, each a float in the range [0, 1)")
BETA2 = ({"betas": (0.9, -0.1)}, "'betas' parameter of {cls}")
ADAM_BAD = (LR, WD, EPS, BETA1, BETA2)
LINE_SEARCH_BAD = (
    ({"lr": -1.0}, "'lr' parameter of {cls} must be a float in the range (0, inf)"),
    ({"max_iter": 0}, "'max_iter' parameter of {cls}"),
    ({"max_eval": 0}, "'max_eval' parameter of {cls}"),
    ({"tolerance_change": -1.0}, "'tolerance_change' parameter of {cls}"),
    ({"line_search_fn": "wolfe"}, "'line_search_fn' parameter of {cls} must be one of"),
    ({"c1": 0.5, "c2": 0.4}, "'c2' parameter of {cls} must be greater than c1 = 0.5"),
)

SPECS: tuple[OptimizerSpec, ...] = (
    OptimizerSpec(SGD, (
        Variant("sgd", "plain (stochastic) gradient descent", f"{UCLA}; {SUTD}", lr_grid=FAST,
                reference="first_order.gd", aliases=("gd",)),
        Variant("momentum", "heavy-ball momentum 0.9", f"{BROWN}; {UCLA}; {CMI}", M9, SLOW,
                reference="first_order.momentum", aliases=("heavy-ball",)),
        Variant("nesterov", "Nesterov momentum 0.9", f"{BROWN}; {UCLA}; {SUTD}", {**M9, "nesterov": True},
                SLOW, reference="first_order.nesterov_change_of_variables", aliases=("nag",)),
    ), step_size="gradient", torch_twin=torch.optim.SGD, samples=(
        {"lr": 0.05},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
        {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.02, "momentum": 0.5, "maximize": True},
    ), invalid=(
        LR, WD,
        ({"momentum": -0.5}, "'momentum' parameter of SGD must be a float in the range [0, inf). Got -0.5"),
        ({"nesterov": True}, "'nesterov' parameter of SGD must be False unless momentum > 0 and dampening = 0"),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "unless momentum > 0 and dampening = 0"),
        ({"nesterov": 1}, "'nesterov' parameter of SGD must be a bool. Got 1 instead."),
    )),
    OptimizerSpec(Momentum, (
        Variant("momentum-lecture", "momentum of steps, v <- mu v - lr g", f"{UCLA}; {SUTD}", M9, SLOW,
                reference="first_order.momentum"),
    ), step_size="gradient", samples=(
        {"lr": 0.02, "momentum": 0.9},
        {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ), invalid=(LR, ({"momentum": -1.0}, "'momentum' parameter of Momentum"))),
    OptimizerSpec(Adagrad, (
        Variant("adagrad", "AdaGrad", f"Duchi et al. 2011; {BROWN}; {UCLA}; {SUTD}", lr_grid=FAST,
                reference="first_order.adagrad"),
    ), step_size="per_coordinate", torch_twin=torch.optim.Adagrad, samples=(
        {"lr": 0.05},
        {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-6},
        {"lr": 0.05, "maximize": True},
    ), invalid=(
        LR, WD, EPS,
        ({"lr_decay": -1.0}, "'lr_decay' parameter of Adagrad"),
        ({"initial_accumulator_value": -1.0}, "'initial_accumulator_value' parameter of Adagrad"),
    )),
    OptimizerSpec(RMSprop, (
        Variant("rmsprop", "RMSProp", f"Hinton 2012; {BROWN}; {UCLA}; {SUTD}", reference="first_order.rmsprop"),
        Variant("rmsprop-centered", "centered RMSProp", "Graves 2013", {"centered": True}),
        Variant("rmsprop-momentum", "RMSProp with momentum 0.9", UCLA, M9, (3e-4, 1e-3, 3e-3),
                reference="first_order.rmsprop_momentum"),
        Variant("rmsprop-nesterov", "RMSProp with Nesterov momentum 0.9", UCLA, {**M9, "nesterov": True},
                (3e-4, 1e-3, 3e-3), reference="first_order.rmsprop_nesterov"),
    ), step_size="per_coordinate", torch_twin=torch.optim.RMSprop, samples=(
        {"lr": 0.005},
        {"lr": 0.002, "alpha": 0.9, "momentum": 0.9, "centered": True, "weight_decay": 0.01},
        {"lr": 0.002, "momentum": 0.5, "maximize": True},
    ), invalid=(
        LR, WD, EPS,
        ({"alpha": 1.5}, "'alpha' parameter of RMSprop must be a float in the range [0, 1]. Got 1.5 instead."),
        ({"nesterov": True}, "'nesterov' parameter of RMSprop must be False unless momentum > 0"),
    )),
    OptimizerSpec(Adadelta, (
        Variant("adadelta", "Adadelta", f"Zeiler 2012; {BROWN}", lr_grid=(0.3, 1.0, 3.0)),
    ), step_size="unit_free", torch_twin=torch.optim.Adadelta, samples=(
        {"lr": 1.0},
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.01},
        {"lr": 1.0, "maximize": True},
    ), invalid=(
        LR, WD, EPS,
        ({"rho": 1.1}, "'rho' parameter of Adadelta must be a float in the range [0, 1]. Got 1.1 instead."),
    )),
    OptimizerSpec(Adam, (
        Variant("adam", "Adam", f"Kingma & Ba 2015; {BROWN}; {UCLA}; {SUTD}", reference="first_order.adam"),
        Variant("adam-nobias", "Adam without bias correction", UCLA, {"bias_correction": False},
                reference="first_order.adam_no_bias_correction", aliases=("adam-no-bias",)),
        Variant("amsgrad", "AMSGrad", f"Reddi et al. 2018; {SUTD}", {"amsgrad": True},
                reference="first_order.amsgrad"),
    ), step_size="per_coordinate", torch_twin=torch.optim.Adam, samples=(
        {"lr": 0.005},
        {"lr": 0.005, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01},
        {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.005, "maximize": True},
    ), invalid=ADAM_BAD + (({"amsgrad": "yes"}, "'amsgrad' parameter of Adam must be a bool"),)),
    OptimizerSpec(AdamW, (
        Variant("adamw", "Adam with decoupled weight decay", "Loshchilov & Hutter 2019"),
    ), step_size="per_coordinate", torch_twin=torch.optim.AdamW, samples=(
        {"lr": 0.005},
        {"lr": 0.005, "weight_decay": 0.1, "amsgrad": True},
    ), invalid=ADAM_BAD),
    OptimizerSpec(Adamax, (
        Variant("adamax", "Adamax", f"Kingma & Ba 2015; {SUTD}", lr_grid=(3e-3, 1e-2, 3e-2)),
    ), step_size="per_coordinate", torch_twin=torch.optim.Adamax, samples=(
        {"lr": 0.005},
        {"lr": 0.005, "betas": (0.8, 0.99), "weight_decay": 0.01},
        {"lr": 0.005, "maximize": True},
    ), invalid=ADAM_BAD),
    OptimizerSpec(NAdam, (
        Variant("nadam", "NAdam", f"Dozat 2016; {BROWN}"),
        Variant("nadam-dozat", "NAdam as the Brown/NVIDIA notes print it", f"Dozat 2016; {BROWN}",
                {"variant": "dozat"}, reference="first_order.nadam"),
    ), step_size="per_coordinate", torch_twin=torch.optim.NAdam, samples=(
        {"lr": 0.002},
        {"lr": 0.002, "weight_decay": 0.01, "momentum_decay": 0.01},
        {"lr": 0.002, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.002, "maximize": True},
    ), invalid=ADAM_BAD + (
        ({"momentum_decay": -1.0}, "'momentum_decay' parameter of NAdam"),
        ({"variant": "keras"},
         "'variant' parameter of NAdam must be one of {'torch', 'dozat'}. Got 'keras' instead."),
    )),
    OptimizerSpec(RAdam, (
        Variant("radam", "Rectified Adam", f"Liu et al. 2020; {SUTD}"),
    ), step_size="per_coordinate", torch_twin=torch.optim.RAdam, samples=(
        {"lr": 0.005},
        {"lr": 0.005, "weight_decay": 0.01},
        {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.005, "maximize": True},
    ), invalid=ADAM_BAD),
    OptimizerSpec(ASGD, (
        Variant("asgd", "averaged SGD", f"Polyak & Juditsky 1992; {SUTD}", lr_grid=FAST),
    ), step_size="gradient", torch_twin=torch.optim.ASGD, samples=(
        {"lr": 0.05},
        {"lr": 0.05, "lambd": 1e-3, "alpha": 0.5, "t0": 30, "weight_decay": 0.01},
        {"lr": 0.05, "t0": 10, "maximize": True},
    ), invalid=(LR, WD, ({"lambd": -1.0}, "'lambd' parameter of ASGD"),
                ({"t0": -5}, "'t0' parameter of ASGD"))),
    OptimizerSpec(AdaBound, (
        Variant("adabound", "AdaBound", f"Luo et al. 2019; {SUTD}", reference="first_order.adabound"),
        Variant("amsbound", "AMSBound", "Luo et al. 2019", {"amsbound": True}),
    ), step_size="per_coordinate", samples=(
        {"lr": 0.005},
        {"lr": 0.005, "final_lr": 0.05, "gamma": 1e-2, "weight_decay": 0.01, "amsbound": True},
    ), invalid=ADAM_BAD[:4] + (
        ({"gamma": 1.0}, "'gamma' parameter of AdaBound must be a float in the range [0, 1). Got 1.0 instead."),
        ({"final_lr": -0.1}, "'final_lr' parameter of AdaBound"),
    )),
    OptimizerSpec(SparseAdam, (
        Variant("sparse-adam", "Adam with lazy updates for sparse gradients",
                "Kingma & Ba 2015; torch.optim.SparseAdam"),
    ), step_size="per_coordinate", gradients="sparse", torch_twin=torch.optim.SparseAdam, samples=(
        {"lr": 0.01},
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True},
    ), invalid=(LR, EPS, BETA1, BETA2)),
    OptimizerSpec(Lookahead, (
        Variant("lookahead", "Lookahead (k=5, alpha=0.5) around Adam", f"Zhang et al. 2019; {SUTD}"),
    ), step_size="per_coordinate", step="wraps", inner=Adam, samples=(
        {"lr": 0.005},
        {"lr": 0.005, "k": 3, "alpha": 0.8},
    ), invalid=(({"k": 0}, "'k' parameter of Lookahead"),
                ({"alpha": 1.5}, "'alpha' parameter of Lookahead"))),
    OptimizerSpec(GradientControlled, (
        Variant("gradient-control", "rate shrinks with |gradient|, alpha <- alpha/(1+a sqrt|g|)", SUTD,
                {"control": 0.01}, FAST, reference="first_order.gradient_controlled_gd"),
        Variant("gradient-control-inverse", "rate shrinks where gradients are small", SUTD,
                {"control": 0.01, "inverse": True}, FAST, reference="first_order.gradient_controlled_gd"),
    ), step_size="gradient", samples=(
        {"lr": 0.1, "control": 0.5},
        {"lr": 0.1, "control": 0.5, "inverse": True},
    ), invalid=(LR, ({"control": -1.0}, "'control' parameter of GradientControlled"))),
    OptimizerSpec(DecayingGD, (
        Variant("gd-decay", "gradient descent with alpha <- K alpha per step", SUTD, {"decay": 0.999}, FAST,
                reference="first_order.gd_lr_decay"),
    ), step_size="gradient", samples=(
        {"lr": 0.1, "decay": 0.99},
    ), invalid=(LR, ({"decay": 1.5}, "'decay' parameter of DecayingGD must be a float in the range [0, 1]"))),
    # -- second order: step(closure); the natural step of a (quasi-)Newton direction is 1
    OptimizerSpec(LBFGS, (
        Variant("lbfgs", "L-BFGS with strong Wolfe line search", f"Nocedal 1980; {BROWN}; {UCLA}",
                lr_grid=(1.0,), reference="second_order.lbfgs_direction"),
    ), step_size="unit_free", step="closure", torch_twin=torch.optim.LBFGS, samples=(
        {"lr": 1.0, "max_iter": 5},
        {"lr": 1.0, "max_iter": 5, "history_size": 3, "line_search_fn": "more_thuente",
         "initial_step": "previous_decrease"},
        {"lr": 0.2, "max_iter": 5, "line_search_fn": None},
    ), invalid=LINE_SEARCH_BAD + (({"history_size": 0}, "'history_size' parameter of LBFGS"),)),
    OptimizerSpec(BFGS, (
        Variant("bfgs", "BFGS, dense inverse Hessian, strong Wolfe", f"{BROWN}; {UCLA}", lr_grid=(1.0,),
                reference="second_order.bfgs"),
    ), step_size="unit_free", step="closure", samples=(
        {"lr": 1.0, "max_iter": 5},
        {"lr": 1.0, "max_iter": 5, "line_search_fn": "more_thuente", "initial_step": "previous_decrease",
         "scale_initial": False},
    ), invalid=LINE_SEARCH_BAD + (({"scale_initial": 1}, "'scale_initial' parameter of BFGS must be a bool"),)),
    OptimizerSpec(ConjugateGradient, (
        Variant("cg", "nonlinear conjugate gradient (Polak-Ribiere+)", UCLA, lr_grid=(1.0,)),
    ), step_size="unit_free", step="closure", samples=(
        {"lr": 1.0, "max_iter": 5},
        {"lr": 1.0, "max_iter": 5, "beta": "fletcher_reeves", "restart_every": 3},
    ), invalid=(*LINE_SEARCH_BAD[:-1],
                ({"beta": "dai_yuan"}, "'beta' parameter of ConjugateGradient must be one of"),
                ({"restart_every": 0}, "'restart_every' parameter of ConjugateGradient"))),
    OptimizerSpec(Newton, (
        Variant("newton", "Newton with exact Hessian, Levenberg-Marquardt damping", f"{BROWN}; {UCLA}",
                lr_grid=(1.0,), reference="second_order.newton"),
    ), step_size="unit_free", step="closure", samples=(
        {"lr": 1.0},
        {"lr": 0.5, "max_iter": 3, "damping": 0.1},
    ), invalid=(
        ({"lr": 0.0}, "'lr' parameter of Newton must be a float in the range (0, inf)"),
        ({"damping": -1.0}, "'damping' parameter of Newton"),
        ({"damping_increase": 0.5}, "'damping_increase' parameter of Newton"),
        ({"max_eval": 0}, "'max_eval' parameter of Newton"),
    )),
    OptimizerSpec(HessianFree, (
        Variant("hessian-free", "Hessian-free (CG on Hessian-vector products)", f"Martens 2010; {UCLA}",
                {"curvature": "hessian"}, lr_grid=(1.0,)),
    ), step_size="unit_free", step="closure", samples=(
        {"curvature": "hessian"},
        {"curvature": "hessian", "max_iter": 3, "damping": 0.1, "cg_max_iter": 20},
    ), invalid=(
        ({"curvature": "fisher"}, "'curvature' parameter of HessianFree must be one of"),
        ({"damping": 0.0}, "'damping' parameter of HessianFree"),
        ({"cg_decay": 1.5}, "'cg_decay' parameter of HessianFree"),
        ({"max_eval": 0}, "'max_eval' parameter of HessianFree"),
    )),
)


def spec_of(cls: type) -> OptimizerSpec:
    """The spec of optimizer class ``cls`` (``KeyError`` if it has none)."""
    for spec in SPECS:
        if spec.cls is cls:
            return spec
    raise KeyError(f"{cls.__name__} has no entry in trainlab.optim.catalog.SPECS")
