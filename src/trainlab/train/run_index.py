"""The run index: every run of a runs root in one SQLite file (``ROOT/index.sqlite``).

One row per run: ``id``, ``name``, ``kind`` (``train``, ``experiment``, ...), its
``config`` (JSON), ``status`` (``running``, ``completed``, ``failed``,
``interrupted``), start and end times (Unix seconds), its final ``metrics`` (JSON),
its ``folder`` and the ``pid``/``host`` of the process that ran it.

Safe for several writers at once (two trainings in two processes): the database
is in WAL mode, every operation opens its own connection with a busy timeout and
writes in one short ``BEGIN IMMEDIATE`` transaction, so writers queue instead of
failing or corrupting the file. A run whose process died without saying so
(``kill -9``, a power cut) stays ``running`` in the file; it *reads* as
``interrupted`` once its process is gone (same host, pid no longer alive).

A database that is not a database any more (overwritten, garbled) is copied to
``index.sqlite.corrupt-TIME`` and replaced by one rebuilt from the run folders
under the root (``rebuild_from_folders``), with a message to ``notify``; when
several processes find it damaged at once, one rebuilds and the others wait.

``record_run`` is the one call a command needs: it adds the row as ``running``,
and marks it ``completed`` (with the metrics the caller set), ``interrupted``
(Ctrl-C) or ``failed`` (any other exception, re-raised) when its block ends.

Example:
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> with record_run(root, "demo", "experiment", {"lr": 0.1}, root + "/demo") as run:
    ...     run.metrics["val_loss"] = 0.25
    >>> [(r.name, r.status, r.metrics) for r in RunIndex(root).runs()]
    [('demo', 'completed', {'val_loss': 0.25})]
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = ["INDEX_FILE", "RUNS_ROOT_ENV", "STATUSES", "IndexedRun", "RecordedRun", "RunIndex", "UnknownRun",
           "record_run", "runs_root"]

INDEX_FILE = "index.sqlite"
RUNS_ROOT_ENV = "TRAINLAB_RUNS"  # overrides the runs root of every recorded run
STATUSES = ("running", "completed", "failed", "interrupted")
BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL, kind TEXT NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,
    started REAL NOT NULL, ended REAL, metrics TEXT NOT NULL DEFAULT '{}', folder TEXT NOT NULL,
    pid INTEGER, host TEXT, message TEXT NOT NULL DEFAULT ''
)"""
_COLUMNS = "id, name, kind, config, status, started, ended, metrics, folder, pid, host, message"


@contextmanager
def _exclusive(path: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a file made for it) for the block; a no-op without ``fcntl``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class UnknownRun(LookupError):
    """A run id that the index does not hold."""

    def __init__(self, run_id: object, path: str, known: list[int]) -> None:
        self.run_id, self.path = run_id, path
        have = f"it holds ids {_span(known)}" if known else "it holds no runs yet"
        super().__init__(f"Unknown run id {run_id!r} in {path}: {have} (see `trainlab runs list`).")


def _span(ids: list[int]) -> str:
    if len(ids) <= 10:
        return ", ".join(map(str, ids))
    return f"{', '.join(map(str, ids[:5]))}, ... {ids[-1]} ({len(ids)} runs)"


def runs_root(folder: str, default: str | None = None) -> str:
    """The runs root of a run ``folder``: ``$TRAINLAB_RUNS`` if set, else ``default``, else the folder's parent."""
    configured = os.environ.get(RUNS_ROOT_ENV)
    if configured:
        return configured
    if default is not None:
        return default
    return os.path.dirname(os.path.abspath(folder))


def _alive(pid: int | None, host: str | None) -> bool:
    """Whether the process that wrote a ``running`` row may still be running (other hosts: assume so)."""
    if pid is None or host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _json_safe(value: Any) -> Any:
    """Plain JSON: non-finite floats as strings, unknown objects by ``str``."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@dataclass(frozen=True)
class IndexedRun:
    """One row of the index, as read (``status`` already says ``interrupted`` for a dead ``running`` run)."""

    id: int
    name: str
    kind: str
    config: dict[str, Any]
    status: str
    started: float
    ended: float | None
    metrics: dict[str, Any]
    folder: str
    pid: int | None = None
    host: str | None = None
    message: str = ""

    @classmethod
    def from_row(cls, row: tuple) -> IndexedRun:
        run = cls(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], json.loads(row[7]),
                  row[8], row[9], row[10], row[11])
        if run.status == "running" and not _alive(run.pid, run.host):
            return cls(**{**run.__dict__, "status": "interrupted",
                          "message": run.message or "its process ended without finishing the run"})
        return run


class RunIndex:
    """The index of the runs root ``root`` (``root/index.sqlite``, made on first write).

    ``notify`` receives the message of a rebuild after corruption (default: a warning on stderr).
    """

    def __init__(self, root: str | os.PathLike[str], notify: Callable[[str], None] | None = None) -> None:
        self.root = os.fspath(root)
        self.path = os.path.join(self.root, INDEX_FILE)
        self.notify = notify or (lambda text: print(f"warning: {text}", file=__import__("sys").stderr))

    @contextmanager
    def _connect(self, write: bool) -> Iterator[sqlite3.Connection]:
        if write:
            os.makedirs(self.root, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if write:
                if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    con.execute("PRAGMA journal_mode = WAL")
                con.execute(_SCHEMA)
                con.execute("BEGIN IMMEDIATE")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            else:
                yield con
        finally:
            con.close()

    def _run(self, write: bool, action: Callable[[sqlite3.Connection], Any]) -> Any:
        """``action`` in one connection; a corrupt file is kept aside, rebuilt, and ``action`` retried once."""
        if not write and not os.path.isfile(self.path):
            return action(None)
        try:
            with self._connect(write) as con:
                return action(con)
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError) and "not a database" not in str(err):
                raise  # locked for longer than the timeout, read-only disk...: not corruption
            self._recover(err)
            with self._connect(write) as con:
                return action(con)

    def _readable(self) -> bool:
        try:
            with self._connect(write=False) as con:
                return con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError:
            return False

    def _recover(self, err: Exception) -> None:
        """Move the damaged file aside and rebuild it, once: processes that find it together take turns."""
        with _exclusive(self.path + ".rebuild-lock"):
            if self._readable():  # another process rebuilt it while this one waited
                return
            aside = f"{self.path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            for suffix in ("", "-wal", "-shm"):  # kept for inspection; the file stays until replaced
                if os.path.exists(self.path + suffix):
                    shutil.copyfile(self.path + suffix, aside + suffix)
            count = self.rebuild_from_folders()
        self.notify(f"the run index {self.path} was damaged ({err}); kept a copy as {aside} and rebuilt it from "
                    f"the run folders under {self.root}: {count} run{'s' * (count != 1)} found.")

    def rebuild_from_folders(self) -> int:
        """Replace the index by one of every run folder under the root (``trainlab.train.run_scan``).

        Built in a temporary file and moved into place in one step, so a reader sees
        the old file or the whole new one. Returns how many runs it found.
        """
        from trainlab.train.run_scan import scan_runs

        found = scan_runs(self.root)
        temporary = f"{self.path}.rebuild-{os.getpid()}"
        con = sqlite3.connect(temporary, isolation_level=None)
        try:
            con.execute(_SCHEMA)
            con.execute("BEGIN")
            for run in found:
                con.execute("INSERT INTO runs (name, kind, config, status, started, ended, metrics, folder, message)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (run.name, run.kind, json.dumps(_json_safe(run.config)), run.status, run.started,
                             run.ended, json.dumps(_json_safe(run.metrics)), run.folder, "rebuilt from its folder"))
            con.execute("COMMIT")
        finally:
            con.close()
        for suffix in ("-wal", "-shm"):  # the damaged file's log would be replayed into the new one
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)
        os.replace(temporary, self.path)
        return len(found)

    def begin(self, name: str, kind: str, config: dict[str, Any], folder: str) -> int:
        """Add a ``running`` row for this process; return its id."""
        row = (name, kind, json.dumps(_json_safe(config)), "running", time.time(), os.path.abspath(folder),
               os.getpid(), socket.gethostname())
        return self._run(True, lambda con: con.execute(
            "INSERT INTO runs (name, kind, config, status, started, folder, pid, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            row).lastrowid)

    def finish(self, run_id: int, status: str, metrics: dict[str, Any] | None = None, message: str = "") -> None:
        """Mark run ``run_id`` ``status`` (completed, failed, interrupted) with its final ``metrics``."""
        if status not in STATUSES[1:]:
            raise ValueError(f"The 'status' parameter of RunIndex.finish must be one of {STATUSES[1:]}. "
                             f"Got {status!r} instead.")
        values = (status, time.time(), json.dumps(_json_safe(metrics or {})), message, run_id)
        self._run(True, lambda con: con.execute(
            "UPDATE runs SET status = ?, ended = ?, metrics = ?, message = ? WHERE id = ?", values))

    def forget(self, run_id: int) -> None:
        """Remove run ``run_id`` (a run refused before its folder existed)."""
        self._run(True, lambda con: con.execute("DELETE FROM runs WHERE id = ?", (run_id,)))

    def _select(self, con: sqlite3.Connection | None, where: str = "", args: tuple = ()) -> list[IndexedRun]:
        if con is None:
            return []
        try:
            rows = con.execute(f"SELECT {_COLUMNS} FROM runs {where} ORDER BY id", args).fetchall()
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):  # made by a writer that has not created the table yet
                return []
            raise
        return [IndexedRun.from_row(r) for r in rows]

    def runs(self, name: str | None = None, status: str | None = None) -> list[IndexedRun]:
        """Every run, oldest first; ``name`` keeps names containing it, ``status`` one status."""
        found = self._run(False, self._select)
        if name is not None:
            found = [r for r in found if name.lower() in r.name.lower()]
        if status is not None:
            found = [r for r in found if r.status == status]
        return found

    def get(self, run_id: int | str) -> IndexedRun:
        """Run ``run_id``; ``UnknownRun`` naming the ids there are."""
        try:
            key = int(run_id)
        except (TypeError, ValueError):
            key = None
        found = [] if key is None else self._run(False, lambda con: self._select(con, "WHERE id = ?", (key,)))
        if not found:
            raise UnknownRun(run_id, self.path, [r.id for r in self.runs()])
        return found[0]


@dataclass
class RecordedRun:
    """The handle ``record_run`` yields: its ``id`` and the ``metrics`` to store when the block ends."""

    id: int
    index: RunIndex
    metrics: dict[str, Any] = field(default_factory=dict)


@contextmanager
def record_run(root: str | os.PathLike[str], name: str, kind: str, config: dict[str, Any], folder: str,
               notify: Callable[[str], None] | None = None,
               refused: tuple[type[BaseException], ...] = ()) -> Iterator[RecordedRun]:
    """Record the run of the ``with`` block in ``root``'s index: running, then completed/interrupted/failed.

    Set ``handle.metrics`` inside the block. A run whose block fails before
    ``folder`` exists (refused options), or with one of the ``refused``
    exceptions (e.g. the folder is another process's), leaves no row. The index
    never stops a run: if it cannot be written (read-only root), ``notify`` says
    so and the block runs unrecorded.
    """
    index = RunIndex(root, notify)
    try:
        run_id = index.begin(name, kind, config, folder)
    except (OSError, sqlite3.Error) as err:
        index.notify(f"could not record the run in {index.path} ({err}); it runs unrecorded.")
        yield RecordedRun(-1, index)
        return
    handle = RecordedRun(run_id, index)
    try:
        yield handle
    except KeyboardInterrupt:
        index.finish(run_id, "interrupted", handle.metrics, "stopped by Ctrl-C or kill")
        raise
    except BaseException as err:
        if not os.path.isdir(folder) or isinstance(err, refused):
            index.forget(run_id)
        else:
            index.finish(run_id, "failed", handle.metrics, f"{type(err).__name__}: {err}")
        raise
    index.finish(run_id, "completed", handle.metrics)
