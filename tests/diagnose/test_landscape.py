"""Loss landscapes: line endpoints, plane centre, filter normalization, PCA of the path, batch norm."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from trainlab.constraints import InvalidArgument
from trainlab.diagnose import landscape
from trainlab.diagnose.directions import filter_normalized, pca_directions
from trainlab.diagnose.parameters import LossAtPoint, parameter_vector, unflatten


def _mlp(seed: int = 0, dtype=torch.float64, norm: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    layers = [nn.Linear(3, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 2)] if norm else \
        [nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)]
    return nn.Sequential(*layers).to(dtype)


def _data(n: int = 40, seed: int = 1, classes: bool = False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    y = torch.randint(0, 2, (n,), generator=g) if classes else torch.randn(n, 2, generator=g, dtype=torch.float64)
    return x, y


def _loaded(model: nn.Module, theta: torch.Tensor) -> nn.Module:
    other = copy.deepcopy(model)
    torch.nn.utils.vector_to_parameters(theta, other.parameters())
    return other.eval()


def test_line_endpoints_are_the_models_losses_and_the_model_is_untouched():
    model, data, val = _mlp(0), _data(), _data(seed=2)
    start, end = parameter_vector(_mlp(3)), parameter_vector(model)
    before = copy.deepcopy(model.state_dict())
    model.train()
    result = landscape.line(model, start, end, data, points=7, validation=val)
    for theta, i in ((start, 0), (end, -1)):
        net = _loaded(model, theta)
        with torch.no_grad():
            assert result.train[i] == pytest.approx(F.mse_loss(net(data[0]), data[1]).item(), rel=1e-12)
            assert result.validation[i] == pytest.approx(F.mse_loss(net(val[0]), val[1]).item(), rel=1e-12)
    middle = _loaded(model, 0.5 * (start + end))
    with torch.no_grad():
        assert result.train[3] == pytest.approx(F.mse_loss(middle(data[0]), data[1]).item(), rel=1e-12)
    assert model.training and all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert result.distance == pytest.approx(float((end - start).norm()))


def test_line_accepts_state_dicts_and_names_a_state_dict_of_another_model():
    model, data = _mlp(0), _data()
    result = landscape.line(model, _mlp(1).state_dict(), model.state_dict(), data, points=3)
    assert result.train[-1] == pytest.approx(LossAtPoint(model, data)(parameter_vector(model)))
    other = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    with pytest.raises(InvalidArgument, match="'theta_start' parameter of landscape.line.*0.weight"):
        landscape.line(model, other.state_dict(), model.state_dict(), data)
    with pytest.raises(InvalidArgument, match="'theta_end'.*1-D tensor of the model's 38 parameters"):
        landscape.line(model, parameter_vector(model), torch.zeros(5), data)
    with pytest.raises(InvalidArgument, match="'points' parameter of landscape.line"):
        landscape.line(model, parameter_vector(model), parameter_vector(model), data, points=1)


def test_line_barrier_is_zero_for_a_convex_loss_and_positive_over_a_bump():
    model = nn.Linear(3, 2).double()
    data = _data()
    convex = landscape.line(model, torch.zeros(8, dtype=torch.float64), parameter_vector(model), data, points=9)
    assert convex.barrier == pytest.approx(0.0, abs=1e-12)
    bump = landscape.LineResult([0.0, 0.5, 1.0], [1.0, 3.0, 0.0], None, "frozen", 1.0)
    assert bump.barrier == pytest.approx(2.5)
    beyond = landscape.LineResult([-0.5, 0.0, 0.5, 1.0, 1.5], [9.0, 1.0, 0.8, 0.0, 5.0], None, "frozen", 1.0)
    assert beyond.barrier == pytest.approx(0.3)  # only the points between the two models count
    assert beyond.monotone and not bump.monotone


def test_plane_centre_is_the_loss_at_the_solution_and_directions_are_filter_normalized():
    model, data = _mlp(0, norm=False), _data(classes=True)
    result = landscape.plane(model, data, points=5, span=0.5, seed=3)
    with torch.no_grad():
        expected = F.cross_entropy(model.eval()(data[0]), data[1]).item()
    assert result.loss[2][2] == pytest.approx(expected, rel=1e-12)
    assert result.center_loss == pytest.approx(expected, rel=1e-12)
    corner = parameter_vector(model) - 0.5 * result.directions[0] + 0.5 * result.directions[1]
    with torch.no_grad():
        assert result.loss[4][0] == pytest.approx(F.cross_entropy(_loaded(model, corner)(data[0]), data[1]).item())
    for d in result.directions:
        for name, w in unflatten(model, d).items():
            ref = dict(model.named_parameters())[name].detach()
            if w.ndim == 1:
                assert torch.equal(w, torch.zeros_like(w))
            else:
                assert torch.allclose(w.norm(dim=1), ref.norm(dim=1), rtol=1e-12, atol=0)


def test_filter_normalization_of_convolutions_and_batch_norm():
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU()).double()
    d = unflatten(model, filter_normalized(model, generator=torch.Generator().manual_seed(0)))
    assert torch.allclose(d["0.weight"].flatten(1).norm(dim=1), model[0].weight.detach().flatten(1).norm(dim=1),
                          rtol=1e-12, atol=0)
    assert all(torch.equal(d[k], torch.zeros_like(d[k])) for k in ("0.bias", "1.weight", "1.bias"))


def test_a_zero_filter_gives_a_zero_direction_not_nan():
    model = nn.Linear(3, 2).double()
    with torch.no_grad():
        model.weight[0] = 0
    d = filter_normalized(model, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(d).all() and torch.equal(d[:3], torch.zeros(3, dtype=torch.float64))


def test_slice_of_an_unnormalized_model_is_finite():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))  # float32, no normalization layer
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(30)  # logits of order 1e3: a naive softmax overflows
    result = landscape.plane(model, _data(classes=True), points=7, span=2.0)
    assert np.isfinite(result.loss).all() and np.isfinite(result.center_loss)


def test_path_projection_matches_scikit_learn_pca():
    decomposition = pytest.importorskip("sklearn.decomposition")
    g = torch.Generator().manual_seed(0)
    path = [torch.randn(30, generator=g, dtype=torch.float64) * torch.linspace(3, 0.1, 30, dtype=torch.float64)
            for _ in range(8)]
    center = path[-1]
    rows = torch.stack([p - center for p in path]).numpy()
    pca = decomposition.PCA(n_components=2).fit(rows)
    got = pca_directions(path, center)
    for k in range(2):
        sign = np.sign(got.directions[k].numpy() @ pca.components_[k])
        np.testing.assert_allclose(got.directions[k].numpy(), sign * pca.components_[k], atol=1e-10)
        np.testing.assert_allclose(got.coordinates[:, k].numpy(), sign * (rows @ pca.components_[k]), atol=1e-10)
    np.testing.assert_allclose(got.explained_variance_ratio, pca.explained_variance_ratio_, rtol=1e-10)
    assert torch.allclose(got.coordinates[-1], torch.zeros(2, dtype=torch.float64))


def test_pca_plane_grid_covers_the_path_and_pca_needs_a_path():
    model, data = _mlp(0), _data()
    path = [parameter_vector(_mlp(s)) for s in range(4)] + [parameter_vector(model)]
    result = landscape.plane(model, data, "pca", path=path, points=4)
    coords = np.array(result.path)
    assert result.alphas[0] < coords[:, 0].min() and coords[:, 0].max() < result.alphas[-1]
    assert result.betas[0] < coords[:, 1].min() and coords[:, 1].max() < result.betas[-1]
    with pytest.raises(InvalidArgument, match="'path' parameter of landscape.plane"):
        landscape.plane(model, data, "pca")
    with pytest.raises(InvalidArgument, match="'directions' parameter of landscape.plane"):
        landscape.plane(model, data, "eigen")


def _bn_reference(model: nn.Module, theta: torch.Tensor, batches) -> float:
    """Loss with batch-norm statistics recomputed by hand: the mean over batches of batch means and
    of unbiased batch variances, then the eval-mode formula."""
    net = _loaded(model, theta)
    with torch.no_grad():
        hidden = [net[0](x) for x, _ in batches]
        mean = torch.stack([h.mean(0) for h in hidden]).mean(0)
        var = torch.stack([h.var(0, unbiased=True) for h in hidden]).mean(0)
        bn = net[1]
        total = 0.0
        for (x, y), h in zip(batches, hidden, strict=True):
            z = (h - mean) / torch.sqrt(var + bn.eps) * bn.weight + bn.bias
            total += F.mse_loss(net[3](net[2](z)), y).item() * len(x)
    return total / sum(len(x) for x, _ in batches)


def test_batch_norm_statistics_frozen_and_recomputed():
    model, (x, y) = _mlp(0, norm=True), _data(n=48)
    model[1].running_mean.fill_(0.5)  # the statistics the solution was trained with (not these data's)
    model[1].running_var.fill_(3.0)
    batches = [(x[:16], y[:16]), (x[16:], y[16:])]
    theta = parameter_vector(model) * 1.3
    frozen = LossAtPoint(model, batches, batch_norm="frozen")(theta)
    with torch.no_grad():
        net = _loaded(model, theta)
        expected = sum(F.mse_loss(net(bx), by).item() * len(bx) for bx, by in batches) / 48
    assert frozen == pytest.approx(expected, rel=1e-12)
    recomputed = LossAtPoint(model, batches, batch_norm="recompute")(theta)
    assert recomputed == pytest.approx(_bn_reference(model, theta, batches), rel=1e-10)
    assert abs(recomputed - frozen) > 1e-3  # the two conventions differ on this model
    stats = copy.deepcopy(dict(model.named_buffers()))
    landscape.plane(model, batches, points=3, batch_norm="recompute")
    assert all(torch.equal(v, stats[k]) for k, v in model.named_buffers())
    with pytest.raises(InvalidArgument, match="'batch_norm' parameter of landscape.line"):
        landscape.line(model, theta, theta, batches, batch_norm="train")


def test_hessian_directions_are_the_top_eigenvectors_of_the_dense_hessian():
    pytest.importorskip("trainlab.diagnose.hessian")
    torch.manual_seed(0)
    model = nn.Linear(4, 1).double()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(50, 4, generator=g, dtype=torch.float64) * torch.tensor([3.0, 2.0, 1.0, 0.5], dtype=torch.float64)
    y = torch.randn(50, 1, generator=g, dtype=torch.float64)
    result = landscape.plane(model, (x, y), "hessian", points=3)
    features = torch.cat([x, torch.ones(50, 1, dtype=torch.float64)], dim=1)
    dense = 2 * features.T @ features / 50  # Hessian of the mean squared error of a linear model
    _, vectors = torch.linalg.eigh(dense)
    for k in range(2):
        d = result.directions[k] / result.directions[k].norm()
        assert abs(float(d @ vectors[:, -1 - k])) == pytest.approx(1.0, abs=1e-6)
    assert math.isfinite(result.center_loss)
