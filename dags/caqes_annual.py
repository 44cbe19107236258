"""CAQES annual evaluation of one campaign year (CSS L162-30-4: annual evaluation).

ingest + validate → (stop here if the year's inputs failed validation) → dbt marts →
scores, intéressement, sanctions → notices → rapports d'évaluation → feeds → campaign report → run manifest.
A blocked year skips every stage after ingest (published results stay) and its run ends
failed: ``finalize`` records it as blocked, then fails with the reasons.
Wiring only: one task per stage of ``caqes_tasks.stages.ANNUAL``, each run by ``caqes_tasks.pipeline``.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from caqes_tasks.orchestration import ANNUAL_SCHEDULE, dag_params, dag_settings
from caqes_tasks.stages import ANNUAL


@dag(
    dag_id="caqes_annual",
    description="CAQES: évaluation annuelle, intéressement, sanctions, notifications",
    schedule=ANNUAL_SCHEDULE,
    **dag_settings(),
    tags=["caqes", "annual"],
    doc_md=__doc__,
    params=dag_params("Evaluation year N (default: logical year - 1)"),
)
def caqes_annual():
    @task
    def prepare(**context) -> dict:
        from caqes_tasks.orchestration import context_from_airflow

        return context_from_airflow(context, kind="annual").to_dict()

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def year_validated(ctx: dict, ingest_result: dict) -> bool:
        from caqes_tasks.context import RunContext
        from caqes_tasks.pipeline import YearBlocked, check_year

        try:
            check_year(RunContext.from_dict(ctx), ingest_result)
        except YearBlocked as blocked:
            print(f"{blocked} - étapes suivantes sautées, résultats publiés conservés")
            return False
        return True

    def stage_task(name: str):
        @task(task_id=name)
        def run(ctx: dict) -> dict:
            from caqes_tasks.pipeline import run_stage

            return run_stage(name, ctx)

        return run

    @task(trigger_rule="all_done", retries=0)
    def finalize(ctx: dict) -> str:
        from caqes_tasks.orchestration import finalize_run

        return finalize_run(ctx, last_stage=ANNUAL[-1].name)

    # one task per stage of caqes_tasks.stages.ANNUAL, in its order; the year is checked after ingest
    ctx = prepare()
    ingest, *computed = ANNUAL
    previous = year_validated(ctx, stage_task(ingest.name)(ctx))
    for stage in computed:
        current = stage_task(stage.name)(ctx)
        previous >> current
        previous = current
    previous >> finalize(ctx)


caqes_annual()
