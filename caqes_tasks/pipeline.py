"""Stage order, timings and the run's bookkeeping: the one path both Airflow and the CLI take.

``prepare`` fixes the run (year, folders, input hashes, deterministic run id); ``run_stage``
runs one stage and keeps its result under the run folder; ``finalize`` writes the run
manifest. The DAG tasks and ``caqes run`` call exactly these functions.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from caqes_tasks.context import RunContext, compute_run_id
from caqes_tasks.referentiel import load_referentiel

log = logging.getLogger("caqes")

# name -> "module:function"; each is stage(ctx) -> dict (docs/architecture.md)
STAGES: dict[str, str] = {
    "ingest": "caqes_tasks.ingest.stage:ingest_stage",
    "transform": "caqes_tasks.transform.runner:transform_stage",
    "outcomes": "caqes_tasks.outcomes.stage:outcomes_stage",
    "notices": "caqes_tasks.notices.stage:notices_stage",
    "feeds": "caqes_tasks.feeds.stage:feeds_stage",
    "report": "caqes_tasks.report.stage:report_stage",
}
ANNUAL = ("ingest", "transform", "outcomes", "notices", "feeds", "report")


class YearBlocked(RuntimeError):
    """Inputs for the campaign year failed validation: nothing is computed for it."""


def _stage_function(name: str) -> Callable[..., dict]:
    module, func = STAGES[name].split(":")
    return getattr(importlib.import_module(module), func)


def prepare(
    year: int,
    landing: Path | str,
    out: Path | str,
    referentiel: Path | str | None = None,
    as_of: str | date | None = None,
    orchestrator_run_id: str = "",
    kind: str = "annual",
) -> RunContext:
    """Fix the run: hash the landing zone and the référentiel, derive the run id.

    ``kind`` separates the nightly refresh from the annual evaluation: they never share a
    run folder, even on the same inputs and day.
    """
    from caqes_tasks.ingest.landing import scan_landing

    landing = Path(landing).resolve()
    out = Path(out).resolve()
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    ref = load_referentiel(referentiel)
    if int(year) not in ref.annees_evaluation:
        raise ValueError(
            f"year {year} is not an evaluation year of campaign {ref.campagne} {list(ref.annees_evaluation)}"
        )
    as_of_iso = as_of.isoformat() if isinstance(as_of, date) else (as_of or date.today().isoformat())
    hashes = dict(scan_landing(landing))
    hashes[f"referentiel/{ref.path.name}"] = ref.sha256
    ctx = RunContext(
        year=int(year),
        landing=landing,
        out=out,
        referentiel=ref.path,
        as_of=as_of_iso,
        run_id=("" if kind == "annual" else f"{kind}-") + compute_run_id(int(year), hashes, as_of_iso),
        orchestrator_run_id=orchestrator_run_id,
        input_hashes=hashes,
    )
    (ctx.run_dir / "stages").mkdir(parents=True, exist_ok=True)
    (ctx.run_dir / "context.json").write_text(json.dumps(ctx.to_dict(), indent=2, sort_keys=True))
    return ctx


def run_stage(name: str, ctx: RunContext | dict, **kwargs) -> dict:
    """Run one stage, time it, keep its result as ``run_dir/stages/<name>.json``."""
    ctx = ctx if isinstance(ctx, RunContext) else RunContext.from_dict(ctx)
    started = time.monotonic()
    log.info("caqes stage %s: start (year %s, run %s)", name, ctx.year, ctx.run_id)
    result = _stage_function(name)(ctx, **kwargs)
    elapsed = round(time.monotonic() - started, 3)
    record = {"stage": name, "seconds": elapsed, "result": result}
    stage_file = ctx.run_dir / "stages" / f"{name}.json"
    stage_file.parent.mkdir(parents=True, exist_ok=True)
    stage_file.write_text(json.dumps(record, indent=2, sort_keys=True, default=str))
    log.info("caqes stage %s: done in %.1f s", name, elapsed)
    return result


def check_year(ctx: RunContext, ingest_result: dict) -> None:
    """Raise YearBlocked when validation blocked the run's year (docs/rules.md §8)."""
    status = ingest_result.get("years", {}).get(str(ctx.year), {"status": "ok"})
    if status.get("status") != "ok":
        reasons = "; ".join(status.get("reasons", [])) or "inputs failed validation"
        raise YearBlocked(f"year {ctx.year} blocked: {reasons}")


def stage_results(ctx: RunContext) -> dict[str, dict]:
    """Stage records kept under the run folder (works across Airflow task processes)."""
    records = {}
    for path in sorted((ctx.run_dir / "stages").glob("*.json")):
        records[path.stem] = json.loads(path.read_text())
    return records


def finalize(ctx: RunContext | dict, outcome: str) -> Path:
    """Write the run manifest (inputs, hashes, versions, rows, timings, outcome)."""
    from caqes_tasks.feeds.manifest import write_run_manifest

    ctx = ctx if isinstance(ctx, RunContext) else RunContext.from_dict(ctx)
    records = stage_results(ctx)
    stages = {name: rec["result"] for name, rec in records.items()}
    timings = {name: rec["seconds"] for name, rec in records.items()}
    path = write_run_manifest(ctx, stages, timings, outcome)
    _record_run(ctx, outcome, path)
    return path


def _record_run(ctx: RunContext, outcome: str, manifest: Path) -> None:
    from caqes_tasks.warehouse import connect, writer_lock
    from caqes_tasks.warehouse.schema import create_schemas

    with writer_lock(ctx.warehouse), connect(ctx.warehouse) as con:
        create_schemas(con)
        con.execute("DELETE FROM meta.runs WHERE run_id = ?", [ctx.run_id])
        con.execute(
            "INSERT INTO meta.runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [ctx.run_id, ctx.year, ctx.orchestrator_run_id, None, datetime.now(), outcome, str(manifest)],
        )


def run_annual(ctx: RunContext, progress: Callable[[str], None] = print) -> dict:
    """Every annual stage in order, in this process (the CLI path of the annual DAG)."""
    results: dict[str, dict] = {}
    try:
        for name in ANNUAL:
            progress(f"[{ctx.year}] {name} ...")
            t0 = time.monotonic()
            results[name] = run_stage(name, ctx)
            progress(f"[{ctx.year}] {name} done ({time.monotonic() - t0:.1f} s)")
            if name == "ingest":
                check_year(ctx, results[name])
    except YearBlocked:
        finalize(ctx, "blocked")
        raise
    except Exception:
        finalize(ctx, "failed")
        raise
    results["manifest"] = {"path": str(finalize(ctx, "success"))}
    return results
