"""What the Airflow tasks need beyond the stages: defaults, and the context from a DAG run.

Kept free of heavy imports: the DAG files import this module at parse time.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_ARGS = {
    "owner": "ars-data",
    # production default 2; local one-shot runs (make run, tests) set CAQES_TASK_RETRIES=0
    "retries": int(os.environ.get("CAQES_TASK_RETRIES", "2")),
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
}
TIMEZONE = "Europe/Paris"


def dag_settings(**overrides) -> dict:
    """The ``@dag`` arguments every CAQES DAG shares, with ``overrides``: Paris time, no
    back-filling, one run and one task at a time (a run's stages read what the previous one
    wrote, and one out dir has one run lock)."""
    import pendulum

    return {
        "start_date": pendulum.datetime(2023, 1, 1, tz=TIMEZONE),
        "catchup": False,
        "max_active_runs": 1,
        "max_active_tasks": 1,
        "default_args": DEFAULT_ARGS,
        **overrides,
    }
# The annual evaluation of year N runs once year N's data are closed (PMSI/SNDS closure in
# March N+1): 15 April, 06:00 Paris time. The nightly refresh runs at 02:00.
ANNUAL_SCHEDULE = "0 6 15 4 *"
NIGHTLY_SCHEDULE = "0 2 * * *"
# The half-yearly analyses of prescriptions (volet 1 art. 4) once a half-year's line-level data
# are closed: 1 September 06:00 (S1 of the same year) and 1 March 06:00 (S2 of the year before).
SEMESTER_SCHEDULE = "0 6 1 3,9 *"


def semester_of(day: date) -> tuple[int, int]:
    """The half-year a semester run acting on ``day`` analyses: the last half-year closed two
    months before it (September → S1 of the year; March → S2 of the year before)."""
    if day.month >= 9:
        return day.year, 1
    if day.month >= 3:
        return day.year - 1, 2
    return day.year - 1, 1


def run_semester_from_airflow(context: dict) -> dict:
    """The ``caqes_semestriel`` task: year and half-year from the params, else from the run's
    date (:func:`semester_of`); folders and date as the other DAGs take them."""
    from caqes_tasks.documents.semester import run_semester
    from caqes_tasks.pipeline import RunError

    params = context.get("params") or {}
    day = run_date(context)
    as_of = _setting(params, "as_of", "CAQES_AS_OF") or day.isoformat()
    year, half = semester_of(date.fromisoformat(as_of))
    out = _setting(params, "out", "CAQES_OUT", "var/out")
    landing = _setting(params, "landing", "CAQES_LANDING") or str(Path(out) / "landing")
    try:
        return run_semester(
            params.get("year") or year, params.get("half") or half, landing, out,
            _setting(params, "referentiel", "CAQES_REFERENTIEL"), as_of, str(context.get("run_id") or ""),
        )  # fmt: skip
    except RunError as refused:
        raise _failing(refused) from None


def run_simulation_from_airflow(context: dict) -> dict:
    """The ``caqes_simulation`` task: the year's outcomes under the ``reglages`` param
    (``cle=valeur`` strings, as ``caqes simulate --set``), from the year's last annual run in
    the out dir; writes only ``OUT/simulations/<N>/<id>/`` (caqes_tasks.simulation.stage)."""
    from caqes_tasks.dernier_run import contexte_dernier_run
    from caqes_tasks.pipeline import InvalidRunSettings, RunError
    from caqes_tasks.simulation.parametres import ParametreRefuse
    from caqes_tasks.simulation.stage import simulation_stage

    params = context.get("params") or {}
    out = Path(_setting(params, "out", "CAQES_OUT", "var/out")).absolute()
    try:
        year = params.get("year")
        if year is None or not str(year).strip().isdigit():
            raise InvalidRunSettings(f"année manquante ou invalide : « {year or ''} » (param year, par exemple 2024)")
        reglages = params.get("reglages") or []
        if isinstance(reglages, str):
            reglages = [r for r in reglages.split(";") if r.strip()]
        return simulation_stage(contexte_dernier_run(out, int(year)), list(reglages))
    except (RunError, ParametreRefuse) as refused:
        raise _failing(refused) from None


def airflow_variable(name: str) -> str | None:
    """The Airflow Variable ``name`` (UI, API, secrets backend, ``AIRFLOW_VAR_<NAME>``), or None
    when it is not set or when not running inside an Airflow task."""
    try:
        from airflow.sdk import Variable

        value = Variable.get(name, default=None)
    except Exception:  # noqa: BLE001 - outside a task, or no metadata: no Variable
        return None
    return None if value in (None, "") else str(value)


def _setting(params: dict, key: str, env: str, default: str | None = None) -> str | None:
    """A run setting: the DAG param, else the environment variable ``env``, else the Airflow
    Variable of the same name (``CAQES_LANDING``…), else ``default``."""
    value = (params or {}).get(key)
    if value not in (None, ""):
        return str(value)
    return os.environ.get(env) or airflow_variable(env) or default


def run_date(context: dict) -> date:
    """The day a DAG run acts on: its logical date, in Paris time.

    A backfill or a late retry therefore acts on its own date, never on the wall clock. A run
    triggered without a logical date (Airflow 3 allows it) acts on the moment it was asked to
    run (``run_after``).
    """
    dag_run = context.get("dag_run")
    when = (
        context.get("logical_date")
        or (getattr(dag_run, "logical_date", None) if dag_run is not None else None)
        or (getattr(dag_run, "run_after", None) if dag_run is not None else None)
        or context.get("data_interval_end")
    )
    if not isinstance(when, datetime):
        raise ValueError("the DAG run has neither a logical date nor a run_after date")
    if when.tzinfo is None:
        raise ValueError(f"the DAG run's date {when} has no time zone")
    return when.astimezone(ZoneInfo(TIMEZONE)).date()


def context_from_airflow(context: dict, kind: str):
    """Build the RunContext of a DAG run: DAG params first, then CAQES_* variables.

    as_of: ``params.as_of``, else ``CAQES_AS_OF``, else the run's logical date in Paris time
    (:func:`run_date`), so the same logical run always gets the same date and run id.
    year: ``params.year``, else the year before that date (the annual run of April N+1
    evaluates N), clamped to the campaign's evaluation years for the nightly run.

    ``prepare`` takes the out dir's run lock; the task's process ends here, so the lock is
    parked for the next task of the run (``caqes_tasks.pipeline``, one run per out dir).
    """
    from caqes_tasks.pipeline import RunError, check_referentiel, park_run_lock, prepare

    params = context.get("params") or {}
    referentiel = _setting(params, "referentiel", "CAQES_REFERENTIEL")
    day = run_date(context)
    try:
        ref = check_referentiel(referentiel, params.get("year"), day)
    except RunError as refused:
        raise _failing(refused) from None
    if params.get("year"):
        year = params["year"]
    else:
        year = day.year - 1
        if kind == "nightly":
            year = min(max(year, min(ref.annees_evaluation)), max(ref.annees_evaluation))
    landing = _setting(params, "landing", "CAQES_LANDING", "data/landing")
    out = _setting(params, "out", "CAQES_OUT", "var/out")
    try:
        ctx = prepare(
            year=year,
            landing=Path(landing),
            out=Path(out),
            referentiel=referentiel,
            as_of=_setting(params, "as_of", "CAQES_AS_OF") or day.isoformat(),
            orchestrator_run_id=str(context.get("run_id") or ""),
            kind=kind,
        )
    except RunError as refused:  # a run in progress, a pre-flight failure, a bad setting
        raise _failing(refused) from None
    park_run_lock(ctx)
    return ctx


def outcome_of(ctx, last_stage: str) -> str:
    """The run's outcome from the stage records of its attempt (works after skipped tasks):
    ``blocked`` (the year's inputs failed validation), ``quarantined`` (nightly, every new
    file was quarantined), ``nothing_new`` (nightly, no new file), ``success``
    (``last_stage`` ran) or ``failed``."""
    from caqes_tasks.pipeline import all_new_files_quarantined, stage_results

    records = stage_results(ctx)
    ingest = records.get("ingest", {}).get("result", {})
    if last_stage == "transform" and ingest and all_new_files_quarantined(ingest):
        return "quarantined"
    if ingest and not ingest.get("new_files") and last_stage == "transform" and last_stage not in records:
        return "nothing_new"
    if ingest.get("years", {}).get(str(ctx.year), {}).get("status", "ok") != "ok" and last_stage == "report":
        return "blocked"
    return "success" if last_stage in records else "failed"


def dag_params(year_help: str) -> dict:
    """The params both DAGs accept (a run may override the CAQES_* defaults)."""
    from airflow.sdk import Param

    return {
        "year": Param(None, type=["null", "integer"], description=year_help),
        "landing": Param(None, type=["null", "string"], description="Landing folder (default: CAQES_LANDING)"),
        "out": Param(None, type=["null", "string"], description="Output folder (default: CAQES_OUT)"),
        "as_of": Param(None, type=["null", "string"], description="Date the run acts on, YYYY-MM-DD"),
        "referentiel": Param(None, type=["null", "string"], description="Campaign référentiel YAML"),
    }


def _failing(error: Exception) -> Exception:
    """Log the one line that says why the run fails (``caqes_demo.airflow_local`` shows it), then raise it."""
    logging.getLogger("caqes").error("caqes run failed: %s", " ".join(str(error).split()))
    return error


def finalize_run(ctx: dict, last_stage: str) -> str:
    """Write the run manifest and record with the run's outcome and release the run lock; then
    fail the task (so the DAG run is marked failed for whoever watches the scheduler) when the
    run failed, its year was blocked or every new file was quarantined. Published results are
    kept in every case: the stages that publish did not run."""
    from caqes_tasks.context import RunContext
    from caqes_tasks.pipeline import AllQuarantined, StageFailed, YearBlocked, finalize, quarantined_message, stage_results

    run = RunContext.from_dict(ctx)
    outcome = outcome_of(run, last_stage=last_stage)
    ingest = stage_results(run).get("ingest", {}).get("result", {})
    path = finalize(run, outcome)
    if outcome == "failed":
        raise _failing(StageFailed(f"run {run.run_id} en échec (voir la tâche en échec) ; manifeste : {path}"))
    if outcome == "blocked":
        status = ingest.get("years", {}).get(str(run.year), {})
        reasons = "; ".join(status.get("reasons", [])) or "des fichiers en entrée ont échoué à la validation"
        raise _failing(YearBlocked(
            f"année {run.year} bloquée : {reasons} ; fichiers en quarantaine : {run.quarantine} ; "
            f"résultats publiés conservés ; manifeste : {path}"
        ))
    if outcome == "quarantined":
        raise _failing(AllQuarantined(f"{quarantined_message(ingest, run.quarantine)} ; manifeste : {path}"))
    return str(path)
