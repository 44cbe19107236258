"""The caqes_semestriel DAG through a real Airflow (``airflow dags test``): the run of 1 March
2023 publishes the analyses of the second half of 2022 with their distribution list."""

from __future__ import annotations

import json

import pytest
from documents_fixtures import YEAR, pdf_text

from caqes_demo.airflow_local import dags_test
from caqes_tasks.pipeline import read_run_lock

pytestmark = pytest.mark.airflow


def test_semester_dag_publishes_the_second_half_year(evaluated, tmp_path):
    out = evaluated["out"]
    # no year nor half in the conf: 1 March 2023 analyses the second half of 2022
    conf = {"landing": str(evaluated["landing"]), "out": str(out), "as_of": "2023-03-01"}
    state = dags_test("caqes_semestriel", conf, home=tmp_path / "airflow", logical_date="2023-03-01")
    assert state in ("success", "unknown")
    folder = out / "analyses" / f"{YEAR}-S2"
    pdfs = sorted(folder.glob("*/analyse_semestrielle.pdf"))
    assert pdfs
    assert "second semestre (juillet à décembre) 2022" in pdf_text(pdfs[0])
    payload = json.loads((folder / "distribution.json").read_text(encoding="utf-8"))
    assert payload["semestre"] == "S2" and len(payload["envois"]) == 4 * len(pdfs)
    assert read_run_lock(out) is None, "the run lock is released when the task ends"
