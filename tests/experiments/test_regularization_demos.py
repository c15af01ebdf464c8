"""The regularization demonstrations run at tiny sizes, write their figure and numbers, and show their effect."""

from __future__ import annotations

import json

from PIL import Image

from trainlab.experiments import heaviside_regularizers, sine_learning_rates
from trainlab.experiments.heaviside_regularizers import run_heaviside_regularizers
from trainlab.experiments.sine_learning_rates import run_sine_learning_rates


def test_the_good_rate_beats_the_too_small_one_on_the_noisy_sine():
    result = run_sine_learning_rates(rates={"too small": 1e-4, "good": 1e-2}, seeds=2, epochs=60, width=32)
    s = result.summary()
    assert s["good"]["train_mse"]["mean"] < 0.8 * s["too small"]["train_mse"]["mean"]
    assert s["good"]["train_mse"]["n"] == 2 and len(result.fits["good"][0].losses) == 60


def test_heaviside_variants_start_from_the_same_weights_and_differ_by_their_regularizer():
    result = run_heaviside_regularizers(depths=(2, 3), seeds=2, epochs=1, width=6)
    assert list(result.fits) == ["2 hidden layers", "3 hidden layers"]
    assert list(result.fits["3 hidden layers"]) == ["none", "L1 1e-4", "L2 1e-4", "dropout 0.75/0.6/0.01"]
    summary = result.summary()["2 hidden layers"]["L1 1e-4"]
    assert 0.0 <= summary["weights_below_1e-3"]["mean"] <= 1.0 and 0.0 <= summary["relu_outputs_off"]["mean"] <= 1.0
    for variants in result.fits.values():
        curves = [fits[0].curve for fits in variants.values()]
        # one Adam step from the same start: L1/L2 change the step only slightly, dropout changes it more
        assert curves[0] != curves[1] and curves[0] != curves[2] and curves[0] != curves[3]
        assert max(abs(a - b) for a, b in zip(curves[0], curves[1])) < max(abs(a - b) for a, b in
                                                                           zip(curves[0], curves[3]))


def test_the_commands_write_a_figure_and_the_numbers_the_doc_quotes(tmp_path):
    sine = sine_learning_rates.main(["--out", str(tmp_path), "--seeds", "2", "--epochs", "3"])
    heavi = heaviside_regularizers.main(["--out", str(tmp_path), "--seeds", "2", "--epochs", "2"])
    assert json.loads((tmp_path / "sine-learning-rates.json").read_text()) == json.loads(json.dumps(sine))
    assert json.loads((tmp_path / "heaviside-regularizers.json").read_text()) == json.loads(json.dumps(heavi))
    for name in ("sine-learning-rates.png", "heaviside-regularizers.png"):
        with Image.open(tmp_path / name) as im:
            assert im.size[0] >= 1000
