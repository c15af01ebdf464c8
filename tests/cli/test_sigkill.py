"""Loss of work is impossible: ``trainlab train`` SIGKILLed at 20 random moments resumes to the same bits.

One uninterrupted run gives the reference ``model.pt`` and history. Twenty
victims run the same command into their own folders and are killed with
``SIGKILL`` (no cleanup, no atexit, no flush) at moments drawn from a seeded RNG:

* during interpreter start-up (a real ``python -m trainlab train`` process,
  killed after a random delay, before it has written anything);
* during set-up, a random time after the start of a run;
* during a step, a random time after the first step checkpoint;
* during a checkpoint write or a history write: the moment the writer's
  temporary file appears (``.step-XXXXXXXX.pt.tmp-PID``, ``.history.csv.tmp-PID``).

Figures are written but not drawn (the ``blank_figures`` fixture). To keep
one interpreter start-up for all but the start-up victims, they are forked from
this test process (``trainlab.cli.main`` runs in the child, exactly
as ``python -m trainlab`` would run it). Then, for every folder:

* nothing is unreadable: ``config.json`` parses, every checkpoint loads, and
  ``history.csv`` holds a prefix of the reference's rows;
* ``trainlab train --resume DIR`` exits 0 and ``model.pt`` equals the reference
  tensor for tensor; the history matches row for row;
* a run killed before its ``config.json`` exists never started: ``--resume``
  says so clearly (no traceback, non-zero exit) and the same command without
  ``--resume`` then runs to the reference's bits.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.train.checkpoint import list_checkpoints, load_checkpoint

SRC = str(Path(__file__).resolve().parents[2] / "src")
# 160 points of the noisy sine: 112 training rows in batches of 4, 28 steps an epoch, 84 steps;
# a checkpoint every 3 steps and a history row every epoch, so writes are frequent.
ARGS = ["train", "--data", "noisy_sine", "--samples", "160", "--model", "8", "--dropout", "0.1",
        "--optimizer", "adam", "--lr", "3e-3", "--epochs", "3", "--batch-size", "4",
        "--checkpoint-every", "3", "--keep-last", "2",
        "--quiet"]
# how many victims die in each phase (20 in all); "startup" victims are real interpreters
PHASES = {"startup": 3, "setup": 3, "step": 5, "checkpoint write": 5, "history write": 4}
TIMEOUT = 120.0


def env():
    e = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    e["PYTHONPATH"] = SRC + os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else SRC
    return e


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def epoch_rows(path):
    with open(path, newline="") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


def same_model(a, b):
    sa, sb = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _slow_disk(pause=0.02):
    """Hold every finished temporary file ``pause`` seconds before its rename (a slow disk).

    The writes themselves are unchanged; the wait only makes the moment "inside a write"
    wide enough for the parent to see on any machine, and keeps a victim alive well past
    the moments the parent waits for (a fast machine could otherwise finish first).
    """
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if ".tmp-" in os.fspath(src):
            time.sleep(pause)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace


def _run_cli(out):  # the forked child: what ``python -m trainlab`` does, then leave without cleanup
    try:
        _slow_disk()
        main([*ARGS, "--out", out], standalone_mode=False)
    finally:
        os._exit(0)


def temporaries(folder):
    return [n for n in os.listdir(folder) if ".tmp-" in n] if os.path.isdir(folder) else []


def wait_for(condition, process, deadline):
    while not condition():
        if not process.is_alive() or time.monotonic() > deadline:
            return False
        time.sleep(0.0005)
    return True


def kill_forked(out, kind, rng):
    """Fork a run into ``out`` and SIGKILL it at a moment of ``kind``; True if it was killed mid-run."""
    ckpts = os.path.join(out, "checkpoints")
    proc = multiprocessing.get_context("fork").Process(target=_run_cli, args=(out,))
    proc.start()
    deadline = time.monotonic() + TIMEOUT
    first_checkpoint = lambda: bool(list_checkpoints(ckpts))  # noqa: E731
    if kind == "setup":
        time.sleep(rng.uniform(0.0, 0.05))
    elif kind == "step":
        wait_for(first_checkpoint, proc, deadline)
        time.sleep(rng.uniform(0.0, 0.3))
    elif kind == "checkpoint write":
        wait_for(first_checkpoint, proc, deadline)
        time.sleep(rng.uniform(0.0, 0.2))
        wait_for(lambda: bool(temporaries(ckpts)), proc, deadline)
    else:  # history write, after a random number of epochs
        wait_for(first_checkpoint, proc, deadline)
        for _ in range(rng.randrange(2)):
            wait_for(lambda: bool(temporaries(out)), proc, deadline)
            wait_for(lambda: not temporaries(out), proc, deadline)
        wait_for(lambda: any(n.startswith(".history.csv") for n in temporaries(out)), proc, deadline)
    alive = proc.is_alive()
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # it finished (and was reaped) first: not a kill mid-run
        alive = False
    proc.join(30)
    return alive and proc.exitcode == -signal.SIGKILL, bool(temporaries(ckpts) or temporaries(out))


def kill_starting(out, rng):
    """A real interpreter killed during start-up; True if it was killed before finishing."""
    victim = subprocess.Popen([sys.executable, "-m", "trainlab", *ARGS, "--out", out], env=env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.02, 0.6))
    victim.send_signal(signal.SIGKILL)
    return victim.wait(30) == -signal.SIGKILL, False


def check_readable(out, reference_rows):
    """Whatever moment the kill hit, what the folder holds can be read."""
    json.loads(Path(out, "config.json").read_text())
    for _, path in list_checkpoints(os.path.join(out, "checkpoints")):
        load_checkpoint(path)
    best = os.path.join(out, "checkpoints", "best.pt")
    if os.path.exists(best):
        load_checkpoint(best)
    history = os.path.join(out, "history.csv")
    if os.path.exists(history):
        rows = epoch_rows(history)
        assert rows == reference_rows[: len(rows)], f"{out}: history.csv is not a prefix of the reference"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods(),
                    reason="needs fork and SIGKILL (POSIX)")
def test_twenty_random_sigkills_each_resume_to_the_same_bits(tmp_path, blank_figures):
    reference = tmp_path / "reference"
    result = cli(*ARGS, "--out", str(reference))
    assert result.exit_code == 0, result.output
    reference_rows = epoch_rows(reference / "history.csv")
    assert len(reference_rows) == 3

    rng = random.Random(20260101)
    kinds = [kind for kind, n in PHASES.items() for _ in range(n)]
    rng.shuffle(kinds)
    killed = {}
    for i, kind in enumerate(kinds):
        out = str(tmp_path / f"victim-{i:02d}")
        killed[out] = (kind, *(kill_starting(out, rng) if kind == "startup" else kill_forked(out, kind, rng)))
    assert all(mid_run for _, mid_run, _ in killed.values()), f"every victim must die mid-run: {killed}"
    # some kills land inside a write: the writer's temporary file is left behind (and is harmless)
    assert any(mid_write for kind, _, mid_write in killed.values() if kind == "checkpoint write"), killed

    outcomes = {}
    for out, (kind, _, _) in killed.items():
        started = os.path.exists(os.path.join(out, "config.json"))
        if started and not list_checkpoints(os.path.join(out, "checkpoints")):
            # killed in the steps before the first checkpoint: test_a_run_with_config_but_no_checkpoint_yet
            outcomes[out] = "no checkpoint yet"
            check_readable(out, reference_rows)
            result = cli("train", "--resume", out, "--quiet")  # starts over from its config
            assert "Traceback" not in result.output and "no step checkpoint yet" in result.output, result.output
        elif not started:
            outcomes[out] = "never started"
            result = cli("train", "--resume", out, "--quiet")
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            assert result.exit_code != 0 and "Traceback" not in result.output, result.output
            assert "Error" in result.output, result.output
            result = cli(*ARGS, "--out", out)  # the same command again, without --resume
        else:
            outcomes[out] = "resumed"
            check_readable(out, reference_rows)
            result = cli("train", "--resume", out, "--quiet")
        assert result.exit_code == 0, f"{kind} kill of {out}: {result.output}"
        assert same_model(os.path.join(out, "model.pt"), reference / "model.pt"), f"{kind} kill of {out}"
        assert epoch_rows(os.path.join(out, "history.csv")) == reference_rows, f"{kind} kill of {out}"
    # both folder states occur: a run that never started, and one that resumed
    assert {"never started", "resumed"} <= set(outcomes.values()), outcomes


def test_a_run_with_config_but_no_checkpoint_yet_resumes(tmp_path, blank_figures):
    """A kill between writing config.json and the first step checkpoint (a window of a few steps)."""
    reference = tmp_path / "reference"
    assert cli(*ARGS, "--out", str(reference)).exit_code == 0
    killed = tmp_path / "killed"
    killed.mkdir()
    (killed / "config.json").write_text((reference / "config.json").read_text())
    result = cli("train", "--resume", str(killed), "--quiet")
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    assert same_model(killed / "model.pt", reference / "model.pt")
