"""The initialization figures are drawn headless, at their pixel size, from small results."""

from PIL import Image

from trainlab.experiments.gradient_flow import growth_study, matrix_product
from trainlab.experiments.layer_statistics import layer_study
from trainlab.experiments.symmetry import symmetry
from trainlab.report.initialization import plot_activations


def _size(path):
    with Image.open(path) as im:
        return im.size


def test_figures(tmp_path):
    assert _size(plot_activations(tmp_path / "a.png")) == (1600, 480)
    study = growth_study(n=10, size=3, seeds=20)
    assert _size(study.plot(tmp_path / "g.png", [matrix_product(10, 3, seed=s) for s in range(2)])) == (1280, 400)
    assert _size(symmetry(steps=3).plot(tmp_path / "s.png")) == (640, 400)
    paths = layer_study(inits=("he",), activations=("relu", "tanh"), depth=2, width=8, steps=1).plot(tmp_path)
    assert [p.name for p in paths] == ["layer-activations.png", "layer-gradients.png", "layer-variances.png"]
    assert all(_size(p)[0] > 300 for p in paths)
