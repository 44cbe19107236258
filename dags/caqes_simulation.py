"""CAQES what-if before the DG ARS decides: a year's outcomes under changed parameters.

Triggered by hand only. Params: ``year`` (required), ``reglages`` (a list of ``cle=valeur``
strings, as ``caqes simulate --set``: enveloppe.<THEME>, part_nationale[.<IND>], formule,
seuil_atteinte, sanction.refus, sanction.non_atteinte, non_atteinte_taux, impact,
modulation.<FINESS_EJ>), ``out``. Starts from the year's last successful annual run in the out
dir, publishes nothing (feeds, notices, reports and warehouse untouched) and writes the
comparison per EJ under ``OUT/simulations/<N>/<simulation id>/``. A setting outside the legal
limits fails the task with one line. Wiring only: the task calls
``caqes_tasks.orchestration.run_simulation_from_airflow``.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from caqes_tasks.orchestration import DEFAULT_ARGS, dag_settings


@dag(
    dag_id="caqes_simulation",
    description="CAQES: simulation avant décision (paramètres modifiés, rien n'est publié)",
    schedule=None,
    **dag_settings(default_args={**DEFAULT_ARGS, "retries": 0}),
    tags=["caqes", "simulation"],
    doc_md=__doc__,
    params={
        "year": Param(None, type=["null", "integer"], description="Evaluation year N to simulate"),
        "reglages": Param([], type="array", items={"type": "string"},
                          description="Changed parameters, cle=valeur (as caqes simulate --set)"),
        "out": Param(None, type=["null", "string"], description="Output folder (default: CAQES_OUT)"),
    },
)
def caqes_simulation():
    @task
    def simulation(**context) -> dict:
        from caqes_tasks.orchestration import run_simulation_from_airflow

        return run_simulation_from_airflow(context)

    simulation()


caqes_simulation()
