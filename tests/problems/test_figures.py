"""Trajectory figures: written, non-empty, the expected size; the CSV holds every point."""

from __future__ import annotations

import csv

import pytest
from PIL import Image

from trainlab import problems
from trainlab.constraints import InvalidArgument
from trainlab.problems.runner import Run, run_together, run
from trainlab.report.trajectories import animate, frame_indices, plot_losses, plot_paths, write_csv


@pytest.fixture(scope="module")
def beale_race():
    b = problems.get("beale")
    runs = [Run("adam", (2.0, -2.0), lr=0.1), Run("gd", (2.0, -2.0), lr=1e-4),
            Run("adam", (-3.0, 3.0), lr=0.3)]
    return run_together(b, runs, steps=200)


def _png(path, size=(640, 480)):
    assert path.stat().st_size > 5_000
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == size
        colors = im.convert("RGB").getcolors(maxcolors=1_000_000)
        assert len(colors) > 50  # something was drawn, not a blank canvas


def test_contour_and_loss_figures(tmp_path, beale_race):
    _png(plot_paths(beale_race, tmp_path / "paths.png"))
    _png(plot_losses(beale_race, tmp_path / "sub" / "loss.png"))


def test_one_dimensional_problem_gets_its_curve(tmp_path):
    q = problems.get("quartic")
    trajs = run_together(q, [Run("gd", 5.0, lr=0.1), Run("gd", -5.0, lr=0.1)], steps=100)
    _png(plot_paths(trajs, tmp_path / "quartic.png"))


def test_problem_without_minimum_uses_linear_levels(tmp_path):
    _png(plot_paths([run(problems.get("saddle"), "adam", lr=0.1, steps=30)], tmp_path / "saddle.png"))
    _png(plot_losses([run(problems.get("saddle"), "gd", lr=0.1, steps=30)], tmp_path / "saddle_loss.png"))


def test_gif_has_the_frames_asked_for(tmp_path, beale_race):
    path = animate(beale_race, tmp_path / "race.gif", frames=12, fps=10)
    assert path.stat().st_size > 5_000
    with Image.open(path) as im:
        assert im.format == "GIF" and im.size == (640, 480) and im.n_frames == 12
        im.seek(0)
        first = im.convert("RGB").tobytes()
        im.seek(11)
        assert im.convert("RGB").tobytes() != first  # the paths moved


def test_frame_indices_cover_the_run():
    assert frame_indices(201, 5) == [0, 50, 100, 150, 200]
    assert frame_indices(3, 10) == [0, 1, 2]


def test_csv_has_one_row_per_point(tmp_path, beale_race):
    path = write_csv(beale_race, tmp_path / "paths.csv")
    with path.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["label", "run", "iteration", "x1", "x2", "loss", "grad_norm"]
    assert len(rows) == 1 + sum(t.iterations + 1 for t in beale_race)
    assert rows[1][:5] == ["adam", "0", "0", "2.0", "-2.0"]
    last = beale_race[-1]
    assert [float(v) for v in rows[-1][3:5]] == last.final_point.tolist()


def test_bad_figure_arguments(tmp_path, beale_race):
    with pytest.raises(InvalidArgument, match="'frames'"):
        animate(beale_race, tmp_path / "x.gif", frames=1)
    with pytest.raises(InvalidArgument, match="1-D or 2-D"):
        plot_paths([run(problems.get("rosenbrock", dim=3), "adam", lr=0.01, steps=3)], tmp_path / "r.png")
    with pytest.raises(InvalidArgument, match="'trajectories'"):
        plot_losses([], tmp_path / "none.png")
