"""Connections to the warehouse, and its single-writer rule.

**DuckDB file** (default). DuckDB allows one writing process per file, and a process that has
the file open read-only stops any other process from opening it for writing (and the other way
round). Every access therefore goes through one file lock, ``<warehouse>.lock``:

- a writer holds it exclusively (:func:`writer_lock`), so a nightly and an annual run never
  write at the same time; dbt is run inside the same lock, after our own connection is closed;
- a reader (``connect(..., read_only=True)``: notices, feeds, report, ``caqes report``) holds it
  shared for as long as its connection is open: readers wait for the writer to finish instead of
  dying on DuckDB's own lock, and several readers may read at once.

A process that already holds the writer lock may open read-only connections inside it.

**PostgreSQL** (``CAQES_WAREHOUSE``, :mod:`caqes_tasks.warehouse.location`). ``connect`` gives an
in-memory DuckDB that attaches the database (the PostgreSQL extension shipped by the
``duckdb-extension-postgres-scanner`` wheel, loaded from its file) and uses it as its default
catalog: the stages run the same SQL on both warehouses. The writer lock is a session advisory
lock held on a connection of its own for the block's duration (PostgreSQL releases it if the
process dies), in the namespace :data:`ADVISORY_NAMESPACE`:

- a warehouse-wide writer (ingest, transform, the run records) takes key 0 exclusive;
- the outcomes of campaign year N take key 0 shared and key N exclusive: two workers never
  write the same year at once, two different years may;
- readers take no lock: a read-only connection reads in one transaction (the attachment's
  REPEATABLE READ), so all its queries see one committed state, and the transform switches its
  schemas in one transaction (:mod:`caqes_tasks.transform.runner`).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from caqes_tasks.warehouse.location import Warehouse, WarehouseError, as_warehouse, libpq, pg_connection

#: how long a writer or a reader waits for the warehouse before giving up (seconds)
DEFAULT_TIMEOUT_S = 1800

#: first key of every advisory lock the pipeline takes (crc32 of "caqes-warehouse", as int4)
ADVISORY_NAMESPACE = zlib.crc32(b"caqes-warehouse") & 0x7FFFFFFF
#: the name the attached PostgreSQL database has in DuckDB (the DuckDB file's catalog is caqes too)
CATALOG = "caqes"

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


def _lock_key(wh: Warehouse, year: int | None = None) -> str:
    if not wh.is_postgres:
        return str(lock_path(wh.path).absolute())
    return f"{wh.key}#{year or 0}"


@contextmanager
def _advisory(wh: Warehouse, keys: list[tuple[int, bool]], timeout_s: float, what: str) -> Iterator[None]:
    """Hold the session advisory locks ``(ADVISORY_NAMESPACE, key)`` (exclusive or shared), in
    order, on a connection of their own; closing it releases them (PostgreSQL does it when the
    process dies)."""
    conn = pg_connection(wh)
    try:
        deadline = time.monotonic() + timeout_s
        with conn.cursor() as cur:
            for key, exclusive in keys:
                function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
                while True:
                    cur.execute(f"SELECT {function}(%s, %s)", (ADVISORY_NAMESPACE, key))
                    if cur.fetchone()[0]:
                        break
                    if time.monotonic() > deadline:
                        raise WarehouseBusy(
                            f"l'entrepôt {wh.describe()} est resté verrouillé par un autre processus "
                            f"pendant {timeout_s:.0f} s ({what})"
                        )
                    time.sleep(0.2)
        yield
    finally:
        conn.close()


@contextmanager
def writer_lock(warehouse: Warehouse | Path, timeout_s: float | None = None, year: int | None = None) -> Iterator[None]:
    """Hold the single-writer lock of ``warehouse`` (blocking, bounded; reentrant in a process).

    ``year``: the writer writes only that campaign year's rows (the outcomes): on PostgreSQL it
    excludes the writers of the same year and the warehouse-wide writers, not the other years'.
    The DuckDB file has one writer at a time whatever the year."""
    wh = as_warehouse(warehouse)
    if not wh.is_postgres:
        year = None
    key = _lock_key(wh, year)
    whole = _lock_key(wh)
    with _HELD_GUARD:
        nested = _HELD.get(key, 0) > 0 or _HELD.get(whole, 0) > 0
        if nested:
            _HELD[key] = _HELD.get(key, 0) + 1
        elif year is None and any(n > 0 for k, n in _HELD.items() if k.startswith(f"{wh.key}#")):
            raise RuntimeError(f"writer_lock({wh.describe()}) demandé alors que ce processus écrit une année : "
                               "terminez d'abord cette écriture")
    if nested:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    if wh.is_postgres:
        keys = [(0, True)] if year is None else [(0, False), (int(year), True)]
        what = "écriture" if year is None else f"écriture de l'année {year}"
        with _advisory(wh, keys, _timeout(timeout_s), what), _counted(_HELD, key):
            yield
        return
    with _HELD_GUARD:
        reading = _SHARED.get(key, 0) > 0
    if reading:  # its own shared lock would make it wait for itself until the timeout
        raise RuntimeError(f"writer_lock({wh.path}) demandé alors que ce processus lit l'entrepôt : fermez d'abord la connexion en lecture")
    with _flock(lock_path(wh.path), True, _timeout(timeout_s), "écriture"), _counted(_HELD, key):
        yield


def holds_writer_lock(warehouse: Warehouse | Path) -> bool:
    """Whether this process holds a writer lock of ``warehouse`` (any year)."""
    wh = as_warehouse(warehouse)
    with _HELD_GUARD:
        if not wh.is_postgres:
            return _HELD.get(_lock_key(wh), 0) > 0
        return any(n > 0 for k, n in _HELD.items() if k.startswith(f"{wh.key}#"))


@contextmanager
def reader_lock(warehouse: Warehouse | Path, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the DuckDB warehouse's lock shared: no writer of another process while it is held.
    Nothing to hold on PostgreSQL (its readers see committed data only)."""
    wh = as_warehouse(warehouse)
    if wh.is_postgres or holds_writer_lock(wh):
        yield
        return
    key = _lock_key(wh)
    with _flock(lock_path(wh.path), False, _timeout(timeout_s), "lecture"), _counted(_SHARED, key):
        yield


def postgres_extension() -> Path:
    """The PostgreSQL extension file the ``duckdb-extension-postgres-scanner`` wheel ships."""
    import duckdb_extension_postgres_scanner as ext

    found = sorted(Path(ext.__path__[0]).rglob("*.duckdb_extension"))
    if not found:  # pragma: no cover - broken installation
        raise WarehouseError("extension PostgreSQL de DuckDB introuvable (paquet duckdb-extension-postgres-scanner)")
    return found[0]


def attach_postgres(wh: Warehouse, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose default catalog is the PostgreSQL warehouse."""
    pg_connection(wh).close()  # one plain-French line when it does not answer
    con = duckdb.connect()
    try:
        con.execute(f"LOAD '{postgres_extension()}'")
        mode = ", READ_ONLY" if read_only else ""
        dsn = libpq(wh.url).replace("'", "''")  # a SQL string literal
        con.execute(f"ATTACH '{dsn}' AS {CATALOG} (TYPE postgres{mode})")
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def is_postgres(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s default catalog is an attached PostgreSQL warehouse."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row) and row[0] == "postgres"


def execute_native(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run ``sql`` as PostgreSQL itself reads it (DDL the attachment does not translate), then
    forget the attachment's cached catalog."""
    con.execute("CALL postgres_execute(current_database(), ?)", [sql])
    con.execute("CALL pg_clear_cache()")


@contextmanager
def connect(
    warehouse: Warehouse | Path, read_only: bool = False, timeout_s: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse. Writers must hold ``writer_lock`` (stages do); a read-only
    connection to the DuckDB file holds its lock shared for its whole life (module docstring)."""
    wh = as_warehouse(warehouse)
    if wh.is_postgres:
        con = attach_postgres(wh, read_only)
        try:
            if read_only:  # one snapshot for every query of the reader (REPEATABLE READ)
                con.execute("BEGIN TRANSACTION")
            yield con
        finally:
            con.close()
        return
    wh.path.parent.mkdir(parents=True, exist_ok=True)
    if read_only:
        with reader_lock(wh, timeout_s):
            con = duckdb.connect(str(wh.path), read_only=True)
            try:
                yield con
            finally:
                con.close()
        return
    con = duckdb.connect(str(wh.path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()
