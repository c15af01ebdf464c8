"""``trainlab predict`` / ``trainlab evaluate`` end to end: raw rows in, data units out.

Independent checks: a linear run on a CSV whose target is ``3 a - 2 b + 100`` (in
large units) predicts new raw rows close to that formula; ``evaluate`` on the
run's test split equals the run's own standardized test loss times the target's
variance (classification: the same loss and accuracy); the normalization saved
beside model.pt equals the training split's statistics recomputed with NumPy.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.data.split import split_indices
from trainlab.train.predict import NORMALIZATION, evaluate_run, predict_rows


def cli(*args):
    return CliRunner().invoke(main, list(args))


def formula(a, b):
    return 3.0 * a - 2.0 * b + 100.0


@pytest.fixture(scope="module")
def linear_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict")
    rng = np.random.default_rng(0)
    a, b, noise = rng.normal(50, 10, 200), rng.normal(-5, 3, 200), rng.normal(0, 2, 200)
    with open(root / "train.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "price", "b"])
        for x1, x2, e in zip(a, b, noise):
            w.writerow([x1, formula(x1, x2) + e, x2])
    run = root / "run"
    result = cli("train", "--data", str(root / "train.csv"), "--target", "price", "--model", "linear",
                 "--optimizer", "adam", "--lr", "0.05", "--epochs", "300", "--out", str(run), "--quiet")
    assert result.exit_code == 0, result.output
    return root, run, a, b


def test_normalization_is_the_training_split_statistics(linear_run):
    root, run, a, b = linear_run
    norm = json.loads((run / NORMALIZATION).read_text())
    train, _, _ = split_indices(200, 0.2, 0.1, 0)
    X = np.stack([a, b], axis=1)[train]
    assert norm["features"] == ["a", "b"] and norm["target"] == "price"
    np.testing.assert_allclose(norm["feature_mean"], X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(norm["feature_std"], X.std(0), rtol=1e-12)
    y = np.loadtxt(root / "train.csv", delimiter=",", skiprows=1)[train, 1]
    np.testing.assert_allclose([norm["target_mean"][0], norm["target_std"][0]], [y.mean(), y.std()], rtol=1e-12)


def test_predict_works_on_new_raw_rows_in_the_data_units(linear_run, tmp_path):
    root, run, _, _ = linear_run
    new = tmp_path / "new.csv"
    rows = [(60.0, -2.0), (40.0, -8.0), (55.0, 0.0)]
    new.write_text("b,a\n" + "".join(f"{b},{a}\n" for a, b in rows))  # columns in another order, no target
    out = tmp_path / "preds.csv"
    result = cli("predict", str(run), "--csv", str(new), "--out", str(out))
    assert result.exit_code == 0, result.output
    got = [float(r["price"]) for r in csv.DictReader(open(out))]
    assert got == pytest.approx([formula(a, b) for a, b in rows], abs=1.5)
    assert predict_rows(str(run), [[a, b] for a, b in rows]) == pytest.approx(got, rel=1e-7)


def test_evaluate_reports_the_test_loss_in_the_data_units(linear_run):
    _, run, a, b = linear_run
    summary = json.loads((run / "summary.json").read_text())
    norm = json.loads((run / NORMALIZATION).read_text())
    result = evaluate_run(str(run))
    assert result["rows"] == 20
    assert result["mse"] == pytest.approx(summary["test_loss"] * norm["target_std"][0] ** 2, rel=1e-4)
    text = cli("evaluate", str(run)).output
    assert "mse" in text and "rmse" in text


def test_evaluate_on_a_csv_with_the_target(linear_run, tmp_path):
    root, run, _, _ = linear_run
    result = evaluate_run(str(run), str(root / "train.csv"))
    preds = predict_rows(str(run), np.loadtxt(root / "train.csv", delimiter=",", skiprows=1)[:, [0, 2]])
    truth = np.loadtxt(root / "train.csv", delimiter=",", skiprows=1)[:, 1]
    assert result["rows"] == 200 and result["mae"] == pytest.approx(np.mean(np.abs(preds - truth)), rel=1e-6)


def test_a_classifier_predicts_class_names_and_evaluates_as_its_summary(tmp_path):
    run = tmp_path / "iris"
    assert cli("train", "--data", "iris", "--model", "8", "--epochs", "30", "--out", str(run), "--quiet").exit_code == 0
    summary = json.loads((run / "summary.json").read_text())
    result = evaluate_run(str(run))
    assert result["accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-6)
    assert result["cross_entropy"] == pytest.approx(summary["test_loss"], rel=1e-4)
    new = tmp_path / "flowers.csv"
    new.write_text("w,x,y,z\n5.1,3.5,1.4,0.2\n")
    out = cli("predict", str(run), "--csv", str(new)).output.split()
    assert out[0] == "prediction" and out[1] in ("setosa", "versicolor", "virginica")


@pytest.mark.parametrize(("args", "words"), [
    (["predict", "NOSUCH", "--csv", "x.csv"], "RUN_DIR"),
    (["evaluate", "NOSUCH"], "RUN_DIR"),
])
def test_bad_input_is_one_clear_error(tmp_path, args, words):
    result = cli(*[a.replace("NOSUCH", str(tmp_path / "none")) for a in args])
    assert result.exit_code != 0 and words in result.output and "Traceback" not in result.output


def test_a_csv_without_the_model_features_names_csv(linear_run, tmp_path):
    _, run, _, _ = linear_run
    bad = tmp_path / "bad.csv"
    bad.write_text("a,c\n1,2\n")
    result = cli("predict", str(run), "--csv", str(bad))
    assert result.exit_code != 0 and "--csv" in result.output and "['a', 'b']" in result.output
