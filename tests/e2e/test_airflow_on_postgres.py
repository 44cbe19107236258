"""Scale-out path: the same nightly DAG with Airflow's metadata on PostgreSQL instead of SQLite.

Runs when a PostgreSQL server answers at 127.0.0.1:5432 (trust auth); a database is created for
the test and dropped after. Skips with the reason otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from caqes_demo.airflow_local import dags_test
from caqes_demo import generate_demo

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from local_services import postgres_database  # noqa: E402


@pytest.fixture
def metadata_db():
    with postgres_database("caqes_airflow") as url:
        yield url


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
