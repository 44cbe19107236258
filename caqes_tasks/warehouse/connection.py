"""Connections to the DuckDB warehouse.

DuckDB allows one writing process per file: every writer takes an exclusive lock on
``<warehouse>.lock`` first, so a nightly and an annual run never write at the same time.
dbt is run inside the same lock, after our own connection is closed.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


@contextmanager
def writer_lock(warehouse: Path, timeout_s: float = 1800) -> Iterator[None]:
    """Hold the single-writer lock of ``warehouse`` (blocking, bounded)."""
    import time

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_suffix(warehouse.suffix + ".lock")
    with open(lock_path, "w") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"warehouse {warehouse} is locked by another writer") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def connect(warehouse: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; writers must hold ``writer_lock`` (stages do)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=read_only)
    try:
        yield con
    finally:
        con.close()
