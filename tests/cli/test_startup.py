"""Start-up: ``import trainlab`` and ``trainlab --help`` import none of the heavy libraries, and the help is unchanged.

Checked in a fresh interpreter through ``sys.modules`` (never by timing; the
times are in ``benchmarks/startup.py``).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from trainlab.cli import COMMANDS, SUMMARIES, main

HEAVY = ("torch", "numpy", "matplotlib", "scipy", "sklearn", "rich", "pandas")
SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_trainlab_imports_no_heavy_library():
    assert imported_after("import trainlab") == set()


def test_the_help_text_imports_no_heavy_library():
    code = ("import sys, io, contextlib\nsys.argv = ['trainlab', '--help']\nfrom trainlab.cli import main\n"
            "buffer = io.StringIO()\nwith contextlib.redirect_stdout(buffer):\n    try:\n        main()\n"
            "    except SystemExit:\n        pass\nassert 'Commands:' in buffer.getvalue()")
    assert imported_after(code) == set()


def _command(name: str) -> click.Command:
    module, attr = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_the_summary_its_own_help_gives(name):
    assert name in SUMMARIES, f"add {name!r} to trainlab.cli.SUMMARIES so that --help need not import it"
    for limit in (30, 45, 60, 150):
        summary = click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit)
        assert summary == _command(name).get_short_help_str(limit)


def test_the_help_text_is_what_click_writes_from_the_commands_themselves():
    lazy = CliRunner().invoke(main, ["--help"], terminal_width=80).output
    eager = click.Group(name=main.name, commands={n: _command(n) for n in COMMANDS}, params=main.params,
                        help=main.help, context_settings=main.context_settings)
    assert lazy == CliRunner().invoke(eager, ["--help"], terminal_width=80, prog_name=main.name).output


def test_the_training_library_leaves_figures_and_console_libraries_until_used():
    assert imported_after("import trainlab.train, trainlab.report.history") & {"matplotlib", "rich", "scipy",
                                                                                "sklearn"} == set()
