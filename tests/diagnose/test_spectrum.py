"""eigenvalues() against torch.linalg.eigvalsh of the dense Hessian, both ends, float64 and float32."""

from __future__ import annotations

import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.diagnose import hessian
from tests.diagnose.models import problem


@pytest.mark.parametrize("kind", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("which", ["largest", "smallest", "both"])
def test_eigenvalues_match_dense_eigvalsh(kind, which):
    _, loss_fn, params, dense, _ = problem(kind)
    exact = torch.linalg.eigvalsh(dense)
    k = 2 if kind == "linear" else 5
    spec = hessian.eigenvalues(loss_fn, params, k=k, which=which, tol=1e-8, generator=torch.Generator().manual_seed(1))
    top, bottom = exact.flip(0)[:k], exact[:k]
    want = {"largest": top, "smallest": bottom, "both": torch.cat([top, bottom])}[which]
    scale = exact.abs().max()
    assert spec.values.shape == want.shape
    assert torch.allclose(spec.values, want, rtol=0, atol=1e-6 * float(scale))
    assert spec.converged


def test_negative_eigenvalues_found_where_the_hessian_is_indefinite():
    _, loss_fn, params, dense, _ = problem("tanh", seed=3)
    exact = torch.linalg.eigvalsh(dense)
    assert exact[0] < 0
    spec = hessian.eigenvalues(loss_fn, params, k=3, which="smallest", generator=torch.Generator().manual_seed(0))
    assert torch.allclose(spec.values, exact[:3], rtol=0, atol=1e-6 * float(exact.abs().max()))
