"""Connections to the DuckDB warehouse.

DuckDB allows one writing process per file, and a process that has the file open read-only
stops any other process from opening it for writing (and the other way round). Every access
therefore goes through one file lock, ``<warehouse>.lock``:

- a writer holds it exclusively (:func:`writer_lock`), so a nightly and an annual run never
  write at the same time; dbt is run inside the same lock, after our own connection is closed;
- a reader (``connect(..., read_only=True)``: notices, feeds, report, ``caqes report``) holds it
  shared for as long as its connection is open: readers wait for the writer to finish instead of
  dying on DuckDB's own lock, and several readers may read at once.

A process that already holds the writer lock may open read-only connections inside it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

#: how long a writer or a reader waits for the warehouse before giving up (seconds)
DEFAULT_TIMEOUT_S = 1800

# warehouse lock file -> how many writer_lock / reader_lock blocks of this process hold it
_HELD: dict[str, int] = {}
_SHARED: dict[str, int] = {}
_HELD_GUARD = threading.Lock()


class WarehouseBusy(TimeoutError):
    """The warehouse stayed locked by another process for the whole wait."""


def lock_path(warehouse: Path) -> Path:
    """The file whose lock guards ``warehouse``."""
    return warehouse.with_suffix(warehouse.suffix + ".lock")


def _timeout(default: float | None) -> float:
    if default is not None:
        return default
    return float(os.environ.get("CAQES_WAREHOUSE_WAIT", DEFAULT_TIMEOUT_S))


@contextmanager
def _flock(path: Path, exclusive: bool, timeout_s: float, what: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"l'entrepôt {path.with_suffix('')} est resté verrouillé par un autre processus "
                        f"pendant {timeout_s:.0f} s ({what})"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _counted(holders: dict[str, int], key: str) -> Iterator[None]:
    """Count one more holder of ``key``'s lock in this process (``holders``: _HELD or _SHARED)."""
    with _HELD_GUARD:
        holders[key] = holders.get(key, 0) + 1
    try:
        yield
    finally:
        with _HELD_GUARD:
            holders[key] -= 1


@contextmanager
def writer_lock(warehouse: Path, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the single-writer lock of ``warehouse`` (blocking, bounded; reentrant in a process)."""
    key = str(lock_path(warehouse).absolute())
    with _HELD_GUARD:
        nested = _HELD.get(key, 0) > 0
        if nested:
            _HELD[key] += 1
    if nested:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    with _HELD_GUARD:
        reading = _SHARED.get(key, 0) > 0
    if reading:  # its own shared lock would make it wait for itself until the timeout
        raise RuntimeError(f"writer_lock({warehouse}) demandé alors que ce processus lit l'entrepôt : fermez d'abord la connexion en lecture")
    with _flock(lock_path(warehouse), True, _timeout(timeout_s), "écriture"), _counted(_HELD, key):
        yield


def holds_writer_lock(warehouse: Path) -> bool:
    """Whether this process holds the writer lock of ``warehouse``."""
    with _HELD_GUARD:
        return _HELD.get(str(lock_path(warehouse).absolute()), 0) > 0


@contextmanager
def reader_lock(warehouse: Path, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the warehouse's lock shared: no writer of another process while it is held."""
    if holds_writer_lock(warehouse):
        yield
        return
    key = str(lock_path(warehouse).absolute())
    with _flock(lock_path(warehouse), False, _timeout(timeout_s), "lecture"), _counted(_SHARED, key):
        yield


@contextmanager
def connect(
    warehouse: Path, read_only: bool = False, timeout_s: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse. Writers must hold ``writer_lock`` (stages do); a read-only
    connection holds the lock shared for its whole life (see the module docstring)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if read_only:
        with reader_lock(warehouse, timeout_s):
            con = duckdb.connect(str(warehouse), read_only=True)
            try:
                yield con
            finally:
                con.close()
        return
    con = duckdb.connect(str(warehouse), read_only=read_only)
    try:
        yield con
    finally:
        con.close()
