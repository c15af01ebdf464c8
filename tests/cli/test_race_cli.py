"""``trainlab race --list`` names every optimizer ``train`` takes; progress reads well in a log."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.optim import registry


@pytest.mark.parametrize("width", [40, 80, 200])
def test_the_list_names_every_optimizer_in_full_and_marks_second_order(width):
    result = CliRunner().invoke(main, ["race", "--list"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in registry.names():
        if width < 110:
            marked = f"{name}  [second order]" if name in registry.names("closure") else name
            assert marked in lines, (name, lines[:20])
        else:
            row = next(line for line in lines if line.startswith(f"│ {name} "))
            assert ("second order" in row) == (name in registry.names("closure"))


def test_race_progress_in_a_log_is_plain_lines():
    result = CliRunner().invoke(main, ["race", "--optimizers", "sgd,adam", "--steps", "3", "--no-tune"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\r" not in result.output
    lines = result.output.splitlines()
    assert lines[0] == "racing optimizers ..."
    assert lines[1].startswith("  sgd done (1/2)") and lines[2].startswith("  adam done (2/2)")
    assert lines[3].startswith("racing optimizers: done in ")
