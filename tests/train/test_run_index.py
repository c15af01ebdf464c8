"""The run index: rows through a run's life, several writing processes at once, crashes, corruption."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from trainlab.train.run_index import INDEX_FILE, RunIndex, UnknownRun, record_run, runs_root
from trainlab.train.run_scan import scan_runs

WRITERS, RUNS_EACH = 4, 25
MODULE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "src", "trainlab", "train", "run_index.py")
# the index module alone (stdlib only): a writer process starts in milliseconds, without torch
LOAD = ("import importlib.util, os, sys\n"
        f"spec = importlib.util.spec_from_file_location('run_index', {os.path.abspath(MODULE)!r})\n"
        "run_index = sys.modules['run_index'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(run_index)\n")
WRITE_MANY = LOAD + """
root, worker = sys.argv[1], int(sys.argv[2])
for i in range(int(sys.argv[3])):
    folder = os.path.join(root, f"w{worker}-{i}")
    os.makedirs(folder, exist_ok=True)
    with run_index.record_run(root, f"w{worker}-{i}", "train", {"worker": worker, "i": i}, folder) as run:
        run.metrics["val_loss"] = worker + i / 100
"""


def test_a_run_goes_from_running_to_completed_with_its_metrics(tmp_path):
    with record_run(tmp_path, "a", "train", {"lr": 0.1, "hidden": [8]}, str(tmp_path / "a")) as run:
        (tmp_path / "a").mkdir()
        inside = RunIndex(tmp_path).get(run.id)
        assert inside.status == "running" and inside.ended is None and inside.pid == os.getpid()
        run.metrics.update(val_loss=0.5, stop_reason="completed", worst=float("inf"))
    done = RunIndex(tmp_path).get(run.id)
    assert (done.name, done.kind, done.status) == ("a", "train", "completed")
    assert done.config == {"lr": 0.1, "hidden": [8]}
    assert done.metrics == {"val_loss": 0.5, "stop_reason": "completed", "worst": "inf"}
    assert done.ended >= done.started and done.folder == str(tmp_path / "a")
    with sqlite3.connect(tmp_path / INDEX_FILE) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failures_and_interrupts_are_marked_and_reraised(tmp_path):
    (tmp_path / "f").mkdir()
    with pytest.raises(ValueError, match="boom"):
        with record_run(tmp_path, "f", "train", {}, str(tmp_path / "f")):
            raise ValueError("boom")
    with pytest.raises(KeyboardInterrupt):
        with record_run(tmp_path, "k", "train", {}, str(tmp_path / "f")):
            raise KeyboardInterrupt
    with pytest.raises(ValueError):  # refused before its folder existed: no row
        with record_run(tmp_path, "never", "train", {}, str(tmp_path / "never")):
            raise ValueError("bad option")
    runs = RunIndex(tmp_path).runs()
    assert [(r.name, r.status) for r in runs] == [("f", "failed"), ("k", "interrupted")]
    assert runs[0].message == "ValueError: boom"
    assert [r.name for r in RunIndex(tmp_path).runs(status="failed")] == ["f"]
    assert [r.name for r in RunIndex(tmp_path).runs(name="K")] == ["k"]


def test_a_killed_process_leaves_its_run_reading_as_interrupted(tmp_path):
    code = LOAD + (f"run_index.RunIndex({str(tmp_path)!r}).begin('killed', 'train', {{}}, {str(tmp_path)!r})\n"
                   "os._exit(9)  # dies without finishing: no handler, no cleanup\n")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    (run,) = RunIndex(tmp_path).runs()
    assert run.status == "interrupted" and "process ended" in run.message
    with sqlite3.connect(tmp_path / INDEX_FILE) as con:  # the file still says running; only reading infers
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "running"


def test_concurrent_writers_in_separate_processes_lose_nothing(tmp_path):
    workers = [subprocess.Popen([sys.executable, "-c", WRITE_MANY, str(tmp_path), str(w), str(RUNS_EACH)])
               for w in range(WRITERS)]
    assert [w.wait(120) for w in workers] == [0] * WRITERS
    runs = RunIndex(tmp_path).runs()
    assert len(runs) == WRITERS * RUNS_EACH
    assert len({r.id for r in runs}) == len(runs)
    assert all(r.status == "completed" for r in runs)
    assert sorted(r.metrics["val_loss"] for r in runs) == sorted(w + i / 100 for w in range(WRITERS)
                                                                  for i in range(RUNS_EACH))
    with sqlite3.connect(tmp_path / INDEX_FILE) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _experiment(folder, results):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "config.json").write_text(json.dumps({"seeds": 3}))


def test_a_corrupt_index_is_kept_aside_and_rebuilt_from_the_run_folders(tmp_path):
    _experiment(tmp_path / "race", {"best_val_loss": 0.8, "rows": [{"a": 1}]})
    train = tmp_path / "nested" / "t"
    train.mkdir(parents=True)
    (train / "config.json").write_text(json.dumps({"lr": 0.1}))
    (train / "history.csv").write_text("epoch,step,train_loss\n1,1,0.5\n")  # killed before summary.json
    (train / "checkpoints").mkdir()
    (tmp_path / INDEX_FILE).write_bytes(b"this is not a database, it was overwritten" * 100)
    messages = []
    runs = RunIndex(tmp_path, notify=messages.append).runs()
    assert len(messages) == 1 and "rebuilt it from the run folders" in messages[0] and "2 runs found" in messages[0]
    assert {r.name: (r.kind, r.status) for r in runs} == {"race": ("experiment", "completed"),
                                                           os.path.join("nested", "t"): ("train", "interrupted")}
    race = next(r for r in runs if r.name == "race")
    assert race.metrics == {"best_val_loss": 0.8} and race.config == {"seeds": 3}
    assert [p.name for p in tmp_path.glob(INDEX_FILE + ".corrupt-*")]  # the damaged file is kept
    with record_run(tmp_path, "after", "train", {}, str(tmp_path)):  # and the rebuilt index takes new runs
        pass
    assert [r.name for r in RunIndex(tmp_path).runs()][-1] == "after" and messages == messages[:1]


def test_readers_that_find_it_damaged_together_rebuild_it_once(tmp_path):
    for name in ("a", "b"):
        _experiment(tmp_path / name, {"val_loss": 1.0})
    (tmp_path / INDEX_FILE).write_bytes(b"garbage" * 1000)
    messages, counts = [], []
    barrier = threading.Barrier(4)

    def read():
        index = RunIndex(tmp_path, notify=messages.append)
        barrier.wait()
        counts.append(len(index.runs()))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert counts == [2, 2, 2, 2] and len(messages) == 1
    assert len(list(tmp_path.glob(INDEX_FILE + ".corrupt-*"))) == 1


def test_unknown_ids_name_the_ids_there_are(tmp_path):
    with pytest.raises(UnknownRun, match=r"no runs yet"):
        RunIndex(tmp_path).get(1)
    with record_run(tmp_path, "a", "train", {}, str(tmp_path)):
        pass
    with pytest.raises(UnknownRun, match=r"Unknown run id '7'.*holds ids 1 "):
        RunIndex(tmp_path).get("7")
    with pytest.raises(UnknownRun, match="Unknown run id 'x'"):
        RunIndex(tmp_path).get("x")


def test_runs_root_rule(tmp_path, monkeypatch):
    monkeypatch.delenv("TRAINLAB_RUNS", raising=False)
    assert runs_root("runs/d") == os.path.abspath("runs")
    assert runs_root("runs/d", default="runs") == "runs"
    monkeypatch.setenv("TRAINLAB_RUNS", str(tmp_path))
    assert runs_root("elsewhere/d", default="runs") == str(tmp_path)


def test_scan_does_not_descend_into_a_run_folder(tmp_path):
    _experiment(tmp_path / "outer", {"x": 1})
    _experiment(tmp_path / "outer" / "inner", {"x": 2})
    assert [r.name for r in scan_runs(str(tmp_path))] == ["outer"]
