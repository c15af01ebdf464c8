"""Fuzzed files: CSV data sets and checkpoints, as users and crashes leave them.

CSV: Hypothesis writes tables of numbers, NaN/Inf, empty cells, text and class
names (0 to 6 rows, with or without a byte-order mark, a target that may be
missing) and random bytes. ``load_dataset`` either returns finite, matching
``X``/``y`` or raises one ``InvalidArgument``; a table of finite numbers always
loads, to the same values.

Checkpoints: a real step checkpoint is truncated, has bytes overwritten or
garbage appended. ``Trainer.resume`` either raises one ``CheckpointError``
naming the file or (a change it cannot see, such as a weight byte) runs to the
end; no other exception. A checkpoint of a different model shape is refused.
"""

from __future__ import annotations

import os
import shutil
import zipfile

import numpy as np
import pytest
import torch
from click.testing import CliRunner

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from trainlab.cli import main  # noqa: E402
from trainlab.constraints import InvalidArgument  # noqa: E402
from trainlab.data import load_dataset  # noqa: E402
from trainlab.nn import MLP  # noqa: E402
from trainlab.optim import Adam  # noqa: E402
from trainlab.train import Checkpoint, CheckpointError, Trainer  # noqa: E402
from trainlab.train.checkpoint import CorruptCheckpoint, load_checkpoint  # noqa: E402

# ---------------------------------------------------------------------------------------------- CSV

NUMBER = st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr)
CELL = st.one_of(NUMBER, NUMBER, NUMBER, st.sampled_from(["nan", "inf", "-inf", "", " ", "1e999", "virginica",
                                                          "setosa", "x", "1,5", '"2"', "0x1"]),
                 st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=4))
HEADER = st.lists(st.text(alphabet="abcxyz_", min_size=1, max_size=3), min_size=1, max_size=4, unique=True)


def write_rows(path, header, rows, bom):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))


def check_loaded_or_refused(path, target, task):
    try:
        ds = load_dataset(str(path), target=target, task=task)
    except InvalidArgument as err:
        assert str(err) and "Traceback" not in str(err)
        return None
    assert len(ds.X) == len(ds.y) >= 1 and ds.X.ndim == 2 and ds.X.shape[1] >= 1
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    if ds.task == "classification":
        assert ds.y.dtype == np.int64 and ds.y.min() >= 0 and ds.n_outputs > ds.y.max()
    return ds


@settings(max_examples=40)
@given(header=HEADER, data=st.data(), bom=st.booleans(),
       task=st.sampled_from(["regression", "classification"]))
def test_any_table_loads_cleanly_or_is_refused_clearly(tmp_path_factory, header, data, bom, task):
    rows = data.draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=6))
    if data.draw(st.booleans()) and rows:  # a ragged row now and then
        rows[-1] = rows[-1][:-1]
    target = data.draw(st.one_of(st.sampled_from(header), st.just("missing")))
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_rows(path, header, rows, bom)
    check_loaded_or_refused(path, target, task)


@settings(max_examples=30)
@given(values=st.lists(st.lists(st.floats(-1e6, 1e6, width=64), min_size=3, max_size=3),
                       min_size=1, max_size=6),
       bom=st.booleans())
def test_a_table_of_finite_numbers_always_loads_exactly(tmp_path_factory, values, bom):
    path = tmp_path_factory.mktemp("csv") / "ok.csv"
    write_rows(path, ["a", "b", "y"], [[repr(v) for v in row] for row in values], bom)
    ds = check_loaded_or_refused(path, "y", "regression")
    assert ds is not None
    table = np.array(values)
    np.testing.assert_array_equal(ds.X, table[:, :2])
    np.testing.assert_array_equal(ds.y, table[:, 2])


@settings(max_examples=30)
@given(blob=st.binary(max_size=200))
def test_random_bytes_are_refused_clearly(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("csv") / "bytes.csv"
    path.write_bytes(blob)
    check_loaded_or_refused(path, "y", "regression")


@pytest.mark.parametrize(("make", "needle"), [
    (lambda p: p.write_text(""), "at least one data row"),  # empty
    (lambda p: p.write_text("a,y\n"), "at least one data row"),  # header only
    (lambda p: p.write_text("a,y\n1,nan\n"), "finite"),  # single row, NaN target
    (lambda p: p.write_text("a,y\ninf,1\n"), "finite"),  # Inf feature
    (lambda p: p.write_text("a,b\n1,2\n"), "'target'"),  # missing target column
    (lambda p: p.mkdir(), "an existing CSV file"),  # a folder where the file should be
    (lambda p: p.write_bytes(b"a,y\n\xff\xfe,1\n"), "readable UTF-8"),  # not text
])
def test_bad_files_get_one_clear_error(tmp_path, make, needle):
    path = tmp_path / "data.csv"
    make(path)
    with pytest.raises(InvalidArgument, match=needle):
        load_dataset(str(path), target="y")


def test_a_single_row_loads(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("a,y\n1.5,2\n")
    ds = load_dataset(str(path), target="y")
    assert ds.X.tolist() == [[1.5]] and ds.y.tolist() == [2.0]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode, so chmod cannot make one unreadable")
def test_an_unreadable_file_gets_one_clear_error(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("a,y\n1,2\n")
    path.chmod(0)
    with pytest.raises(InvalidArgument, match="readable"):
        load_dataset(str(path), target="y")


# ---------------------------------------------------------------------------------------- checkpoints

def data(n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g)
    return X, X.sum(1, keepdim=True)


def trainer(directory, hidden=4, epochs=3):
    torch.manual_seed(0)
    model = MLP([3, hidden, 1])
    return Trainer(model, Adam(model.parameters(), lr=1e-2), loss="mse", epochs=epochs, batch_size=8, seed=0,
                   callbacks=[Checkpoint(directory, every=2, keep_last=10, save_best=False)])


@pytest.fixture(scope="module")
def step_file(tmp_path_factory):
    """A real step checkpoint, made byte-for-byte the same on every run (its wall-clock fields zeroed),
    so that the derandomized fuzzing below damages the same bytes every time."""
    directory = tmp_path_factory.mktemp("ckpt")
    trainer(str(directory), epochs=2).fit(data())
    path = directory / "step-00000004.pt"
    state = torch.load(path, weights_only=True)
    state["trainer"]["elapsed"] = 0.0
    state["history"] = _zero_times(state["history"])
    torch.save(state, path)
    return path


def _zero_times(value):
    """``value`` with every wall-clock entry (keys naming time) zeroed, types kept."""
    if isinstance(value, dict):
        return {k: (_zeroed(v) if "time" in str(k) else _zero_times(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_zero_times(v) for v in value]
    return value


def _zeroed(value):
    if isinstance(value, torch.Tensor):
        return torch.zeros_like(value)
    return [0.0 for _ in value] if isinstance(value, list) else 0.0


def mutated(step_file, tmp_path_factory, data_):
    blob = bytearray(step_file.read_bytes())
    kind = data_.draw(st.sampled_from(["truncate", "overwrite", "append", "empty"]))
    if kind == "truncate":
        blob = blob[: data_.draw(st.integers(0, len(blob) - 1))]
    elif kind == "overwrite":
        at = data_.draw(st.integers(0, len(blob) - 1))
        patch = data_.draw(st.binary(min_size=1, max_size=64))
        blob[at: at + len(patch)] = patch
    elif kind == "append":
        blob += data_.draw(st.binary(min_size=1, max_size=64))
    else:
        blob = bytearray()
    path = tmp_path_factory.mktemp("bad") / "step-00000004.pt"
    path.write_bytes(bytes(blob))
    return path


@settings(max_examples=40)
@given(data_=st.data())
def test_a_damaged_checkpoint_is_refused_or_harmless(step_file, tmp_path_factory, data_):
    path = mutated(step_file, tmp_path_factory, data_)
    t = trainer(str(path.parent / "out"))
    try:
        t.resume(str(path), data())
    except CheckpointError as err:
        assert str(path) in str(err)
        return
    assert t.finished and t.global_step == 9  # 24 rows in batches of 8, 3 epochs


def test_a_checkpoint_of_another_model_shape_is_refused(step_file, tmp_path):
    with pytest.raises(CheckpointError, match=r"different model: .*shape \[4, 3\] .* \[6, 3\]"):
        trainer(str(tmp_path), hidden=6).resume(str(step_file), data())


def test_a_folder_of_damaged_checkpoints_names_the_newest(step_file, tmp_path):
    shutil.copy(step_file, tmp_path / "step-00000004.pt")
    (tmp_path / "step-00000006.pt").write_bytes(step_file.read_bytes()[:100])
    with pytest.raises(CheckpointError, match=r"step-00000006\.pt.*truncated or corrupt"):
        trainer(str(tmp_path / "out")).resume(str(tmp_path), data())


def test_a_checkpoint_with_a_damaged_local_header_is_refused(step_file, tmp_path):
    """Found by the fuzzing: a zeroed first byte made the check for pickled code raise BadZipFile."""
    path = tmp_path / "step-00000004.pt"
    path.write_bytes(b"\x00" + step_file.read_bytes()[1:])
    with pytest.raises(CheckpointError, match="corrupt"):
        trainer(str(tmp_path / "out")).resume(str(path), data())


# ------------------------------------------------------------------------------ the same through the CLI

CLI_RUN = ["train", "--data", "noisy_x2", "--samples", "24", "--epochs", "2", "--batch-size", "8",
           "--checkpoint-every", "2", "--quiet"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two finished runs of different model shapes (4 and 6 hidden units)."""
    root = tmp_path_factory.mktemp("runs")
    for hidden in ("4", "6"):
        result = CliRunner().invoke(main, [*CLI_RUN, "--model", hidden, "--out", str(root / hidden)])
        assert result.exit_code == 0, result.output
    return root


def resume(path):
    result = CliRunner().invoke(main, ["train", "--resume", str(path), "--quiet"], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def test_cli_resume_refuses_a_checkpoint_of_another_model_shape(two_runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(two_runs / "4", run)
    newest = max(n for n in os.listdir(run / "checkpoints") if n.startswith("step-"))
    foreign = run / "checkpoints" / "step-99999999.pt"  # the newest: resume picks it
    shutil.copy(two_runs / "6" / "checkpoints" / newest, foreign)
    for path in (run, foreign):
        result = resume(path)
        assert result.exit_code != 0 and "different model" in result.output, result.output


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_cli_resume_of_a_damaged_newest_checkpoint_falls_back_or_fails_clearly(two_runs, tmp_path, damage):
    """The folder resumes from the previous good file, naming the damaged one; the file itself is refused."""
    run = tmp_path / "run"
    shutil.copytree(two_runs / "4", run)
    newest = run / "checkpoints" / max(n for n in os.listdir(run / "checkpoints") if n.startswith("step-"))
    blob = newest.read_bytes()
    newest.write_bytes({"truncate": blob[: len(blob) // 2], "garbage": os.urandom(256), "empty": b""}[damage])
    result = resume(newest)
    assert result.exit_code != 0 and newest.name in result.output, result.output
    result = resume(run)
    assert result.exit_code == 0 and newest.name in result.output and "Skipped it" in result.output, result.output


def test_a_checkpoint_whose_random_state_is_damaged_is_refused_before_anything_changes(step_file, tmp_path):
    """Found by the fuzzing: a byte overwritten inside Python's saved random state (the file still loads)."""
    state = torch.load(step_file, weights_only=True)
    version, internal, gauss = state["rng"]["python"]
    state["rng"]["python"] = (version, (-1, *internal[1:]), gauss)  # not an unsigned 32-bit word
    path = tmp_path / "step-00000004.pt"
    torch.save(state, path)
    t = trainer(str(tmp_path / "out"))
    before = [p.detach().clone() for p in t.model.parameters()]
    with pytest.raises(CheckpointError, match="random-number state is damaged"):
        t.resume(str(path), data())
    assert all(torch.equal(a, b) for a, b in zip(before, t.model.parameters()))


def test_bytes_damaged_inside_a_record_fail_its_checksum(step_file, tmp_path):
    """Found by the fuzzing: zeroed bytes inside a record loaded as wrong numbers (torch.load skips the CRC)."""
    blob = bytearray(step_file.read_bytes())
    with zipfile.ZipFile(step_file) as archive:
        info = max(archive.infolist(), key=lambda i: i.file_size)  # the largest record, a tensor's bytes
    header = info.header_offset
    name_len, extra_len = int.from_bytes(blob[header + 26:header + 28], "little"), int.from_bytes(
        blob[header + 28:header + 30], "little")
    start = header + 30 + name_len + extra_len
    blob[start:start + 8] = bytes(8) if blob[start:start + 8] != bytes(8) else b"\xff" * 8
    path = tmp_path / "step-00000004.pt"
    path.write_bytes(bytes(blob))
    with pytest.raises(CorruptCheckpoint, match="fails its checksum"):
        load_checkpoint(path)
