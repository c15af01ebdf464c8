"""Data-parallel training (torch.distributed, gloo on CPU, 2 processes): the same run as one process.

* 2 processes with global batch B end with the parameters of 1 process with batch B
  (float64, to 1e-10 for first-order optimizers; L-BFGS, whose line search repeats the
  rounding of each reduction some forty times, to 1e-9), and log the same step losses;
* a 2-process ``trainlab train --nproc 2`` killed with SIGKILL and resumed with 2
  processes ends bit-identical to an uninterrupted one; resumed with 1 process it ends
  where the uninterrupted run does up to float32 rounding;
* a rank that dies makes the launcher stop the others with one clear message.
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

from trainlab.constraints import InvalidArgument
from trainlab.train.checkpoint import list_checkpoints
from trainlab.train.distributed import ShardBatches, Workers, check_distributable
from trainlab.train.launch import available_cpus
from trainlab.train.run import start_run
from tests.train.ddp_worker import config_of

ROOT = Path(__file__).resolve().parents[2]
needs_two_cpus = pytest.mark.skipif(available_cpus() < 2, reason="two worker processes need two CPUs")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "OMP_NUM_THREADS": "1",
            "MPLBACKEND": "Agg"}


def _torchrun(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           *args], cwd=ROOT, env=env or _env(), capture_output=True, text=True, timeout=timeout)


def _trainlab(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainlab", "train", *args], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


def _model(folder: Path) -> dict[str, torch.Tensor]:
    return torch.load(folder / "model.pt", weights_only=True)


def _history(folder: Path) -> list[dict[str, str]]:
    with open(folder / "history.csv", newline="") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


@pytest.mark.parametrize("world", [2, 3, 4])
@pytest.mark.parametrize("size", [1, 2, 5, 16])
def test_the_shares_of_the_ranks_are_the_global_batch_in_order(world, size):
    idx = torch.randperm(40)[:size]
    x, y = torch.arange(40.0)[:, None], torch.arange(40.0)
    shares = [ShardBatches(Workers(rank, world))(x, y, idx) for rank in range(world)]
    assert torch.equal(torch.cat([s[1] for s in shares]), y[idx])
    assert max(len(s[1]) for s in shares) - min(len(s[1]) for s in shares) <= 1


@pytest.mark.parametrize("kwargs, name", [
    ({"optimizer": "newton"}, "optimizer"), ({"optimizer": "hessian-free"}, "optimizer"),
    ({"optimizer": "adam", "ensemble": "bagging:3"}, "ensemble"),
    ({"optimizer": "adam", "augment": "noise"}, "augment"), ({"optimizer": "adam", "batch_norm": True}, "batch_norm"),
])
def test_what_data_parallel_training_cannot_do_is_refused_naming_the_argument(kwargs, name):
    optimizer = kwargs.pop("optimizer")
    with pytest.raises(InvalidArgument, match=f"'{name}' parameter"):
        check_distributable(optimizer, **kwargs)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "adamw", "rmsprop", "lbfgs", "bfgs", "cg"])
def test_first_order_and_line_search_optimizers_are_accepted(optimizer):
    check_distributable(optimizer)


@pytest.mark.slow
@needs_two_cpus
def test_two_processes_with_global_batch_b_end_where_one_process_with_batch_b_does(tmp_path, float64):
    names = ["sgd", "momentum", "adam", "lbfgs@full", "sgd@one"]
    done = _torchrun("tests/train/ddp_worker.py", str(tmp_path / "ddp"), ",".join(names))
    assert done.returncode == 0, done.stderr[-3000:]
    for name in names:
        single = tmp_path / "single" / name
        start_run(str(single), config_of(name), progress=False)
        ours, theirs = _model(tmp_path / "ddp" / name), _model(single)
        assert ours.keys() == theirs.keys() and all(v.dtype == torch.float64 for v in ours.values())
        gap = max(float((ours[k] - theirs[k]).abs().max()) for k in ours)
        assert gap < (1e-9 if name.startswith("lbfgs") else 1e-10), (name, gap)
        a, b = _history(tmp_path / "ddp" / name), _history(single)
        assert len(a) == len(b) and a[-1]["epoch"] == b[-1]["epoch"]
        for key in ("train_loss", "val_loss"):
            assert abs(float(a[-1][key]) - float(b[-1][key])) < 1e-9
        assert sorted(os.listdir(tmp_path / "ddp" / name)) == sorted(os.listdir(single))


# diabetes: 309 training rows in batches of 16 (the last of each epoch has 5), 20 steps an epoch
ARGS = ["--data", "diabetes", "--model", "8", "--epochs", "12", "--batch-size", "16", "--lr", "3e-3",
        "--checkpoint-every", "7", "--keep-last", "2", "--quiet"]


@pytest.mark.slow
@needs_two_cpus
def test_a_two_process_run_killed_by_sigkill_resumes_to_the_same_bits_and_with_one_process_too(tmp_path):
    reference, victim = tmp_path / "reference", tmp_path / "victim"
    done = _trainlab(*ARGS, "--nproc", "2", "--out", str(reference))
    assert done.returncode == 0, done.stderr[-3000:]
    process = subprocess.Popen([sys.executable, "-m", "trainlab", "train", *ARGS, "--nproc", "2", "--out",
                                str(victim)], cwd=ROOT, env=_env(), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not [s for s, _ in list_checkpoints(victim / "checkpoints")] and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the launcher and both workers, no clean-up
    process.wait()
    steps = [s for s, _ in list_checkpoints(victim / "checkpoints")]
    assert steps and steps[-1] < 240 and not (victim / "summary.json").exists()
    one = tmp_path / "one"
    subprocess.run(["cp", "-r", str(victim), str(one)], check=True)
    resumed = _trainlab("--resume", str(victim), "--nproc", "2")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    ours, theirs = _model(victim), _model(reference)
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)
    assert _history(victim) == _history(reference)
    alone = _trainlab("--resume", str(one))  # the same checkpoint, continued by one process
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert all(torch.allclose(_model(one)[k], theirs[k], rtol=1e-4, atol=1e-5) for k in theirs)


@pytest.mark.slow
@needs_two_cpus
def test_a_rank_that_dies_stops_the_others_with_one_clear_message(tmp_path):
    code = ("import sys\nfrom trainlab.train.launch import WorkersFailed, launch_workers\n"
            "try:\n    launch_workers(2, [sys.argv[1], 'sgd'], module='tests.train.ddp_worker')\n"
            "except WorkersFailed as err:\n    print(err); sys.exit(1)\n")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, env={**_env(), "DIE_AT": "3"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "worker rank 0 of 2 exited with code 3; the launcher stopped the other workers" in done.stdout
    assert time.monotonic() - start < 250  # stopped, not left waiting for the dead rank
