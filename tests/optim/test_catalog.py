"""The catalog is complete and consistent: every optimizer class has exactly one entry."""

import importlib
import inspect

import pytest
import torch

import trainlab.optim as tl
from trainlab.optim import registry
from trainlab.optim.catalog import SPECS, spec_of
from trainlab.optim.spec import OptimizerSpec, Variant
from trainlab.problems.settings import GRADIENT, UNIT_FREE

# exported Optimizer subclasses that are not named optimizers, and why
NOT_NAMED = {
    tl.ChainOptimizer: "the shell every named optimizer is built on (takes a chain, not hyperparameters)",
    tl.PhasedOptimizer: "runs the optimizers it is given, one phase after another",
    tl.ApplyIfFinite: "a guard around the optimizer it is given (skips non-finite steps), not an update rule",
}


def exported_optimizer_classes():
    return [obj for name in tl.__all__ if inspect.isclass(obj := getattr(tl, name))
            and issubclass(obj, torch.optim.Optimizer) and obj not in NOT_NAMED]


@pytest.mark.parametrize("cls", exported_optimizer_classes(), ids=lambda c: c.__name__)
def test_every_exported_optimizer_class_has_one_entry(cls):
    assert sum(s.cls is cls for s in SPECS) == 1, (
        f"trainlab.optim exports {cls.__name__} but trainlab.optim.catalog.SPECS has no entry for it "
        "(see CONTRIBUTING.md: one class, one entry)")
    assert spec_of(cls).name == cls.__name__


def test_names_and_aliases_are_unique():
    names = [v.name for s in SPECS for v in s.variants]
    aliases = [a for s in SPECS for v in s.variants for a in v.aliases]
    assert len(set(names)) == len(names) and not set(aliases) & set(names)
    assert len(set(aliases)) == len(aliases)
    assert registry.names() == names


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_variants_samples_and_invalid_cases_use_real_arguments(spec):
    accepted = set(inspect.signature(spec.cls).parameters) | set(inspect.signature(spec.inner or spec.cls).parameters)
    for kwargs in [dict(v.fixed) for v in spec.variants] + [dict(s) for s in spec.samples] + \
            [dict(bad) for bad, *_ in spec.invalid]:
        assert set(kwargs) <= accepted, f"{spec.name}: unknown arguments {set(kwargs) - accepted}"
    if spec.torch_twin is not None:
        assert spec.torch_twin.__name__ == spec.name


@pytest.mark.parametrize("variant", [v for s in SPECS for v in s.variants if v.reference],
                         ids=lambda v: v.name)
def test_references_name_a_numpy_implementation(variant):
    module, _, function = variant.reference.rpartition(".")
    assert callable(getattr(importlib.import_module(f"trainlab.reference.{module}"), function))


def test_lab_rates_follow_the_step_size_of_each_entry():
    assert GRADIENT == {v.name for s in SPECS if s.step_size == "gradient" for v in s.variants}
    assert UNIT_FREE == {v.name for s in SPECS if s.step_size == "unit_free" for v in s.variants}
    assert {"sgd", "momentum", "asgd", "gd-decay"} <= GRADIENT and "adam" not in GRADIENT | UNIT_FREE


def test_a_new_entry_is_all_the_registry_needs():
    """The recipe of CONTRIBUTING.md: a class plus one spec, and it builds by name."""
    spec = OptimizerSpec(tl.SGD, (Variant("sgd-half-momentum", "momentum 0.5", "test", {"momentum": 0.5}),),
                         step_size="gradient", samples=({"lr": 0.1},))
    entry = registry.OptimizerEntry(spec, spec.variants[0])
    opt = entry.build(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    assert opt.param_groups[0]["momentum"] == 0.5 and entry.lr_grid == spec.lr_grid


def test_a_malformed_spec_is_refused():
    with pytest.raises(ValueError, match="'step_size' must be one of"):
        OptimizerSpec(tl.SGD, (Variant("x", "", ""),), step_size="lr", samples=({},))
    with pytest.raises(ValueError, match="give 'inner' exactly when step='wraps'"):
        OptimizerSpec(tl.Lookahead, (Variant("x", "", ""),), step_size="per_coordinate", step="wraps",
                      samples=({},))
