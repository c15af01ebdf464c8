"""``trainlab train --nproc``: what is refused before any worker starts, and the command the workers get."""

from __future__ import annotations

import click
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.cli.train import train as train_command
from trainlab.cli.workers import command_line
from trainlab.train.launch import available_cpus


def train(*args):
    return CliRunner().invoke(main, ["train", *args], catch_exceptions=False)


def test_more_processes_than_cpus_is_one_error_naming_both_numbers(tmp_path):
    result = train("--data", "iris", "--nproc", str(available_cpus() + 1), "--out", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert f"--nproc': {available_cpus() + 1} is more than the {available_cpus()} CPUs" in result.output
    assert not (tmp_path / "run").exists()


def test_an_optimizer_that_cannot_run_data_parallel_is_refused_before_launching(tmp_path, monkeypatch):
    monkeypatch.setattr("trainlab.cli.train.check_workers", lambda nproc: None)  # any machine: 2 processes
    result = train("--data", "iris", "--optimizer", "hessian-free", "--nproc", "2", "--out", str(tmp_path / "run"))
    assert result.exit_code == 2 and "'--optimizer'" in result.output and "hessian-free" in result.output
    assert not (tmp_path / "run").exists()


def test_the_workers_get_the_options_given_without_nproc():
    args = ["--data", "iris", "--lr", "0.01", "--no-nan-guard", "--batch-norm", "--set", "a=1", "--set", "b=2",
            "--schedule", "cosine", "--nproc", "2"]
    ctx = train_command.make_context("train", list(args))
    rebuilt = command_line(ctx)
    assert rebuilt[0] == "train" and "--nproc" not in rebuilt
    again = train_command.make_context("train", rebuilt[1:])
    assert {k: v for k, v in again.params.items() if k != "nproc"} == \
        {k: v for k, v in ctx.params.items() if k != "nproc"}
    assert isinstance(again, click.Context)


def test_the_doctor_with_several_processes_is_refused_before_launching(tmp_path, monkeypatch):
    monkeypatch.setattr("trainlab.cli.train.check_workers", lambda nproc: None)
    result = train("--data", "iris", "--doctor", "--nproc", "2", "--out", str(tmp_path / "run"))
    assert result.exit_code == 2 and "--doctor" in result.output and "trainlab doctor" in result.output
    assert not (tmp_path / "run").exists()
