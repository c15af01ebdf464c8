"""``trainlab schedules ...`` and ``trainlab lr-find``, offline, through click and as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from trainlab.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


def invoke(command: str, *args: str):
    """Run ``trainlab COMMAND ARGS`` in-process; ``command`` is split on spaces."""
    return CliRunner().invoke(main, [*command.split(), *args], catch_exceptions=False)


def png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


@pytest.mark.parametrize(
    "args",
    [["schedules"], ["schedules", "plot"], ["schedules", "list"], ["schedules", "examples"], ["lr-find"]],
)
def test_help_has_an_example(args: list[str]) -> None:
    result = invoke(" ".join(args), "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and "trainlab " in result.output


def test_list_shows_every_schedule() -> None:
    from trainlab.schedules import registry

    result = invoke("schedules list")
    assert result.exit_code == 0
    assert all(name in result.output for name in registry.names())


def test_plot_writes_the_png_with_overrides(tmp_path) -> None:
    out = tmp_path / "cos.png"
    result = invoke(
        "schedules plot cosine --set init=0.5 --set period=50 --steps 80 --warmup 10 --out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "Warmup(schedule=Cosine(init=0.5, period=50" in result.output and "last 0" in result.output
    assert png_size(out) == (640, 400)


def test_plot_parses_lists_and_flags(tmp_path) -> None:
    out = tmp_path / "pw.png"
    result = invoke(
        "schedules plot piecewise --set boundaries=10 --set values=0.1,0.01 --steps 20 --out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "first 0.1, last 0.01" in result.output and out.exists()
    result = invoke(
        "schedules plot onecycle --set three_phase=true --set anneal=linear --log --out", str(out)
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["cosine", "--set", "init=-1"],
            "The 'init' parameter of Cosine must be a float in the range [0, inf)",
        ),
        (["cosine", "--set", "tmax=3"], "Cosine has no argument 'tmax'"),
        (["cosine", "--set", "init"], "expected KEY=VALUE"),
        (["cosin"], "Did you mean 'cosine'?"),
        (["cyclical", "--set", "mode=tri"], "The 'mode' parameter of Cyclical must be one of"),
    ],
)
def test_plot_errors_are_clear(args: list[str], message: str, tmp_path) -> None:
    result = invoke("schedules plot", *args, "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_examples_write_lecture_figures(tmp_path) -> None:
    result = invoke("schedules examples --steps 30 --out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "cyclical_triangular.png",
        "onecycle_piecewise.png",
        "power_linear.png",
    ]
    assert "final training MSE" in result.output


def test_lr_find_prints_the_suggestion_and_writes_the_plot(tmp_path) -> None:
    out = tmp_path / "lr.png"
    result = invoke("lr-find --data diabetes --model 16 --optimizer sgd --steps 60 --out", str(out))
    assert result.exit_code == 0, result.output
    assert "suggested learning rate" in result.output and "confidence" in result.output
    assert png_size(out) == (640, 400)


def test_lr_find_mini_batches_and_classification(tmp_path) -> None:
    out = tmp_path / "iris.png"
    result = invoke(
        "lr-find --data iris --model 8 --optimizer adam --batch-size 32 --steps 40 --end 1 --out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "suggested learning rate" in result.output


@pytest.mark.parametrize("data", ["heaviside", "noisy_x2"])
def test_lr_find_takes_every_data_set_train_takes(data: str, tmp_path) -> None:
    """One --data vocabulary: the lecture targets work for lr-find as they do for train."""
    out = tmp_path / "lr.png"
    result = invoke(f"lr-find --data {data} --samples 60 --model 8 --steps 30 --out", str(out))
    assert result.exit_code == 0, result.output
    assert "suggested learning rate" in result.output and out.exists()


def test_lr_find_reads_a_csv_file(tmp_path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    rows = ["a,b,price"] + [f"{u:.6f},{v:.6f},{2 * u - v:.6f}" for u, v in x]
    (tmp_path / "prices.csv").write_text("\n".join(rows) + "\n")
    result = invoke("lr-find --data", str(tmp_path / "prices.csv"), "--target", "price",
                    "--model", "8", "--steps", "30", "--out", str(tmp_path / "lr.png"))
    assert result.exit_code == 0, result.output


def test_lr_find_and_train_share_the_data_options() -> None:
    from trainlab.cli.schedules import lr_find
    from trainlab.cli.train import train

    def data_help(command):
        return {p.name: (p.help, p.default) for p in command.params if p.name in ("data", "target", "task", "samples")}

    def model_help(command):
        return next(p.help for p in command.params if p.opts == ["--model"])

    assert data_help(lr_find) == data_help(train) and len(data_help(train)) == 4
    assert model_help(lr_find) == model_help(train)


def test_lr_find_takes_a_linear_model_as_train_does(tmp_path) -> None:
    result = invoke("lr-find --data iris --model linear --steps 30 --out", str(tmp_path / "lr.png"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args, hint",
    [
        (["--data", "no_such_set"], "noisy_x2"),
        (["--model", "a,b"], "--model"),
        (["--optimizer", "adamz"], "Unknown optimizer"),
        (["--start", "1", "--end", "0.1"], "'--end': must be greater than start"),
        (["--end", "inf"], "'--end': must be a float in the range (0, inf). Got inf"),
        (["--optimizer", "lbfgs"], "'--optimizer': must be a first-order optimizer"),
    ],
)
def test_lr_find_errors_are_clear(args: list[str], hint: str, tmp_path) -> None:
    result = invoke("lr-find --steps 10 --out", str(tmp_path / "x.png"), *args)
    assert result.exit_code == 2
    assert hint in result.output and "parameter of" not in result.output


def test_runs_as_a_process_offline() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "trainlab", "schedules", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "plot" in done.stdout
