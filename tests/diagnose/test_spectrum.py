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


def test_float32_matches_the_float64_dense_spectrum():
    _, loss_fn, params, dense, _ = problem("tanh", dtype=torch.float32)
    exact = torch.linalg.eigvalsh(dense)
    spec = hessian.eigenvalues(loss_fn, params, k=3, which="both", generator=torch.Generator().manual_seed(0))
    assert spec.values.dtype == torch.float32
    want = torch.cat([exact.flip(0)[:3], exact[:3]])
    assert torch.allclose(spec.values.double(), want, rtol=0, atol=1e-4 * float(exact.abs().max()))


def test_vectors_are_unit_eigenvectors_in_params_order():
    _, loss_fn, params, dense, _ = problem("relu")
    spec = hessian.eigenvalues(loss_fn, params, k=3, which="both", vectors=True,
                               generator=torch.Generator().manual_seed(0))
    n = dense.shape[0]
    assert spec.vectors.shape == (6, n)
    assert torch.allclose(spec.vectors @ spec.vectors.T, torch.eye(6, dtype=torch.float64), atol=1e-8)
    residual = dense @ spec.vectors.T - spec.vectors.T * spec.values
    assert float(residual.abs().max()) < 1e-6 * float(spec.values.abs().max())
    assert hessian.eigenvalues(loss_fn, params, k=1).vectors is None


def test_forward_over_reverse_equals_double_backward_equals_dense():
    model, loss_fn, params, dense, (x, y, _) = problem("tanh")
    v = [torch.randn(p.shape, generator=torch.Generator().manual_seed(i), dtype=p.dtype) for i, p in enumerate(params)]
    flat_v = torch.cat([t.reshape(-1) for t in v])
    by_closure = torch.cat([t.reshape(-1) for t in hessian.hvp(loss_fn, params, v)])
    ml = hessian.model_loss(model, lambda a, b: ((a - b) ** 2).mean(), x, y)
    by_func = torch.cat([t.reshape(-1) for t in hessian.hvp(ml, params, v)])
    assert ml.forward_mode  # forward-over-reverse ran
    assert torch.allclose(by_closure, dense @ flat_v, atol=1e-10)
    assert torch.allclose(by_func, dense @ flat_v, atol=1e-10)
    # a loss without forward-mode AD of its backward (huber) falls back to double backward
    hub = hessian.model_loss(model, torch.nn.functional.huber_loss, x, y)
    out = hessian.hvp(hub, params, v)
    assert not hub.forward_mode and out[0].shape == params[0].shape


def test_a_subset_of_parameters():
    model, loss_fn, params, dense, _ = problem("tanh")
    last = params[-2:]  # the output layer's weight and bias: the trailing block of the dense Hessian
    m = sum(p.numel() for p in last)
    spec = hessian.eigenvalues(loss_fn, last, k=2, which="both")
    exact = torch.linalg.eigvalsh(dense[-m:, -m:])
    assert torch.allclose(spec.values, torch.cat([exact.flip(0)[:2], exact[:2]]), atol=1e-8)


@pytest.mark.parametrize("block", [1, 3])
@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_every_copy_of_a_repeated_eigenvalue_is_found(which, block):
    # a symmetric hidden layer: 3 interchangeable units at the same weights give eigenvalues repeated 3 times
    from tests.diagnose.test_critical import _deep_linear

    model, loss_fn, _, _ = _deep_linear(hidden=3)
    params = list(model.parameters())
    exact = torch.linalg.eigvalsh(hessian.dense_hessian(loss_fn, params))
    assert float(exact[-1] - exact[-3]) < 1e-12 and float(exact[2] - exact[0]) < 1e-12  # +-s, three times each
    spec = hessian.eigenvalues(loss_fn, params, k=3, which=which, block=block,
                               generator=torch.Generator().manual_seed(0))
    want = exact.flip(0)[:3] if which == "largest" else exact[:3]
    assert torch.allclose(spec.values, want, atol=1e-10)


def test_hvp_counts_stay_low():
    _, loss_fn, params, _, _ = problem("tanh")
    spec = hessian.eigenvalues(loss_fn, params, k=5, generator=torch.Generator().manual_seed(0))
    assert spec.hvp_count <= 80  # a power iteration needs hundreds here (benchmarks/hessian.py)


def test_dense_hessian_matches_torch_func_and_refuses_large_models():
    _, loss_fn, params, dense, _ = problem("relu")
    assert torch.allclose(hessian.dense_hessian(loss_fn, params), dense, atol=1e-12)
    with pytest.raises(InvalidArgument, match=r"'params' parameter of dense_hessian .* 229 x 229 matrix: 0.0 GiB"):
        hessian.dense_hessian(loss_fn, params, limit=1000)
    big = torch.zeros(20_000, requires_grad=True)
    with pytest.raises(InvalidArgument, match=r"3.0 GiB, over the 1 GiB limit"):
        hessian.dense_hessian(lambda: (big**2).sum(), [big])


def test_bad_input_names_the_argument():
    _, loss_fn, params, _, _ = problem("linear")
    frozen = [p.detach() for p in params]
    with pytest.raises(InvalidArgument, match="'params' parameter of eigenvalues .* requiring grad"):
        hessian.eigenvalues(loss_fn, frozen)
    with pytest.raises(InvalidArgument, match="'loss_fn' parameter of eigenvalues .* scalar .* shape \\(40, 1\\)"):
        model = torch.nn.Linear(4, 1).double()
        x = torch.randn(40, 4, dtype=torch.float64)
        hessian.eigenvalues(lambda: model(x), list(model.parameters()))
    with pytest.raises(InvalidArgument, match="'k' parameter of eigenvalues .* \\[1, 5\\] .* Got 6"):
        hessian.eigenvalues(loss_fn, params, k=6)
    with pytest.raises(InvalidArgument, match="'k' parameter of eigenvalues .* \\[1, 2\\].* Got 3"):
        hessian.eigenvalues(loss_fn, params, k=3, which="both")
    with pytest.raises(InvalidArgument, match="'which' parameter"):
        hessian.eigenvalues(loss_fn, params, which="top")
    with pytest.raises(InvalidArgument, match="'samples' parameter of trace"):
        hessian.trace(loss_fn, params, samples=1)
    with pytest.raises(InvalidArgument, match="'v' parameter of hvp"):
        hessian.hvp(loss_fn, params, [torch.zeros(3)])
