"""Transforms declare what they provide and what they read; a chain is checked when it is built."""

import inspect
import re

import pytest
import torch

import trainlab.optim as tl
from trainlab.constraints import InvalidArgument
from trainlab.optim import transforms as T
from trainlab.optim.transform import Transform

MISSING_LR = (
    "weight_decay reads hyperparameter 'lr' (decoupled decay multiplies the parameters by "
    "1 - lr * weight_decay), but no transform in chain(weight_decay(0.1, decoupled=True), "
    "scale_by_adam(betas=(0.9, 0.999), eps=1e-08, amsgrad=False, bias_correction=True, eps_root=0.0), "
    "scale(-0.001)) provides it; add a transform that does: scale_by_learning_rate, scale_by_asgd, "
    "scale_by_adabound"
)


def test_a_chain_that_reads_a_missing_hyperparameter_fails_when_built():
    with pytest.raises(InvalidArgument) as err:
        tl.chain(T.weight_decay(0.1, decoupled=True), T.scale_by_adam(), T.scale(-1e-3))
    assert str(err.value) == MISSING_LR


def test_coupled_decay_reads_no_learning_rate():
    opt = tl.ChainOptimizer([torch.nn.Parameter(torch.ones(2))], tl.chain(T.weight_decay(0.1), T.scale(-1e-3)))
    assert "lr" not in opt.param_groups[0]


def test_a_param_group_that_switches_on_a_read_without_its_provider_fails_when_added():
    opt = tl.ChainOptimizer([torch.nn.Parameter(torch.ones(2))], tl.chain(T.weight_decay(0.1), T.scale(-1e-3)))
    with pytest.raises(InvalidArgument, match=re.escape(
        "weight_decay reads hyperparameter 'lr' (decoupled decay multiplies the parameters by "
        "1 - lr * weight_decay), but neither the param group nor a transform of ChainOptimizer provides it"
    )):
        opt.add_param_group({"params": [torch.nn.Parameter(torch.ones(1))], "decoupled_weight_decay": True})
    # a group that brings the value itself is fine, and decays with it
    p = torch.nn.Parameter(torch.ones(1))
    opt.add_param_group({"params": [p], "decoupled_weight_decay": True, "lr": 0.5})
    p.grad = torch.zeros(1)
    opt.step()
    assert p.item() == pytest.approx(1 - 0.5 * 0.1)


def test_the_error_names_only_transforms_that_provide_the_hyperparameter():
    providers = [cls for cls in _transform_classes() if "lr" in cls.constraints]
    assert {cls.verb for cls in providers} == {"scale_by_learning_rate", "scale_by_asgd", "scale_by_adabound"}
    for cls in providers:  # and each of them does satisfy the read
        args = {"lr": 0.1} if "lr" in inspect.signature(cls).parameters else {}
        tl.chain(T.weight_decay(0.1, decoupled=True), cls(**args))


def _transform_classes():
    return [getattr(T, name) for name in T.__all__]


def _chain_optimizers():
    return [
        getattr(tl, name) for name in tl.__all__
        if inspect.isclass(getattr(tl, name)) and issubclass(getattr(tl, name), tl.ChainOptimizer)
        and getattr(tl, name) is not tl.ChainOptimizer
    ]


@pytest.mark.parametrize("cls", _chain_optimizers(), ids=lambda c: c.__name__)
def test_every_named_optimizer_chain_passes_the_check(cls):
    """Each named optimizer, including the variants that switch on a read (decoupled decay)."""
    params = [torch.nn.Parameter(torch.ones(2))]
    variants = [{}]
    signature = inspect.signature(cls)
    if "weight_decay" in signature.parameters:
        variants.append({"weight_decay": 0.1})
    if "decoupled_weight_decay" in signature.parameters:
        variants.append({"weight_decay": 0.1, "decoupled_weight_decay": True})
    for kwargs in variants:
        opt = cls(params, **kwargs)
        chain = opt.transform
        rebuilt = tl.chain(*chain.transforms())  # the construction-time check, run again explicitly
        group = opt.param_groups[0]
        for t in chain.transforms():
            assert set(t.inputs(group)) <= set(group), (t, t.inputs(group))
        assert rebuilt.defaults == chain.defaults


def test_every_transform_declares_a_default_for_what_it_provides():
    for cls in _transform_classes():
        t = cls(1.0) if cls is T.scale else cls()
        assert set(t.defaults) == set(cls.constraints), cls.verb
        assert not set(cls.reads) & set(cls.constraints), cls.verb  # reading is not providing


def test_a_transform_class_without_defaults_for_its_constraints_is_a_bug():
    class Broken(Transform):
        constraints = {"lr": T.scale_by_learning_rate.constraints["lr"]}

        def __init__(self):
            super().__init__()

    with pytest.raises(TypeError, match=r"Broken gives no default for hyperparameter\(s\) \['lr'\]"):
        Broken()


def test_public_names_are_the_verbs_and_reprs_use_them():
    assert all(name == name.lower() for name in T.__all__)
    assert not any(hasattr(T, cls.__name__) for cls in _transform_classes())
    assert repr(tl.chain(T.trace(0.9), T.scale_by_learning_rate(0.1))) == (
        "chain(trace(momentum=0.9, dampening=0.0, nesterov=False), scale_by_learning_rate(lr=0.1))"
    )
    for name in T.__all__:
        assert getattr(T, name).verb == name


def _group_keys_read(cls):
    """The param-group keys the source of ``cls`` reads (``g[...]``, ``b.group[...]``, ``.get``)."""
    import ast
    import textwrap

    def is_group(node):
        return (isinstance(node, ast.Name) and node.id in ("g", "group")) or (
            isinstance(node, ast.Attribute) and node.attr == "group"
        )

    keys = set()
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(cls)))):
        if isinstance(node, ast.Subscript) and is_group(node.value) and isinstance(node.slice, ast.Constant):
            keys.add(node.slice.value)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_group(node.func.value)
                and node.func.attr in ("get", "setdefault") and isinstance(node.args[0], ast.Constant)):
            keys.add(node.args[0].value)
    return keys


@pytest.mark.parametrize("cls", _transform_classes(), ids=lambda c: c.verb)
def test_every_group_key_a_transform_reads_is_declared(cls):
    # initial_lr is torch's LR-scheduler key: AdaBound sets it on first use when no scheduler did
    undeclared = _group_keys_read(cls) - set(cls.constraints) - set(cls.reads) - {"initial_lr"}
    assert undeclared == set()
    assert _group_keys_read(T.weight_decay) >= {"lr"}  # the scan does see reads
