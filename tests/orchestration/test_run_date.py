"""A DAG run acts on its own date: the logical date in Paris time, never the wall clock."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from caqes_tasks.orchestration import context_from_airflow, run_date


def test_logical_date_is_read_in_paris_time():
    # 23:30 UTC on 31 December is already 1 January in Paris
    assert run_date({"logical_date": datetime(2024, 12, 31, 23, 30, tzinfo=timezone.utc)}) == date(2025, 1, 1)
    assert run_date({"logical_date": datetime(2024, 4, 15, 4, 0, tzinfo=timezone.utc)}) == date(2024, 4, 15)


def test_a_run_without_logical_date_acts_on_its_run_after():
    dag_run = SimpleNamespace(logical_date=None, run_after=datetime(2025, 7, 1, 10, 0, tzinfo=timezone.utc))
    assert run_date({"logical_date": None, "dag_run": dag_run}) == date(2025, 7, 1)


def test_a_run_without_any_date_is_refused():
    with pytest.raises(ValueError, match="logical date"):
        run_date({})
    with pytest.raises(ValueError, match="time zone"):
        run_date({"logical_date": datetime(2025, 4, 15)})


def test_as_of_and_year_default_to_the_logical_date(tmp_path, monkeypatch):
    monkeypatch.delenv("CAQES_AS_OF", raising=False)
    landing = tmp_path / "landing"
    (landing / "phev").mkdir(parents=True)
    context = {
        "params": {"landing": str(landing), "out": str(tmp_path / "out")},
        "logical_date": datetime(2024, 4, 15, 4, 0, tzinfo=timezone.utc),
        "run_id": "scheduled__2024-04-15",
    }
    first = context_from_airflow(context, kind="annual")
    assert (first.year, first.as_of) == (2023, "2024-04-15")
    # the same logical run prepared again (a retry, a day later) is the same run
    again = context_from_airflow(context, kind="annual")
    assert again.run_id == first.run_id
    explicit = context_from_airflow({**context, "params": {**context["params"], "as_of": "2024-07-01"}}, kind="annual")
    assert explicit.as_of == "2024-07-01" and explicit.run_id != first.run_id
