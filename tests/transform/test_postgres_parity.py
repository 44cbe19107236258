"""The same raw tables in PostgreSQL give the same marts as DuckDB, row for row, decimals exactly.

Runs when a PostgreSQL server answers at 127.0.0.1:5432 (database `test`, user `postgres` or
`root`, or CAQES_PG_* from the environment). Each run uses its own schema, dropped afterwards
(CAQES_SANDBOX_SCHEMA: every dbt layer and the raw sources in that schema).
"""

from __future__ import annotations

import os
import uuid

import duckdb
import pytest

from caqes_tasks.transform.runner import MARTS, run_dbt, summarize
from caqes_tasks.warehouse.schema import OUTCOME_TABLES

pytestmark = pytest.mark.postgres

PG_HOST = os.environ.get("CAQES_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CAQES_PG_PORT", "5432"))
PG_DB = os.environ.get("CAQES_PG_DBNAME", "test")

def _connect():
    try:
        import psycopg2
    except ImportError as exc:  # pragma: no cover
        pytest.skip(f"psycopg2 is not installed: {exc}")
    users = [os.environ["CAQES_PG_USER"]] if os.environ.get("CAQES_PG_USER") else ["postgres", "root"]
    errors = []
    for user in users:
        try:
            conn = psycopg2.connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=user,
                password=os.environ.get("CAQES_PG_PASSWORD", ""), connect_timeout=3,
            )
            conn.autocommit = True
            return conn, user
        except Exception as exc:  # noqa: BLE001 - reported in the skip reason
            errors.append(f"{user}: {str(exc).strip()}")
    pytest.skip(f"no PostgreSQL server answers at {PG_HOST}:{PG_PORT}/{PG_DB} ({'; '.join(errors)})")


@pytest.fixture
def pg_schema():
    conn, user = _connect()
    schema = f"caqes_parity_{uuid.uuid4().hex[:10]}"
    with conn.cursor() as cur:
        cur.execute(f'create schema "{schema}"')
    try:
        yield conn, user, schema
    finally:
        with conn.cursor() as cur:
            cur.execute(f'drop schema if exists "{schema}" cascade')
        conn.close()


def _rows(cursor_rows):
    return sorted(cursor_rows, key=lambda row: tuple((v is None, str(v)) for v in row))


def test_postgres_marts_match_duckdb(built, pg_schema, tmp_path):
    ctx, _ = built
    conn, user, schema = pg_schema
    from psycopg2.extras import execute_values

    # 1. the same raw tables (columns and types as the DuckDB warehouse has them, in its order),
    #    (the phev_lines feed as aggregated at ingest: raw.phev_lines_agg)
    duck = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        with conn.cursor() as cur:
            raw_tables = [r[0] for r in duck.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by table_name"
            ).fetchall()]
            for name in raw_tables:
                ddl = ", ".join(f"{col} {typ}" for col, typ, *_ in duck.execute(f"describe raw.{name}").fetchall())
                cur.execute(f'create table "{schema}".{name} ({ddl})')
                rows = duck.execute(f"select * from raw.{name}").fetchall()
                if rows:
                    execute_values(cur, f'insert into "{schema}".{name} values %s', rows)
            # the outcome tables (empty here), tested by dbt as the sources of outcomes.yml
            for name in OUTCOME_TABLES:
                ddl = ", ".join(f"{col} {typ}" for col, typ, *_ in duck.execute(f"describe marts.{name}").fetchall())
                cur.execute(f'create table "{schema}".{name} ({ddl})')
        duck_marts = {
            m: (
                [d[0] for d in duck.execute(f"select * from marts.{m} limit 0").description],
                _rows(duck.execute(f"select * from marts.{m}").fetchall()),
            )
            for m in MARTS
        }
    finally:
        duck.close()

    # 2. dbt build --target postgres in the sandbox schema
    env = {"CAQES_SANDBOX_SCHEMA": schema, "CAQES_PG_SCHEMA": schema, "CAQES_PG_USER": user,
           "CAQES_PG_HOST": PG_HOST, "CAQES_PG_PORT": str(PG_PORT), "CAQES_PG_DBNAME": PG_DB}
    result = run_dbt(["build"], work_dir=tmp_path / "dbt", target="postgres",
                     dbt_vars={"year": ctx.year}, env=env)
    summary = summarize(result)
    assert result.success, summary["messages"] or result.exception
    assert summary["tests_failed"] == 0

    # 3. every mart, row for row
    with conn.cursor() as cur:
        for mart in MARTS:
            cur.execute(f'select * from "{schema}".{mart}')
            pg_cols = [d[0] for d in cur.description]
            pg_rows = _rows(cur.fetchall())
            duck_cols, duck_rows = duck_marts[mart]
            assert pg_cols == duck_cols, mart
            assert len(pg_rows) == len(duck_rows) and len(pg_rows) > 0, mart
            for pg_row, duck_row in zip(pg_rows, duck_rows):
                assert pg_row == duck_row, (mart, pg_row, duck_row)
                # decimals exactly: same digits, same scale
                assert [str(v) for v in pg_row] == [str(v) for v in duck_row], (mart, pg_row, duck_row)
