"""One writer per run folder: real processes racing for one ``--out``, killed holders, default names."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.cli.train import _default_out
from trainlab.train.checkpoint import list_checkpoints
from trainlab.train.run_layout import RunFolderBusy, RunLayout

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")
SMALL = ["--model", "4", "--batch-size", "full", "--quiet"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock and SIGKILL are POSIX")


def env():
    e = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    e["PYTHONPATH"] = os.path.abspath(SRC) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def launch(*args):
    return subprocess.Popen([sys.executable, "-m", "trainlab", "train", *args], env=env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_until(condition, process, seconds=120.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the run did not get there in time"
        time.sleep(0.01)


def test_two_runs_started_together_into_one_folder_do_not_mix(tmp_path):
    """The issue's reproducer: two data sets into one --out at once; one runs, the other is refused."""
    out = str(tmp_path / "same")
    runs = {data: launch("--data", data, "--samples", "40", "--epochs", "30", "--out", out, *SMALL)
            for data in ("noisy_x2", "abs")}
    outputs = {data: p.communicate(timeout=300)[0] for data, p in runs.items()}
    codes = {data: p.returncode for data, p in runs.items()}
    assert sorted(codes.values()) == [0, 1], outputs
    winner = min(codes, key=codes.get)
    loser_says = outputs[max(codes, key=codes.get)]
    assert "Traceback" not in loser_says and out in loser_says
    assert "in use by another trainlab process" in loser_says or "already holds a run" in loser_says
    assert json.load(open(os.path.join(out, "config.json")))["data"] == winner
    result = CliRunner().invoke(main, ["train", "--resume", out, "--quiet"])  # finished: nothing to do
    assert result.exit_code == 0, result.output


def test_a_second_writer_is_told_the_pid_and_a_killed_holder_does_not_block_resume(tmp_path, blank_figures):
    out = str(tmp_path / "run")
    holder = launch("--data", "noisy_x2", "--samples", "24", "--epochs", "100000", "--out", out, *SMALL)
    try:
        wait_until(lambda: bool(list_checkpoints(os.path.join(out, "checkpoints"))), holder)
        for args in (["--data", "abs", *SMALL, "--out", out], ["--resume", out, "--quiet"]):
            result = CliRunner().invoke(main, ["train", *args])
            assert result.exit_code == 1, result.output
            assert f"{out} is in use by another trainlab process (pid {holder.pid})" in result.output
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    assert RunLayout(out).holder() is None  # the kernel dropped the dead process's lock
    with RunLayout(out).lock():  # and a new writer takes it at once
        with pytest.raises(RunFolderBusy, match=f"pid {os.getpid()}"):
            with RunLayout(out).lock():
                pass


def test_default_run_folders_are_unique_within_a_second_and_across_processes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = _default_out("data/prices.csv")
    os.makedirs(first)
    second = _default_out("data/prices.csv")
    assert first != second and os.path.basename(first).startswith("prices-")
    assert str(os.getpid()) in first  # two processes in the same second get different names


def test_kill_of_a_run_prints_the_resume_command_and_the_folder_resumes(tmp_path):
    """SIGTERM (plain ``kill PID``) ends the run as Ctrl-C does: exit 130 and a paste-able command."""
    out = str(tmp_path / "run")
    victim = launch("--data", "noisy_x2", "--samples", "24", "--epochs", "100000", "--out", out, *SMALL)
    wait_until(lambda: bool(list_checkpoints(os.path.join(out, "checkpoints"))), victim)
    victim.send_signal(signal.SIGTERM)
    said = victim.communicate(timeout=60)[0]
    assert victim.returncode == 130 and f"  trainlab train --resume {out}" in said.splitlines(), said
    assert not [n for _, _, files in os.walk(out) for n in files if ".tmp-" in n]
