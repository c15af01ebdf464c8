"""Standardization, PCA and ZCA whitening: the covariance they produce, the closed forms, scikit-learn, bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
import scipy.linalg
import torch
from sklearn.decomposition import PCA

from trainlab.constraints import InvalidArgument
from trainlab.data import (
    Identity,
    PCAWhiten,
    Standardize,
    ZCAWhiten,
    load_bundled,
    make_normalizer,
    normalizer_from_state,
    normalizer_names,
    split_standardized,
)
from trainlab.data.normalize import NotFitted

F64 = torch.float64


def correlated(n=300, d=4, seed=0, scales=(1.0, 10.0, 0.1, 100.0)):
    """Correlated Gaussian rows with very different column scales and offsets."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d))
    X = rng.normal(size=(n, d)) @ mix * np.asarray(scales[:d]) + rng.normal(size=d) * 50
    return torch.as_tensor(X, dtype=F64)


def cov(Z):
    Zc = Z - Z.mean(0)
    return Zc.T @ Zc / len(Z)


@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
def test_whitened_training_data_has_identity_covariance(cls):
    Z = cls().fit_transform(correlated())
    assert Z.dtype == F64
    assert torch.allclose(Z.mean(0), torch.zeros(4, dtype=F64), atol=1e-8)
    assert torch.allclose(cov(Z), torch.eye(4, dtype=F64), rtol=0, atol=1e-8)


def test_standardized_columns_have_mean_0_and_variance_1_and_the_numpy_formula():
    X = correlated()
    Z = Standardize().fit_transform(X)
    expected = (X.numpy() - X.numpy().mean(0)) / X.numpy().std(0)
    assert torch.equal(Z, torch.as_tensor(expected))  # exactly the per-column formula
    assert torch.allclose(torch.diagonal(cov(Z)), torch.ones(4, dtype=F64), atol=1e-12)


def test_zca_is_the_inverse_square_root_of_the_covariance_and_symmetric():
    X = correlated()
    zca = ZCAWhiten().fit(X)
    Xc = X.numpy() - X.numpy().mean(0)
    C = Xc.T @ Xc / len(Xc)
    values, vectors = np.linalg.eigh(C)  # C = V diag(l) V^T  ->  C^(-1/2) = V diag(l^(-1/2)) V^T
    W_expected = vectors @ np.diag(values**-0.5) @ vectors.T
    W = zca.matrix.numpy()
    assert np.allclose(W, W.T, rtol=0, atol=1e-12)
    assert np.allclose(W, W_expected, rtol=1e-9, atol=1e-12)
    assert np.allclose(W, np.linalg.inv(scipy.linalg.sqrtm(C).real), rtol=1e-9, atol=1e-12)  # a third way
    assert torch.allclose(zca.transform(X), torch.as_tensor(Xc @ W_expected), atol=1e-9)


def test_zca_stays_closest_to_the_centred_input_among_whitenings():
    """Any whitening is Q C^(-1/2) with Q orthogonal; ZCA (Q = I) moves the data least."""
    X = correlated(seed=3)
    Xc = X - X.mean(0)
    zca = ZCAWhiten().fit_transform(X)
    distance = lambda Z: float(((Z - Xc) ** 2).sum(1).mean())  # noqa: E731
    rng = np.random.default_rng(1)
    others = [PCAWhiten().fit_transform(X)]
    for _ in range(20):
        Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
        others.append(zca @ torch.as_tensor(Q))
    assert all(torch.allclose(cov(Z), torch.eye(4, dtype=F64), atol=1e-8) for Z in others)
    assert distance(zca) < min(distance(Z) for Z in others)


def test_pca_whitening_agrees_with_scikit_learn_up_to_signs():
    X = correlated(seed=5)
    n = len(X)
    ours = PCAWhiten().fit_transform(X).numpy()
    theirs = PCA(whiten=True, svd_solver="full").fit_transform(X.numpy()) * np.sqrt(n / (n - 1))  # its covariance: 1/(n-1)
    signs = np.sign((ours * theirs).sum(0))
    assert set(signs) <= {-1.0, 1.0}
    assert np.allclose(ours * signs, theirs, rtol=1e-9, atol=1e-9)
    sk = PCA(whiten=True, svd_solver="full").fit(X.numpy())
    assert np.allclose(PCAWhiten().fit(X).variances.numpy(), sk.explained_variance_ * (n - 1) / n, rtol=1e-10)


@pytest.mark.parametrize("name", ["none", "standard", "pca", "zca"])
def test_inverse_transform_round_trips(name):
    X = correlated(seed=2)
    norm = make_normalizer(name).fit(X[:200])
    held_out = X[200:]  # applied to rows it was not fitted on
    assert torch.allclose(norm.inverse_transform(norm.transform(held_out)), held_out, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("name", normalizer_names())
def test_state_dict_survives_a_weights_only_save(name):
    X = correlated(seed=4)
    norm = make_normalizer(name).fit(X)
    buffer = io.BytesIO()
    torch.save(norm.state_dict(), buffer)
    buffer.seek(0)
    again = normalizer_from_state(torch.load(buffer, weights_only=True))
    assert type(again) is type(norm)
    assert torch.equal(again.transform(X), norm.transform(X))


def test_float32_in_float32_out_and_computed_in_float64():
    X = correlated()
    zca = ZCAWhiten().fit(X)
    assert zca.transform(X.float()).dtype == torch.float32
    assert torch.allclose(zca.transform(X.float()).double(), zca.transform(X.float().double()), atol=1e-5)


def test_fitted_on_the_training_split_only():
    X, y = load_bundled("wine")
    parts = split_standardized(X, y, val=0.3, seed=0, dtype=F64, normalize="zca")
    from trainlab.data import split_indices

    tr, va, _ = split_indices(len(X), 0.3, 0.0, 0)
    assert np.array_equal(parts.x_scaler.mean.numpy(), X[tr].mean(axis=0))  # training rows' statistics only
    assert torch.allclose(cov(parts.train.x), torch.eye(X.shape[1], dtype=F64), atol=1e-8)
    assert not torch.allclose(cov(parts.val.x), torch.eye(X.shape[1], dtype=F64), atol=1e-2)
    assert torch.allclose(parts.val.x, parts.x_scaler.transform(torch.as_tensor(X[va], dtype=F64)), atol=0)


# -- rank deficiency -----------------------------------------------------------------------------


def with_constant_column():
    X = correlated(d=3, scales=(1.0, 2.0, 3.0))
    return torch.cat([X, torch.full((len(X), 1), 7.0, dtype=F64)], dim=1)


def with_duplicated_column():
    X = correlated(d=3, scales=(1.0, 2.0, 3.0))
    return torch.cat([X, X[:, 1:2]], dim=1)


@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
@pytest.mark.parametrize("make, said", [(with_constant_column, "constant columns [3]"),
                                        (with_duplicated_column, "rank 3 for 4 columns")])
def test_rank_deficient_data_is_refused_without_eps(cls, make, said):
    with pytest.raises(InvalidArgument, match=r"The 'X' parameter of \w+ must be of full column rank") as err:
        cls().fit(make())
    assert said in str(err.value) and "eps > 0" in str(err.value)


@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
@pytest.mark.parametrize("make", [with_constant_column, with_duplicated_column])
def test_rank_deficient_data_with_eps_is_finite_with_the_documented_covariance(cls, make):
    X, eps = make(), 1e-3
    norm = cls(eps=eps).fit(X)
    Z = norm.transform(X)
    assert torch.isfinite(Z).all()
    # in the principal frame the covariance is diag(l / (l + eps)): 0 for the lost direction
    rotated = Z @ norm.components if cls is ZCAWhiten else Z
    expected = torch.diag(norm.variances / (norm.variances + eps))
    assert torch.allclose(cov(rotated), expected, atol=1e-8)
    assert torch.isfinite(norm.inverse_transform(Z)).all()


def test_standardize_refuses_a_constant_column_unless_asked_to_centre_it():
    X = with_constant_column()
    with pytest.raises(InvalidArgument, match=r"'X' parameter of Standardize must be features with nonzero "
                                              r"variance.*constant columns \[3\]"):
        Standardize().fit(X)
    Z = Standardize(constant="center").fit_transform(X)
    assert torch.isfinite(Z).all() and torch.equal(Z[:, 3], torch.zeros(len(X), dtype=F64))


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", normalizer_names())
def test_non_finite_input_names_the_argument(name):
    X = correlated()
    X[5, 1] = float("nan")
    with pytest.raises(InvalidArgument, match=r"'X' parameter of \w+ must be finite.*first in row 5"):
        make_normalizer(name).fit(X)
    fitted = make_normalizer(name).fit(correlated())
    with pytest.raises(InvalidArgument, match=r"'X' parameter of \w+ must be finite"):
        fitted.transform(X)


@pytest.mark.parametrize("name", normalizer_names())
def test_wrong_number_of_columns_at_transform(name):
    norm = make_normalizer(name).fit(correlated())
    with pytest.raises(InvalidArgument, match=r"'X' parameter of \w+ must be a 2-D tensor with 4 columns "
                                              r"\(as fitted\). Got 'shape \(300, 3\)' instead"):
        norm.transform(correlated(d=3))
    with pytest.raises(InvalidArgument, match=r"'Z' parameter"):
        norm.inverse_transform(torch.zeros(2, 5, dtype=F64))


def test_transform_before_fit_and_bad_settings():
    with pytest.raises(NotFitted, match="call fit"):
        ZCAWhiten().transform(correlated())
    with pytest.raises(InvalidArgument, match=r"'eps' parameter of ZCAWhiten must be a float in the range \[0, inf\)"
                                              r". Got -1.0 instead"):
        ZCAWhiten(eps=-1.0)
    with pytest.raises(InvalidArgument, match=r"Unknown normalization 'zcaa'. Did you mean 'zca'\?"):
        make_normalizer("zcaa")
    with pytest.raises(InvalidArgument, match="'X' parameter of PCAWhiten must be at least 2 rows"):
        PCAWhiten().fit(correlated()[:1])
    with pytest.raises(InvalidArgument, match="'state' parameter of ZCAWhiten.load_state_dict"):
        ZCAWhiten().load_state_dict(Standardize().fit(correlated()).state_dict())
    assert isinstance(make_normalizer("none"), Identity)


def test_split_standardized_default_is_the_old_per_feature_formula_bit_for_bit():
    """The default split standardizes exactly as (x - mean) / std computed by NumPy in float64."""
    X, y = load_bundled("diabetes")
    parts = split_standardized(X, y, val=0.2, test=0.1, seed=3)
    from trainlab.data import split_indices

    tr, va, _ = split_indices(len(X), 0.2, 0.1, 3)
    mean, std = X[tr].mean(axis=0), X[tr].std(axis=0)
    assert torch.equal(parts.val.x, torch.as_tensor((X[va] - mean) / std, dtype=torch.float32))
    y_tr = y[tr].reshape(len(tr), -1)
    y_expected = (y[va].reshape(len(va), -1) - y_tr.mean(axis=0)) / y_tr.std(axis=0)
    assert torch.equal(parts.val.y, torch.as_tensor(y_expected, dtype=torch.float32).reshape(parts.val.y.shape))
