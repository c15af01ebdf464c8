"""Figures of the diagnostics: they draw what they are given, at their stated pixel size."""

from __future__ import annotations

from PIL import Image

from trainlab.diagnose.landscape import LineResult, PlaneResult
from trainlab.diagnose.layer_information import InformationTrajectory
from trainlab.experiments.information_plane import InformationRun
from trainlab.experiments.spectral_bias import SpectralRun
from trainlab.report.information_plane import plot_information_plane
from trainlab.report.landscape import plot_line, plot_plane
from trainlab.report.spectral_bias import plot_spectral_bias


def _pixels(path) -> tuple[int, int]:
    return Image.open(path).size


def test_line_figure_with_and_without_validation(tmp_path):
    result = LineResult([0.0, 0.5, 1.0], [2.0, 1.0, 0.001], [2.1, 1.2, 0.5], "frozen", 3.0)
    assert _pixels(plot_line(result, tmp_path / "line.png")) == (640, 400)
    result.validation = None
    assert _pixels(plot_line(result, tmp_path / "line2.png", title="t")) == (640, 400)


def test_plane_figure_with_a_path_and_a_flat_slice(tmp_path):
    grid = [[1.0 + a * a + b * b for a in (-1, 0, 1)] for b in (-1, 0, 1)]
    result = PlaneResult([-1, 0, 1], [-1, 0, 1], grid, "pca", "recompute", 1.0, [[0.8, 0.5], [0.2, 0.1], [0, 0]],
                         [0.9, 0.1])
    assert _pixels(plot_plane(result, tmp_path / "plane.png")) == (600, 500)
    steep = PlaneResult([-1, 0, 1], [-1, 0, 1], [[v * 1000 for v in row] for row in grid], "filter", "frozen", 1.0)
    assert _pixels(plot_plane(steep, tmp_path / "steep.png")) == (600, 500)


def test_information_plane_and_spectral_bias_figures(tmp_path):
    plane = InformationTrajectory(["layer 1 (2)", "output (2)"], [[[1, 0.1], [2, 0.5]], [[0.5, 0.2], [1, 0.9]]],
                                  [[[1, 0.1], [1.5, 0.4]], [[0.4, 0.1], [0.8, 0.7]]])
    runs = [InformationRun(a, 0, [0, 9], plane.layers, plane.binned, plane.kde) for a in ("tanh", "relu")]
    assert _pixels(plot_information_plane(runs, tmp_path / "ip.png")) == (1000, 820)
    spectral = [SpectralRun(s, [1, 3], [0, 10, 20], [[1.0, 1.0], [0.05, 0.5], [0.01, 0.2]], 0.0) for s in (0, 1)]
    assert _pixels(plot_spectral_bias(spectral, tmp_path / "sb.png")) == (1280, 400)
