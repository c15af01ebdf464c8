"""CSV files as a new user writes them: class names as the target, text features, a byte-order mark."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sklearn.datasets
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.constraints import InvalidArgument
from trainlab.data import load_csv, load_csv_classes, load_dataset


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    """scikit-learn's iris written as a spreadsheet would: a ``species`` column of names."""
    iris = sklearn.datasets.load_iris()
    path = tmp_path_factory.mktemp("iris") / "iris.csv"
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    lines += [",".join([*(repr(float(v)) for v in row), iris.target_names[k]])
              for row, k in zip(iris.data, iris.target)]
    path.write_text("\n".join(lines) + "\n")
    return path, iris


def test_class_names_are_encoded_in_sorted_order_and_kept(iris_csv):
    path, iris = iris_csv
    X, labels, classes = load_csv_classes(path, "species")
    # sklearn's target_names are already sorted, so its labels are the expected encoding
    assert classes == tuple(sorted(iris.target_names)) == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(labels, iris.target)
    np.testing.assert_array_equal(X, iris.data)


def test_unsorted_class_names_get_sorted_labels(tmp_path):
    path = tmp_path / "zoo.csv"
    path.write_text("size,kind\n1,zebra\n2,ant\n3,moose\n4,ant\n")
    _, labels, classes = load_csv_classes(path, "kind")
    assert classes == ("ant", "moose", "zebra")
    assert labels.tolist() == [2, 0, 1, 0]
    assert [classes[k] for k in labels] == ["zebra", "ant", "moose", "ant"]


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_a_target_of_names_is_a_classification_task_whatever_task_says(iris_csv, task):
    path, iris = iris_csv
    ds = load_dataset(str(path), target="species", task=task)
    assert ds.task == "classification" and ds.n_outputs == 3
    assert ds.classes == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(ds.y, iris.target)


def test_numeric_labels_keep_no_names(tmp_path):
    path = tmp_path / "num.csv"
    path.write_text("f,label\n0.5,0\n1.5,2\n2.5,1\n")
    ds = load_dataset(str(path), target="label", task="classification")
    assert ds.classes is None and ds.y.tolist() == [0, 2, 1] and ds.n_outputs == 3


def test_cli_trains_a_classifier_on_class_names(iris_csv, tmp_path):
    path, _ = iris_csv
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--data", str(path), "--target", "species", "--model", "8",
                                       "--epochs", "3", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert 0.0 <= summary["val_accuracy"] <= 1.0  # classification metrics: the names became labels


def test_a_text_feature_column_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "cars.csv"
    path.write_text("weight,colour,price\n1.2,red,3\n1.5,blue,4\n")
    with pytest.raises(InvalidArgument) as err:
        load_csv(path, "price")
    message = str(err.value)
    assert "'colour'" in message and "'red' in line 2" in message
    assert "encode it as numbers" in message and "'path'" not in message
    result = CliRunner().invoke(main, ["train", "--data", str(path), "--target", "price", "--epochs", "1",
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "'colour'" in result.output


def test_an_empty_feature_cell_names_line_and_column(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("a,b,y\n1,2,3\n4,,6\n")
    with pytest.raises(InvalidArgument, match=r"Line 3 of .* has an empty cell in column 'b'"):
        load_csv(path, "y")


def test_a_mixed_target_column_is_a_typo_not_classes(tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("a,y\n1,2.5\n2,3..1\n")
    needle = r"target column 'y' .* must hold numbers. Got '3..1' in line 3"
    with pytest.raises(InvalidArgument, match=needle):
        load_dataset(str(path), target="y")


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("a,b,price\n1,2,3\n4,5,6\n".encode("utf-8-sig"))
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    X, y = load_csv(path, "price")
    assert X.tolist() == [[1.0, 2.0], [4.0, 5.0]] and y.tolist() == [3.0, 6.0]
    X, y = load_csv(path, "a")  # the first column, where the mark sits
    assert y.tolist() == [1.0, 4.0]


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "digits"])
def test_bundled_classification_sets_keep_their_class_names(name):
    bunch = getattr(sklearn.datasets, f"load_{name}")()
    ds = load_dataset(name)
    assert ds.classes == tuple(str(c) for c in bunch.target_names)
    assert ds.n_outputs == len(ds.classes) == len(np.unique(bunch.target))
    assert load_dataset("diabetes").classes is None
