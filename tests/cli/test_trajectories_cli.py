"""``trainlab trajectories``: files, table, overrides, errors, --list, --help."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from PIL import Image

from trainlab.cli import main


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "200", "MPLBACKEND": "Agg"})
    return lambda *args: runner.invoke(main, ["trajectories", *args], catch_exceptions=False)


def test_help_has_an_example(cli):
    out = cli("--help")
    assert out.exit_code == 0 and "trainlab trajectories --problem beale" in out.output


def test_list_shows_problems_and_optimizers(cli):
    out = cli("--list")
    assert out.exit_code == 0
    for name in ("quartic", "beale", "monkey_saddle", "rmsprop-momentum", "adam"):
        assert name in out.output


def test_beale_writes_png_gif_csv_and_prints_the_table(cli, tmp_path):
    out = cli("--problem", "beale", "--start", "2,-2", "--start", "-3,3", "--optimizers", "gd,adam",
              "--steps", "300", "--frames", "8", "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    for name in ("beale.png", "beale_loss.png", "beale.gif", "beale.csv"):
        assert (tmp_path / name).stat().st_size > 1000
    with Image.open(tmp_path / "beale.png") as im:
        assert im.size == (640, 480)
    with Image.open(tmp_path / "beale.gif") as im:
        assert im.n_frames == 8
    with (tmp_path / "beale.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["label"] for r in rows} == {"gd", "adam"} and {r["run"] for r in rows} == {"0", "1", "2", "3"}
    text = out.output
    for needle in ("optimizer", "final point", "distance to nearest minimum", "final loss",
                   "iterations to tolerance", "(2, -2)", "(-3, 3)"):
        assert needle in text


def test_quartic_table_shows_lecture_endpoints(cli, tmp_path):
    out = cli("--problem", "quartic", "--start", "5", "--start=-5", "--optimizers", "gd", "--no-gif",
              "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert "(3.2728)" in out.output and "(-3.255)" in out.output  # the SUTD 50.039 notes: 3.27277, -3.25499
    assert not (tmp_path / "quartic.gif").exists() and (tmp_path / "quartic.png").exists()


def test_lr_override_reaches_the_optimizer(cli, tmp_path):
    out = cli("--problem", "elliptic", "--optimizers", "gd", "--lr", "gd=0", "--steps", "5", "--tol", "0",
              "--no-gif", "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    with (tmp_path / "elliptic.csv").open() as fh:
        last = list(csv.DictReader(fh))[-1]
    assert (float(last["x1"]), float(last["x2"]), last["iteration"]) == (-5.0, -2.5, "5")


def test_problem_arguments_and_high_dimensional_problems(cli, tmp_path):
    out = cli("--problem", "rosenbrock", "--problem-arg", "dim=4", "--optimizers", "adam", "--steps", "20",
              "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert "no contour plot" in out.output and (tmp_path / "rosenbrock_loss.png").exists()
    assert not (tmp_path / "rosenbrock.gif").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--problem", "beal"), "Known problems"),
        (("--optimizers", "gd,adamm"), "Known optimizers"),
        (("--start", "1,2,3"), "needs 2 coordinate"),
        (("--start", "a,b"), "comma-separated numbers"),
        (("--lr", "adam"), "NAME=VALUE"),
        (("--lr", "adamz=0.1"), "Known optimizers"),
        (("--problem", "quadratic", "--problem-arg", "condition=0.5"), "'condition'"),
        (("--steps", "0"), "--steps"),
    ],
)
def test_bad_input_gets_one_clear_error(cli, args, needle, tmp_path):
    out = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["trajectories", *args, "--out", str(tmp_path)])
    assert out.exit_code == 2 and needle in out.output, out.output


def test_demo_prints_its_numbers_and_writes_its_figure(cli, tmp_path):
    out = cli("--demo", "quartic", "--out", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert "3.267681061691328 (lecture: 3.267681061691328)" in out.output
    with Image.open(tmp_path / "quartic.png") as im:
        assert im.size == (1280, 480)
