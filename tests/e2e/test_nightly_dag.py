"""The nightly DAG through a real Airflow: the first night loads and refreshes the indicator
marts; a night with nothing new stops after ingest and says so in its manifest."""

from __future__ import annotations

import json
import time

import duckdb
import pytest

from caqes_demo.airflow_local import dags_test
from caqes_demo import generate_demo

pytestmark = pytest.mark.airflow


def _manifests(out):
    return [json.loads(p.read_text()) for p in sorted((out / "runs").glob("nightly-*/manifest.json"))]


def test_nightly_loads_then_does_nothing_when_nothing_is_new(tmp_path):
    landing, out = tmp_path / "landing", tmp_path / "out"
    generate_demo(landing, size="small", seed=2022)
    conf = {"landing": str(landing), "out": str(out), "as_of": "2025-03-01"}
    dags_test("caqes_nightly", conf, home=tmp_path / "airflow", logical_date="2025-03-01")

    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema='marts'").fetchall()}
    targeted = con.execute("SELECT count(*) FROM marts.fct_ciblage WHERE cible").fetchone()[0]
    loaded = con.execute("SELECT count(*) FROM meta.ledger WHERE status = 'loaded'").fetchone()[0]
    con.close()
    assert {"fct_indicateur", "fct_ciblage", "dim_etablissement", "fct_volet_propose"} <= tables
    assert "fct_score" not in tables, "the nightly run builds indicators and targeting only"
    assert targeted > 0 and loaded > 0
    [first] = _manifests(out)
    assert first["outcome"] == "success"

    # no as_of this time: the run acts on its logical date (Paris time), not on the wall clock
    started = time.monotonic()
    without_date = {k: v for k, v in conf.items() if k != "as_of"}
    dags_test("caqes_nightly", without_date, home=tmp_path / "airflow", logical_date="2025-03-02")
    second = [m for m in _manifests(out) if m["as_of"] == "2025-03-02"]
    assert [m["outcome"] for m in second] == ["nothing_new"]
    assert "transform" not in second[0]["timings_s"]
    assert time.monotonic() - started < 120
