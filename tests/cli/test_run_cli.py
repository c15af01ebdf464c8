"""``trainlab run``: --list, one run's folder, overrides, and one clear error per bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.experiments import registry


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "200", "MPLBACKEND": "Agg"})
    return lambda *args: runner.invoke(main, ["run", *args])


def test_list_names_every_experiment_with_its_source(cli):
    out = cli("--list")
    assert out.exit_code == 0, out.output
    for name in registry.names():
        assert name in out.output
    assert "Brown/NVIDIA" in out.output and "Rahaman et al. 2019" in out.output


def test_a_run_writes_figures_results_config_and_log(cli, tmp_path):
    out = cli("identifiability", "--set", "k=2.5", "--set", "seed=1", "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert {p.name for p in tmp_path.iterdir()} == {"identifiability.png", "results.json", "config.json", "log.txt"}
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["parameters"] == {"k": 2.5, "seed": 1} and config["overrides"] == {"k": 2.5, "seed": 1}
    assert config["preset"] == "full" and config["torch"]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["permuted"] < 1e-12 and "permuted" in out.output
    assert "wrote" in out.output and "Traceback" not in out.output


def test_seeds_and_quick_reach_the_experiment(cli, tmp_path):
    out = cli("noisy_schedules", "--quick", "--seeds", "2", "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["preset"] == "quick" and config["parameters"]["seeds"] == 2
    assert config["parameters"]["steps"] == registry.get("noisy_schedules").quick["steps"]
    assert "(2 seeds)" in json.loads((tmp_path / "results.json").read_text())["summary.constant"]


@pytest.mark.parametrize(("args", "needles"), [
    (("overfitt",), ["'NAME'", "Unknown experiment 'overfitt'", "Did you mean 'overfit'?"]),
    (("overfit", "--set", "epoch=3"), ["'--set'", "Unknown parameter 'epoch'", "Did you mean 'epochs'?"]),
    (("overfit", "--set", "epochs=0"), ["'--set epochs'", "must be an int in the range [1, inf). Got 0 instead."]),
    (("overfit", "--set", "lr=fast"), ["'--set lr'", "must be a float in the range (0, inf). Got 'fast' instead."]),
    (("collapse", "--set", "target=cos"), ["'--set target'", "must be one of {'abs', 'step', 'xsin'}"]),
    (("overfit", "--set", "lr"), ["'--set'", "expected NAME=VALUE, got 'lr'"]),
    (("noisy_schedules", "--seeds", "0"), ["'--seeds'", "0 is not in the range x>=1"]),
    (("overfit", "--seeds", "3"), ["'--seeds'", "overfit takes no number of seeds", "use --set seed=N"]),
    (("quartic", "--seeds", "3"), ["'--seeds'", "quartic takes no number of seeds (it is deterministic)"]),
    ((), ["give an experiment NAME"]),
])
def test_bad_input_gets_one_clear_error(cli, tmp_path, args, needles):
    out = cli(*args, "--out", str(tmp_path / "out"))
    assert out.exit_code == 2, out.output
    assert all(n in out.output for n in needles), out.output
    assert "Traceback" not in out.output and not (tmp_path / "out").exists()


def test_an_output_under_a_file_is_named(cli, tmp_path):
    (tmp_path / "file").write_text("x")
    out = cli("identifiability", "--out", str(tmp_path / "file" / "run"))
    assert out.exit_code == 1 and "--out" in out.output and "cannot write there" in out.output, out.output


def test_a_run_is_recorded_in_the_run_index_of_its_parent_folder(cli, tmp_path):
    from trainlab.train.run_index import RunIndex

    out = cli("identifiability", "--out", str(tmp_path / "ident"))
    assert out.exit_code == 0, out.output
    recorded, = RunIndex(str(tmp_path)).runs()
    assert (recorded.name, recorded.kind, recorded.status) == ("ident", "experiment", "completed")
    assert recorded.metrics == json.loads((tmp_path / "ident" / "results.json").read_text())
