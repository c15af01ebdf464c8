import math

from click.testing import CliRunner

from trainlab.cli import main
from trainlab.experiments.time_to_target import compare_time_to_target


def test_race_rows_are_complete_and_adaptive_methods_reach_target_first():
    rows = compare_time_to_target(["sgd", "adam"], steps=150, target=0.45, tune=False)
    by = {r.name: r for r in rows}
    assert set(by) == {"sgd", "adam"}
    for r in rows:
        assert math.isfinite(r.train_loss) and math.isfinite(r.val_loss) and r.wall_time > 0
    assert by["adam"].steps_to_target is not None
    assert by["sgd"].steps_to_target is None or by["sgd"].steps_to_target > by["adam"].steps_to_target


def test_cli_race_prints_table_and_lists():
    runner = CliRunner()
    out = runner.invoke(main, ["race", "--optimizers", "sgd,adam", "--steps", "30", "--no-tune"])
    assert out.exit_code == 0, out.output
    assert "Optimizer race" in out.output and "adam" in out.output
    listed = runner.invoke(main, ["race", "--list"])
    assert listed.exit_code == 0 and "rmsprop-nesterov" in listed.output
    bad = runner.invoke(main, ["race", "--optimizers", "adamm"])
    assert bad.exit_code != 0 and "Did you mean 'adam'" in bad.output


def _commands(group, prefix=()):
    """Every command path under a click group, sub-groups included."""
    import click

    for name in group.list_commands(None):
        cmd = group.get_command(None, name)
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0 and "Examples" in top.output
    paths = list(_commands(main))
    assert ("schedules", "plot") in paths
    for path in paths:
        out = runner.invoke(main, [*path, "--help"])
        assert out.exit_code == 0, path
        assert "Example" in out.output, f"`trainlab {' '.join(path)} --help` shows no example"
