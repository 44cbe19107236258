"""What the Airflow finalize task does with a run's outcome: record it, release the out dir's
run lock, then fail the task (so the DAG run is failed) for a blocked year, a night whose new
files were all quarantined, or a failed run. Without Airflow: the DAG runs these functions."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb
import pytest

from caqes_tasks.orchestration import context_from_airflow, finalize_run, outcome_of
from caqes_tasks.pipeline import AllQuarantined, YearBlocked, read_run_lock


@pytest.fixture(autouse=True)
def _settings(monkeypatch):
    monkeypatch.setenv("CAQES_MIN_FREE_MB", "1")
    monkeypatch.delenv("CAQES_AS_OF", raising=False)


def _prepared(tmp_path, kind: str):
    landing = tmp_path / "landing"
    (landing / "phev").mkdir(parents=True, exist_ok=True)
    context = {
        "params": {"landing": str(landing), "out": str(tmp_path / "out"), "year": 2024},
        "logical_date": datetime(2025, 4, 15, 4, 0, tzinfo=timezone.utc),
        "run_id": f"scheduled__{kind}",
    }
    return context_from_airflow(context, kind=kind)


def _ingest_record(ctx, result: dict) -> None:
    (ctx.run_dir / "stages" / "ingest.json").write_text(json.dumps({"stage": "ingest", "seconds": 1.0, "result": result}))


def _status(ctx) -> list[str]:
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return [s for (s,) in con.execute("SELECT status FROM meta.runs WHERE run_id = ?", [ctx.run_id]).fetchall()]
    finally:
        con.close()


def test_a_blocked_year_fails_the_dag_run_after_recording_it(tmp_path):
    ctx = _prepared(tmp_path, "annual")
    reasons = ["phev/phev_2024.csv : 1 contrôle(s) en échec"]
    _ingest_record(ctx, {"new_files": 1, "quarantined": ["phev/phev_2024.csv"],
                         "years": {"2024": {"status": "blocked", "reasons": reasons}}})
    assert outcome_of(ctx, last_stage="report") == "blocked"
    with pytest.raises(YearBlocked) as failed:
        finalize_run(ctx.to_dict(), last_stage="report")
    message = str(failed.value)
    assert "\n" not in message
    assert "année 2024 bloquée" in message and reasons[0] in message and "résultats publiés conservés" in message
    assert json.loads((ctx.run_dir / "manifest.json").read_text())["outcome"] == "blocked"
    assert _status(ctx) == ["blocked"]
    assert read_run_lock(ctx.out) is None


def test_a_night_that_quarantined_every_new_file_fails(tmp_path):
    ctx = _prepared(tmp_path, "nightly")
    _ingest_record(ctx, {"new_files": 2, "quarantined": ["phev/a.csv", "regional/b.csv"],
                         "years": {"2024": {"status": "blocked", "reasons": ["x"]}}})
    with pytest.raises(AllQuarantined, match="les 2 nouveaux fichiers ont tous été mis en quarantaine"):
        finalize_run(ctx.to_dict(), last_stage="transform")
    assert json.loads((ctx.run_dir / "manifest.json").read_text())["outcome"] == "quarantined"
    assert _status(ctx) == ["quarantined"]
    assert read_run_lock(ctx.out) is None


def test_a_night_with_some_files_loaded_or_nothing_new_succeeds(tmp_path):
    ctx = _prepared(tmp_path, "nightly")
    _ingest_record(ctx, {"new_files": 0, "quarantined": [], "years": {}})
    assert finalize_run(ctx.to_dict(), last_stage="transform").endswith("manifest.json")
    assert _status(ctx) == ["nothing_new"]
    ctx = _prepared(tmp_path, "nightly")
    _ingest_record(ctx, {"new_files": 2, "quarantined": ["phev/a.csv"], "years": {}})
    (ctx.run_dir / "stages" / "transform.json").write_text(json.dumps({"stage": "transform", "seconds": 1, "result": {}}))
    finalize_run(ctx.to_dict(), last_stage="transform")
    assert _status(ctx)[-1] == "success"


def test_the_local_airflow_runner_shows_why_a_run_failed():
    from caqes_demo.airflow_local import _FAILURE

    line = ("2025-04-15T04:00:00.000000Z [error    ] caqes run failed: année 2024 bloquée : phev/x.csv en "
            "quarantaine ; résultats publiés conservés [caqes] loc=orchestration.py:125")
    assert _FAILURE.search(line).group(1) == "année 2024 bloquée : phev/x.csv en quarantaine ; résultats publiés conservés"
