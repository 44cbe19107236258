"""In an existing Airflow, the CAQES_* run settings may be Airflow Variables."""

from __future__ import annotations

from caqes_tasks.orchestration import _setting


def test_param_then_environment_then_airflow_variable_then_default(monkeypatch):
    for name in ("CAQES_OUT", "AIRFLOW_VAR_CAQES_OUT"):
        monkeypatch.delenv(name, raising=False)
    assert _setting({}, "out", "CAQES_OUT", "var/out") == "var/out"
    # an Airflow Variable, here from Airflow's environment-variables secrets backend
    monkeypatch.setenv("AIRFLOW_VAR_CAQES_OUT", "/srv/caqes/variable")
    assert _setting({}, "out", "CAQES_OUT", "var/out") == "/srv/caqes/variable"
    monkeypatch.setenv("CAQES_OUT", "/srv/caqes/env")
    assert _setting({}, "out", "CAQES_OUT", "var/out") == "/srv/caqes/env"
    assert _setting({"out": "/srv/caqes/param"}, "out", "CAQES_OUT", "var/out") == "/srv/caqes/param"
