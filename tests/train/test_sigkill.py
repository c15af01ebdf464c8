"""A real ``trainlab train`` process killed with SIGKILL mid-run resumes to the same bits.

Two runs start side by side in subprocesses: one runs to the end, the other is
killed (``SIGKILL``: no cleanup, no atexit, no flush) as soon as its first step
checkpoint appears. ``trainlab train --resume DIR`` then finishes the killed run;
its ``model.pt`` must equal the uninterrupted run's, tensor for tensor, and the
history (losses, learning rates) must match row for row.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

SRC = str(Path(__file__).resolve().parents[2] / "src")
ARGS = ["-m", "trainlab", "train", "--data", "diabetes", "--model", "16,16", "--dropout", "0.1", "--optimizer",
        "adam", "--lr", "3e-3", "--epochs", "20", "--batch-size", "16", "--checkpoint-every", "25", "--quiet"]


def env():
    e = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "") if e.get("PYTHONPATH") else SRC
    return e


def step_checkpoints(directory):
    folder = directory / "checkpoints"
    return [n for n in os.listdir(folder) if n.startswith("step-")] if folder.is_dir() else []


def epoch_rows(path):
    return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(open(path))]


@pytest.mark.slow
def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    full_dir, killed_dir = tmp_path / "full", tmp_path / "killed"
    full = subprocess.Popen([sys.executable, *ARGS, "--out", str(full_dir)], env=env())
    victim = subprocess.Popen([sys.executable, *ARGS, "--out", str(killed_dir)], env=env())
    try:
        deadline = time.monotonic() + 120
        while not step_checkpoints(killed_dir):
            assert victim.poll() is None, "the run ended before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.005)
        os.kill(victim.pid, signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
    assert not (killed_dir / "model.pt").exists(), "killed too late: the run had already finished"
    assert full.wait(timeout=300) == 0

    resumed = subprocess.run([sys.executable, "-m", "trainlab", "train", "--resume", str(killed_dir), "--quiet"],
                             env=env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr

    a = torch.load(killed_dir / "model.pt", weights_only=True)
    b = torch.load(full_dir / "model.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert epoch_rows(killed_dir / "history.csv") == epoch_rows(full_dir / "history.csv")
    assert len(epoch_rows(full_dir / "history.csv")) == 20
