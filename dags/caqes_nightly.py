"""CAQES nightly refresh: pick up new landing files, validate, load, refresh indicators, alert.

A night with nothing new stops after ingest (the ledger knows every file already seen); a night
whose new files were all quarantined stops there too and its run ends failed, so that whoever
watches the scheduler sees it.
Alerts to the ARS data teams are sent by the ingest stage, one per failing run.
Wiring only: every task runs a stage of ``caqes_tasks.stages`` through ``caqes_tasks.pipeline``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from caqes_tasks.orchestration import NIGHTLY_SCHEDULE, dag_params, dag_settings


@dag(
    dag_id="caqes_nightly",
    description="CAQES: ingestion, validation, indicateurs et ciblage",
    schedule=NIGHTLY_SCHEDULE,
    **dag_settings(),
    dagrun_timeout=pendulum.duration(hours=4),
    tags=["caqes", "nightly"],
    doc_md=__doc__,
    params=dag_params("Campaign year (default: last closed)"),
)
def caqes_nightly():
    @task
    def prepare(**context) -> dict:
        from caqes_tasks.orchestration import context_from_airflow

        return context_from_airflow(context, kind="nightly").to_dict()

    @task
    def ingest(ctx: dict) -> dict:
        from caqes_tasks.pipeline import run_stage

        return run_stage("ingest", ctx)

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def something_new(ingest_result: dict) -> bool:
        from caqes_tasks.pipeline import all_new_files_quarantined

        # nothing new was loaded when every new file went to quarantine (finalize then fails)
        return bool(ingest_result.get("new_files")) and not all_new_files_quarantined(ingest_result)

    @task
    def refresh_indicators(ctx: dict) -> dict:
        from caqes_tasks.pipeline import run_stage

        return run_stage("transform", ctx, select="indicators")

    @task(trigger_rule="all_done", retries=0)
    def finalize(ctx: dict) -> str:
        from caqes_tasks.orchestration import finalize_run

        return finalize_run(ctx, last_stage="transform")

    ctx = prepare()
    ingested = ingest(ctx)
    refreshed = refresh_indicators(ctx)
    something_new(ingested) >> refreshed >> finalize(ctx)


caqes_nightly()
