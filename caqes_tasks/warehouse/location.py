"""Where the warehouse is: the one setting ``CAQES_WAREHOUSE``, read here and nowhere else.

- unset (default): the DuckDB file ``OUT/warehouse/caqes.duckdb``, one writer at a time (file lock);
- a PostgreSQL URL, ``postgresql://user[:password]@host[:port]/dbname``: every stage reads and
  writes that database (schemas ``raw``, ``meta``, ``staging``, ``intermediate``, ``marts``),
  so workers on several hosts share it; the stages keep their DuckDB SQL, run by an in-memory
  DuckDB that attaches the database (:mod:`caqes_tasks.warehouse.connection`).

A :class:`Warehouse` is a small value (kind, file or URL); the run context derives it from its
out dir (``RunContext.wh``), so the context passed between Airflow tasks stays plain JSON and
each worker reads the setting from its own environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ENV = "CAQES_WAREHOUSE"
DUCKDB = "duckdb"
POSTGRES = "postgres"
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg2")


class WarehouseError(RuntimeError):
    """The warehouse setting is wrong or the database does not answer (one line, in French)."""


@dataclass(frozen=True)
class Warehouse:
    kind: str  # DUCKDB or POSTGRES
    path: Path | None = None  # the DuckDB file (DUCKDB)
    url: str = ""  # the PostgreSQL URL (POSTGRES)

    @property
    def is_postgres(self) -> bool:
        return self.kind == POSTGRES

    @property
    def key(self) -> str:
        """What identifies this warehouse among the locks a process holds."""
        return str(self.path.absolute()) if self.path is not None else self.url

    def describe(self) -> str:
        """The warehouse for a message (no password)."""
        if not self.is_postgres:
            return str(self.path)
        p = pg_params(self.url)
        return f"PostgreSQL {p['user']}@{p['host']}:{p['port']}/{p['dbname']}"

    def exists(self) -> bool:
        """Whether a warehouse is there (the file; a PostgreSQL database with ``meta.runs``)."""
        if not self.is_postgres:
            return self.path.exists()
        conn = pg_connection(self)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('meta.runs') IS NOT NULL")
                return bool(cur.fetchone()[0])
        finally:
            conn.close()


def duckdb_file(out: Path) -> Path:
    """The DuckDB warehouse file of ``out`` (the default warehouse; also dbt's build copy)."""
    return Path(out) / "warehouse" / "caqes.duckdb"


def warehouse_for(out: Path, setting: str | None = None) -> Warehouse:
    """The warehouse of the out dir ``out``: ``CAQES_WAREHOUSE`` (or ``setting``) when it names
    a PostgreSQL database, else the DuckDB file. A setting that is no PostgreSQL URL is refused."""
    value = (os.environ.get(ENV, "") if setting is None else setting).strip()
    if not value:
        return Warehouse(DUCKDB, path=duckdb_file(out))
    pg_params(value)  # refuses a malformed URL with one line
    return Warehouse(POSTGRES, url=value)


def as_warehouse(wh: Warehouse | Path | str) -> Warehouse:
    """A Warehouse from a Warehouse or a DuckDB file path (the callers that name a file)."""
    if isinstance(wh, Warehouse):
        return wh
    return Warehouse(DUCKDB, path=Path(wh))


def pg_params(url: str) -> dict[str, str]:
    """host, port, user, password, dbname of a PostgreSQL URL; WarehouseError when malformed."""
    shown = url.split("@")[-1] if "@" in url else url
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in _SCHEMES or not parts.hostname or not parts.path.strip("/"):
        raise WarehouseError(
            f"{ENV} invalide : « …{shown} » ; attendu une URL PostgreSQL "
            "postgresql://utilisateur@hôte:5432/base, ou rien pour l'entrepôt DuckDB"
        )
    return {
        "host": parts.hostname,
        "port": str(port),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": unquote(parts.path.strip("/")),
    }


def libpq(url: str) -> str:
    """The libpq connection string of ``url`` (what DuckDB's ATTACH takes)."""
    p = pg_params(url)
    words = [f"{k}={_quote(v)}" for k, v in p.items() if v]
    return " ".join(words)


def _quote(value: str) -> str:
    if value and not any(c in value for c in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_connection(wh: Warehouse, connect_timeout: int = 5):
    """A psycopg2 connection to the PostgreSQL warehouse (autocommit); WarehouseError with one
    line when it does not answer."""
    import psycopg2

    p = pg_params(wh.url)
    try:
        conn = psycopg2.connect(
            host=p["host"], port=int(p["port"]), user=p["user"], password=p["password"] or None,
            dbname=p["dbname"], connect_timeout=connect_timeout, application_name="caqes",
        )
    except psycopg2.Error as exc:
        cause = " ".join(str(exc).split())
        raise WarehouseError(f"l'entrepôt {wh.describe()} ne répond pas ({cause}) ; vérifiez {ENV}") from None
    conn.autocommit = True
    return conn


def dbt_env(wh: Warehouse) -> dict[str, str]:
    """The variables ``dbt_project/profiles.yml`` reads for the ``postgres`` target."""
    p = pg_params(wh.url)
    return {
        "CAQES_PG_HOST": p["host"], "CAQES_PG_PORT": p["port"], "CAQES_PG_USER": p["user"],
        "CAQES_PG_PASSWORD": p["password"], "CAQES_PG_DBNAME": p["dbname"], "CAQES_PG_SCHEMA": "public",
    }
