"""Every optimizer torch.optim also has: equal to it in float64 over many steps.

Small MLP, two param groups of different learning rate and weight decay, 120
steps; the trainlab optimizer's state_dict is saved after 60 steps, serialized,
and loaded into a fresh optimizer that takes the remaining steps.
"""

import pytest

from tests.optim.helpers import max_rel_diff, mlp, regression_data, take_steps, two_groups
from tests.optim.optimizer_rows import TORCH_ROWS, samples
from tests.helpers import roundtrip

STEPS = 120
TOL = 1e-12


@pytest.mark.parametrize("row,kwargs", samples(TORCH_ROWS))
def test_matches_torch_with_midway_state_dict_roundtrip(row, kwargs, float64):
    X, y = regression_data()
    maximize = kwargs.get("maximize", False)
    ref_model, our_model = mlp(), mlp()
    ref = row.torch_twin(two_groups(ref_model, kwargs["lr"]), **kwargs, foreach=False)
    take_steps(ref_model, ref, X, y, STEPS, maximize)

    ours = row.build(two_groups(our_model, kwargs["lr"]), **kwargs)
    take_steps(our_model, ours, X, y, STEPS // 2, maximize)
    saved = roundtrip(ours.state_dict())
    fresh = row.build(two_groups(our_model, kwargs["lr"]), **kwargs)
    fresh.load_state_dict(saved)
    take_steps(our_model, fresh, X, y, STEPS - STEPS // 2, maximize)

    diff = max_rel_diff(list(ref_model.parameters()), list(our_model.parameters()))
    assert diff < TOL, f"{row.name} {kwargs}: max relative difference {diff:.3e}"
    moved = max_rel_diff(list(mlp().parameters()), list(our_model.parameters()))
    assert moved > 1e-3, "the optimizer did not move the parameters"


@pytest.mark.parametrize("row,kwargs", samples(TORCH_ROWS))
def test_matches_torch_foreach_implementation(row, kwargs, float64):
    """torch's multi-tensor path too (a second, independently written oracle)."""
    X, y = regression_data(seed=3)
    maximize = kwargs.get("maximize", False)
    ref_model, our_model = mlp(seed=5), mlp(seed=5)
    ref = row.torch_twin(ref_model.parameters(), **kwargs, foreach=True)
    ours = row.build(our_model.parameters(), **kwargs)
    take_steps(ref_model, ref, X, y, 100, maximize)
    take_steps(our_model, ours, X, y, 100, maximize)
    assert max_rel_diff(list(ref_model.parameters()), list(our_model.parameters())) < TOL
