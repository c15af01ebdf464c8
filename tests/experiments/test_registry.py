"""Every registered experiment runs its quick preset end to end and writes what it declares."""

import json
from pathlib import Path

import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.experiments import registry
from trainlab.experiments.execute import execute

DOC_RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"

# the quick presets that take longest on one core (still run in CI)
SLOW = {"initialization", "batch_norm", "beale", "input_normalization", "augmentation", "ensembles", "transfer",
        "schedule_figures"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in registry.names()])
def test_quick_preset_writes_declared_results_and_figures(name, tmp_path):
    torch.set_num_threads(1)
    experiment = registry.get(name)
    done = execute(name, tmp_path, quick=True)
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(experiment.keys) <= set(results)
    assert results == json.loads(json.dumps(done.outcome.results, default=str))
    assert done.outcome.figures and all(p.is_file() and p.stat().st_size > 0 for p in done.outcome.figures)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["preset"] == "quick" and config["parameters"] == experiment.resolve(quick=True)
    assert {"trainlab", "torch", "seconds"} <= set(config)
    assert (tmp_path / "log.txt").read_text().startswith(f"trainlab run {name}")
    committed = DOC_RESULTS / f"{name}.json"
    if committed.exists():  # the docs' results file holds no key the experiment no longer writes
        assert set(json.loads(committed.read_text())) <= set(results)


def test_every_entry_is_complete():
    for e in registry.entries():
        assert e.description and e.source and e.parameters, e.name
        assert e.quick or e.full_time == "seconds", f"{e.name} takes long and has no quick preset"
        e.resolve(quick=True)  # the presets satisfy the constraints
        assert "seed 0" not in e.source and ".txt" not in e.source


def test_bad_parameters_name_the_parameter_and_the_range():
    overfit = registry.get("overfit")
    with pytest.raises(InvalidArgument, match="Did you mean 'epochs'"):
        overfit.resolve({"epoch": 3})
    with pytest.raises(InvalidArgument, match=r"'epochs' parameter of overfit must be an int in the range \[1, inf\)"):
        overfit.resolve({"epochs": 0})


def test_register_refuses_a_name_twice_and_a_stray_quick_parameter():
    entry = registry.get("quartic")
    with pytest.raises(ValueError, match="twice"):
        registry.register(entry)
    from dataclasses import replace
    with pytest.raises(ValueError, match="undeclared"):
        registry.register(replace(entry, name="quartic_copy", quick={"nope": 1}))
