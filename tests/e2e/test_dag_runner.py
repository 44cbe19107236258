"""Several DAG runs through one Airflow process (``caqes demo``): each is a real Airflow DAG run,
recorded in the metadata database with its tasks; a failed run says why in one line and the
next run goes on in the same process."""

from __future__ import annotations

import json
import sqlite3

import pytest

from caqes_demo import generate_demo
from caqes_demo.airflow_local import DagRunFailed
from caqes_demo.airflow_session import DagRunner

pytestmark = pytest.mark.airflow


def _dag_runs(home) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(home / "airflow.db")
    try:
        return con.execute(
            "SELECT dag_id, state, run_type FROM dag_run ORDER BY logical_date"
        ).fetchall()
    finally:
        con.close()


def _task_states(home, dag_id: str) -> set[str]:
    con = sqlite3.connect(home / "airflow.db")
    try:
        return {s for (s,) in con.execute("SELECT DISTINCT state FROM task_instance WHERE dag_id = ?", [dag_id])}
    finally:
        con.close()


def test_runs_in_one_process_are_real_dag_runs_and_a_failure_stops_only_its_run(tmp_path):
    landing, out, home = tmp_path / "landing", tmp_path / "out", tmp_path / "airflow"
    generate_demo(landing, size="small", seed=2022)
    conf = {"landing": str(landing), "out": str(out)}
    logs = home / "logs"
    with DagRunner(home) as runner:
        pid = runner.proc.pid
        first = runner.run("caqes_nightly", {**conf, "as_of": "2025-03-01"}, logical_date="2025-03-01",
                           log_file=logs / "first.log")
        with pytest.raises(DagRunFailed, match="2019") as failed:
            runner.run("caqes_annual", {**conf, "year": 2019}, logical_date="2025-03-02", log_file=logs / "failed.log")
        second = runner.run("caqes_nightly", conf, logical_date="2025-03-03", log_file=logs / "second.log")
        assert runner.proc.pid == pid and runner.proc.poll() is None, "one Airflow process for every run"

    assert (first, second) == ("success", "success")
    assert "\n" not in str(failed.value) and "failed.log" in str(failed.value)
    assert _dag_runs(home) == [
        ("caqes_nightly", "success", "manual"),
        ("caqes_annual", "failed", "manual"),
        ("caqes_nightly", "success", "manual"),
    ]
    assert _task_states(home, "caqes_nightly") <= {"success", "skipped"}
    for name, state in (("first", "success"), ("failed", "failed"), ("second", "success")):
        text = (logs / f"{name}.log").read_text()
        assert text.count("DagRun Finished") == 1 and f"state={state}" in text, name
    manifests = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("nightly-*/manifest.json"))]
    assert sorted(m["outcome"] for m in manifests) == ["nothing_new", "success"]
