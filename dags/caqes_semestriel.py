"""CAQES half-yearly analysis of prescriptions per EJ (contrat type, volet 1 art. 4).

Runs once a half-year's line-level data are closed: 1 September (S1 of the year) and 1 March
(S2 of the year before), 06:00 Paris time. Publishes the analyses and their distribution list
(commission médicale, OMéDIT, ARS, CPAM) under ``OUT/analyses/<N>-S<h>/``, holding the out dir's
run lock. Params ``year`` and ``half`` override the half-year; ``landing``, ``out``, ``as_of``,
``referentiel`` as for the other DAGs. Wiring only: the task calls
``caqes_tasks.orchestration.run_semester_from_airflow``.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from caqes_tasks.orchestration import SEMESTER_SCHEDULE, dag_params, dag_settings


@dag(
    dag_id="caqes_semestriel",
    description="CAQES: analyse semestrielle des prescriptions (volet 1 art. 4)",
    schedule=SEMESTER_SCHEDULE,
    **dag_settings(),
    tags=["caqes", "semestriel"],
    doc_md=__doc__,
    params={
        **dag_params("Year N of the half-year (default: from the run's date)"),
        "half": Param(None, type=["null", "integer"], enum=[None, 1, 2], description="1 (janvier-juin) or 2 (juillet-décembre)"),
    },
)
def caqes_semestriel():
    @task
    def analyses_semestrielles(**context) -> dict:
        from caqes_tasks.orchestration import run_semester_from_airflow

        return run_semester_from_airflow(context)

    analyses_semestrielles()


caqes_semestriel()
