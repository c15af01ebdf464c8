"""CSV files, the data-set name resolver, the shared checks and training-only standardization."""

from __future__ import annotations

import numpy as np
import pytest

from trainlab.constraints import InvalidArgument
from trainlab.data import check_xy, load_csv, load_dataset, split_standardized


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((20, 4))
    rows = "\n".join(",".join(repr(float(v)) for v in row) for row in values)
    X, y = load_csv(write(tmp_path, "a,b,target,c\n" + rows + "\n"), target="target")
    np.testing.assert_array_equal(X, values[:, [0, 1, 3]])
    np.testing.assert_array_equal(y, values[:, 2])


@pytest.mark.parametrize(("text", "target", "needle"), [
    ("a,b\n1,2\n", "price", r"must be a column of .*\['a', 'b'\]. Got 'price'"),
    ("a,b\n1,2\n3,x\n", "b", r"target column 'b' of .* must hold numbers. Got 'x' in line 3\.$"),
    ("a,b\n1,2\n3\n", "b", "rows all have 2 cells"),
    ("a,b\n1,2\n3,nan\n", "b", r"'y' parameter of load_csv must be finite .*first in row 1"),
    ("a,b\n1,inf\n3,4\n", "b", r"'y' parameter of load_csv must be finite"),
    ("a,b\n", "b", "at least one data row"),
    ("b\n1\n2\n", "b", "at least one feature column"),
])
def test_bad_csv_gets_one_clear_error(tmp_path, text, target, needle):
    with pytest.raises(InvalidArgument, match=needle):
        load_csv(write(tmp_path, text), target=target)


def test_missing_csv_file(tmp_path):
    with pytest.raises(InvalidArgument, match="an existing CSV file"):
        load_csv(tmp_path / "nope.csv", target="y")


def test_load_dataset_resolves_bundled_targets_and_csv(tmp_path):
    assert load_dataset("diabetes").task == "regression"
    digits = load_dataset("digits")
    assert digits.task == "classification" and digits.n_outputs == len(np.unique(digits.y))
    sine = load_dataset("noisy_sine", n=17)
    assert sine.X.shape == (17, 1) and sine.n_outputs == 1
    path = write(tmp_path, "f,label\n0.5,0\n1.5,2\n2.5,1\n")
    ds = load_dataset(path, target="label", task="classification")
    assert ds.y.dtype == np.int64 and ds.n_outputs == 3 and ds.name == "data.csv"


@pytest.mark.parametrize(("source", "kwargs", "needle"), [
    ("diabetis", {}, r"'source' parameter of load_dataset must be one of \[.*'diabetes'.*\] or a path"),
    ("x.csv", {}, "'target' parameter of load_dataset must be the name of the CSV column"),
])
def test_unknown_names_get_one_clear_error(source, kwargs, needle):
    with pytest.raises(InvalidArgument, match=needle):
        load_dataset(source, **kwargs)


def test_csv_labels_must_be_class_indices(tmp_path):
    path = write(tmp_path, "f,label\n0.5,0.5\n1.5,1\n")
    with pytest.raises(InvalidArgument, match="class labels 0, 1, 2"):
        load_dataset(path, target="label", task="classification")


def test_check_xy_names_the_argument_and_the_first_bad_row():
    X = np.zeros((5, 2))
    with pytest.raises(InvalidArgument, match=r"'y' parameter of T must be as long as X \(5 rows\). Got '4 rows'"):
        check_xy("T", X, np.zeros(4))
    X[3, 1] = np.inf
    with pytest.raises(InvalidArgument, match="'X' parameter of T must be finite .* first in row 3"):
        check_xy("T", X, np.zeros(5))


def test_standardization_uses_training_statistics_only():
    rng = np.random.default_rng(1)
    X = rng.normal(5.0, 3.0, size=(200, 2))
    y = rng.normal(-2.0, 4.0, size=200)
    parts = split_standardized(X, y, val=0.25, test=0.25, seed=7)
    train_x = parts.train.x.double().numpy()
    np.testing.assert_allclose(train_x.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(train_x.std(axis=0), 1.0, atol=1e-5)
    # the validation rows are scaled with the training mean and std, recomputed here
    order = np.random.default_rng(7).permutation(200)
    train_rows, val_rows = order[100:], order[50:100]
    expected = (X[val_rows] - X[train_rows].mean(axis=0)) / X[train_rows].std(axis=0)
    np.testing.assert_allclose(parts.val.x.double().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert abs(parts.val.x.double().numpy().mean()) > 1e-3  # not re-centred on its own data


def test_split_is_reproducible_from_its_seed():
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20.0)
    a, b, c = (split_standardized(X, y, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a.val.y.numpy(), b.val.y.numpy())
    assert not np.array_equal(a.val.y.numpy(), c.val.y.numpy())
