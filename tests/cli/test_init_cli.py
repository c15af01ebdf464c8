"""``trainlab init list`` and ``trainlab init plot``."""

from __future__ import annotations

from click.testing import CliRunner
from PIL import Image

from trainlab.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, ["init", *args], catch_exceptions=False)


def test_list_shows_every_scheme_and_activation():
    result = invoke("list")
    assert result.exit_code == 0
    for name in ("xavier_uniform", "lecun_normal", "orthogonal", "gelu", "selu"):
        assert name in result.output


def test_plot_writes_the_variance_figure(tmp_path):
    out = tmp_path / "init.png"
    result = invoke("plot", "--activation", "relu", "--depth", "6", "--width", "32", "--schemes", "he,normal",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.size == (1280, 400)
    assert "he" in result.output and "wrote" in result.output


def test_unknown_names_exit_with_a_message_not_a_traceback(tmp_path):
    result = invoke("plot", "--schemes", "he,xavier", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert "Unknown initialization scheme 'xavier'. Did you mean" in result.output
    result = invoke("plot", "--activation", "rleu", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "Unknown activation 'rleu'" in result.output
    result = invoke("plot", "--depth", "0", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "'depth' parameter" in result.output
