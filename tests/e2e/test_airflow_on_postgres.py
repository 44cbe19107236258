"""Scale-out path: the same nightly DAG with Airflow's metadata on PostgreSQL instead of SQLite.

Runs when a PostgreSQL server answers at 127.0.0.1:5432 (trust auth); a database is created for
the test and dropped after. Skips with the reason otherwise.
"""

from __future__ import annotations

import os
import uuid

import duckdb
import pytest

from caqes_tasks.airflow_local import dags_test
from caqes_demo import generate_demo

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

HOST, PORT = os.environ.get("CAQES_PG_HOST", "127.0.0.1"), int(os.environ.get("CAQES_PG_PORT", "5432"))


@pytest.fixture
def metadata_db():
    psycopg2 = pytest.importorskip("psycopg2")
    errors = []
    for user in ("postgres", "root"):
        try:
            admin = psycopg2.connect(host=HOST, port=PORT, dbname="test", user=user, connect_timeout=3)
            break
        except Exception as exc:  # noqa: BLE001 - reported in the skip reason
            errors.append(f"{user}: {str(exc).strip()}")
    else:
        pytest.skip(f"no PostgreSQL server answers at {HOST}:{PORT} ({'; '.join(errors)})")
    admin.autocommit = True
    name = f"caqes_airflow_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg2://{user}@{HOST}:{PORT}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_nightly_dag_with_metadata_on_postgres(tmp_path, metadata_db, monkeypatch):
    monkeypatch.setenv("CAQES_AIRFLOW_DB", metadata_db)
    landing, out = tmp_path / "landing", tmp_path / "out"
    generate_demo(landing, size="small", seed=2022)
    state = dags_test(
        "caqes_nightly",
        {"landing": str(landing), "out": str(out), "as_of": "2025-03-01"},
        home=tmp_path / "airflow",
        logical_date="2025-03-01",
    )
    assert state == "success"
    assert not (tmp_path / "airflow" / "airflow.db").exists(), "no SQLite metadata was used"
    import psycopg2

    dsn = metadata_db.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT state FROM dag_run WHERE dag_id = 'caqes_nightly'")
        assert [r[0] for r in cur.fetchall()] == ["success"]
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.fct_ciblage WHERE cible").fetchone()[0] > 0
    con.close()
