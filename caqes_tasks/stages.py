"""The stages of a run, in the data's order: the one list the pipeline, the CLI and the DAGs share.

A stage is a function ``stage(ctx: RunContext) -> dict`` (docs/architecture.md, "Stage
contract"). Each function below runs one stage and says where its code lives; it imports that
code only when it runs, so that the DAG files read this list at parse time without loading
pandas, DuckDB or dbt (the stages' modules take from 0.4 to 1.6 s each to import).

``ANNUAL`` is the annual evaluation (``caqes run``, ``dags/caqes_annual.py``: one task per
stage, named after it, the year checked after ``ingest``); the nightly refresh runs ``ingest``
then ``transform`` on the indicators only (``dags/caqes_nightly.py``). A stage's name is also
the name of its record in the run folder (``runs/<run_id>/stages/<name>.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caqes_tasks.context import RunContext


def ingest(ctx: RunContext) -> dict:
    """Read, validate and load the landing's new files, or quarantine them; alert the data teams."""
    from caqes_tasks.ingest.stage import ingest_stage

    return ingest_stage(ctx)


def transform(ctx: RunContext, select: str | None = None) -> dict:
    """Build the dbt models (indicators, targeting, marts); ``select="indicators"`` for the nightly refresh."""
    from caqes_tasks.transform.runner import transform_stage

    return transform_stage(ctx, select=select)


def outcomes(ctx: RunContext) -> dict:
    """Intéressement, sanctions and the contradictory procedure of year N."""
    from caqes_tasks.outcomes.stage import outcomes_stage

    return outcomes_stage(ctx)


def notices(ctx: RunContext) -> dict:
    """The notices of year N to each EJ (HTML and PDF)."""
    from caqes_tasks.notices.stage import notices_stage

    return notices_stage(ctx)


def rapports(ctx: RunContext) -> dict:
    """The rapport d'évaluation annuel of each EJ (HTML and PDF), after its notices."""
    from caqes_tasks.documents.stage import rapports_stage

    return rapports_stage(ctx)


def feeds(ctx: RunContext) -> dict:
    """Parquet and CSV extracts of the marts for year N, with their manifest."""
    from caqes_tasks.feeds.stage import feeds_stage

    return feeds_stage(ctx)


def report(ctx: RunContext) -> dict:
    """The campaign report of year N (HTML and PDF)."""
    from caqes_tasks.report.stage import report_stage

    return report_stage(ctx)


@dataclass(frozen=True)
class Stage:
    """One stage: its name (task id, stage record) and the function that runs it."""

    name: str
    function: Callable[..., dict]


ANNUAL: tuple[Stage, ...] = (
    Stage("ingest", ingest),
    Stage("transform", transform),
    Stage("outcomes", outcomes),
    Stage("notices", notices),
    Stage("rapports", rapports),
    Stage("feeds", feeds),
    Stage("report", report),
)
BY_NAME: dict[str, Stage] = {stage.name: stage for stage in ANNUAL}


def stage_named(name: str) -> Stage:
    """The stage called ``name``; ValueError naming the stages when there is none."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"étape inconnue : {name} (étapes : {', '.join(BY_NAME)})") from None
