"""The NumPy batch-norm reference (the UCLA lecture's term-by-term backward) equals the torch Function."""

import numpy as np
import pytest
import torch

from trainlab.nn.batch_norm import BatchNormFunction
from trainlab.reference.batch_norm import batch_norm_backward, batch_norm_forward


@pytest.mark.parametrize("m, c, scale, eps", [(2, 1, 1.0, 1e-5), (7, 4, 10.0, 1e-5), (32, 3, 1e-3, 1e-3), (5, 2, 1.0, 0.5)])
def test_forward_and_backward_equal_the_torch_function(m, c, scale, eps):
    rng = np.random.default_rng(m * 100 + c)
    x = rng.normal(size=(m, c)) * scale + rng.normal(size=c)
    gamma, beta, dy = rng.normal(size=c), rng.normal(size=c), rng.normal(size=(m, c))
    y, cache = batch_norm_forward(x, gamma, beta, eps)
    dx, dgamma, dbeta = batch_norm_backward(dy, cache)

    tx, tg, tb = (torch.tensor(v, requires_grad=True) for v in (x, gamma, beta))
    ty, mean, var = BatchNormFunction.apply(tx, tg, tb, eps)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cache["mu"], mean.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cache["sigma2"], var.numpy(), rtol=1e-12, atol=1e-15)
    for ours, theirs in [(dx, tx.grad), (dgamma, tg.grad), (dbeta, tb.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-9 * np.abs(ours).max())


def test_the_input_gradient_is_orthogonal_to_constants_and_to_xhat():
    """Batch norm's output ignores shifting and scaling x, so dl/dx sums to 0 and is orthogonal to xhat."""
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    _, cache = batch_norm_forward(x, np.ones(3), np.zeros(3), eps=0.0)
    dx, _, _ = batch_norm_backward(dy, cache)
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose((dx * cache["xhat"]).sum(axis=0), 0.0, atol=1e-12)
