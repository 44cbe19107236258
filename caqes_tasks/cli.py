"""``caqes`` command line: the same stage functions as the DAG tasks.

    caqes demo                          generate the demo region, run the annual DAG through Airflow
    caqes run --landing D --year N --out O   the annual evaluation of year N, in this process
    caqes nightly --landing D --out O   ingest + validate + refresh indicators
    caqes report --year N --out O       rebuild the campaign report of year N's last run
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="CAQES pipeline (ARS).")

DEFAULT_OUT = Path(os.environ.get("CAQES_OUT", "var/out"))


def _say(msg: str) -> None:
    typer.echo(msg)


def _landing_default(out: Path) -> Path:
    env = os.environ.get("CAQES_LANDING")
    if env:
        return Path(env)
    return out / "landing" if (out / "landing").is_dir() else Path("data/landing")


def _print_outputs(out: Path, years: list[int]) -> None:
    out = out.resolve()
    _say("")
    _say("Outputs")
    _say(f"  warehouse (DuckDB) : {out / 'warehouse' / 'caqes.duckdb'}")
    _say(f"  BI database        : {out / 'feeds' / 'caqes_bi.duckdb'}")
    for y in years:
        _say(f"  {y}: feeds   {out / 'feeds' / str(y) / 'latest'}")
        _say(f"        notices {out / 'notices' / str(y)}")
        _say(f"        report  {out / 'reports' / str(y) / f'campagne_{y}.html'}")
    _say(f"  run manifests      : {out / 'runs'}/<run_id>/manifest.json")
    _say(f"  quarantine         : {out / 'quarantine'}")


@app.command()
def run(
    landing: Path = typer.Option(..., help="Landing folder following the data contract"),
    year: int = typer.Option(..., help="Evaluation year N"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder"),
    referentiel: Path | None = typer.Option(None, help="Campaign référentiel YAML"),
    as_of: str | None = typer.Option(None, help="Date the run acts on (YYYY-MM-DD), default today"),
) -> None:
    """Run the annual evaluation of YEAR on LANDING (same code path as the caqes_annual DAG)."""
    from caqes_tasks.pipeline import YearBlocked, prepare, run_annual

    logging.basicConfig(level=logging.WARNING)
    ctx = prepare(year, landing, out, referentiel, as_of)
    _say(f"run {ctx.run_id} (year {year}, as of {ctx.as_of})")
    try:
        run_annual(ctx, progress=_say)
    except YearBlocked as blocked:
        _say(f"BLOCKED: {blocked}")
        _say(f"validation reports: {ctx.quarantine}")
        raise typer.Exit(code=2) from None
    _print_outputs(out, [year])


@app.command()
def nightly(
    landing: Path | None = typer.Option(None, help="Landing folder (default: CAQES_LANDING or OUT/landing)"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder"),
    year: int | None = typer.Option(None, help="Campaign year (default: the campaign's last year)"),
) -> None:
    """Ingest and validate new files, refresh indicators and targeting (caqes_nightly DAG)."""
    from caqes_tasks.pipeline import finalize, prepare, run_stage
    from caqes_tasks.referentiel import load_referentiel

    year = year or max(load_referentiel().annees_evaluation)
    ctx = prepare(year, landing or _landing_default(out), out, kind="nightly")
    result = run_stage("ingest", ctx)
    _say(f"new files: {result.get('new_files', 0)}, quarantined: {len(result.get('quarantined', []))}")
    if result.get("new_files"):
        run_stage("transform", ctx, select="indicators")
        _say("indicators refreshed")
    _say(f"manifest: {finalize(ctx, 'success' if result.get('new_files') else 'nothing_new')}")


def _last_run_context(out: Path, year: int):
    from caqes_tasks.context import RunContext
    from caqes_tasks.warehouse import connect

    warehouse = out / "warehouse" / "caqes.duckdb"
    if not warehouse.exists():
        raise typer.BadParameter(f"no warehouse at {warehouse}: run the pipeline first")
    with connect(warehouse, read_only=True) as con:
        row = con.execute(
            "SELECT run_id FROM meta.runs WHERE annee = ? AND status = 'success' "
            "AND run_id NOT LIKE 'nightly-%' ORDER BY finished_at DESC LIMIT 1",
            [year],
        ).fetchone()
    if not row:
        raise typer.BadParameter(f"no successful annual run for {year} in {warehouse}")
    return RunContext.from_dict(json.loads((out / "runs" / row[0] / "context.json").read_text()))


@app.command()
def report(
    year: int = typer.Option(..., help="Evaluation year N"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder of the runs"),
) -> None:
    """Rebuild the campaign report (HTML + PDF) of YEAR from its last successful run."""
    from caqes_tasks.pipeline import run_stage

    ctx = _last_run_context(out.resolve(), year)
    result = run_stage("report", ctx)
    for kind, path in sorted(result.get("outputs", {}).items()):
        _say(f"{kind}: {path}")


@app.command()
def demo(
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder (landing is generated in OUT/landing)"),
    size: str = typer.Option("region", help="region (Nouvelle-Aquitaine-sized) or small"),
    seed: int = typer.Option(2022, help="Seed of the demo generator"),
    years: list[int] = typer.Option([2022, 2023, 2024], help="Evaluation years to run"),
    airflow: bool = typer.Option(True, help="Run through Airflow (dags test) or in this process"),
) -> None:
    """Generate the demo region and run the annual DAG for each year, then show the outputs.

    Each year N runs as of 15 April N+1 (notifications préalables); earlier years run a second
    time as of 1 July N+1, after the observation deadline, to issue the décisions.
    """
    from caqes_tasks.demo import generate_demo

    out = out.resolve()
    landing = out / "landing"
    _say(f"1/3 demo region ({size}, seed {seed}) -> {landing}")
    generated = generate_demo(landing, size=size, seed=seed)
    _say(
        f"    {generated['etablissements']} ETs under {generated['entites_juridiques']} EJs; rows: "
        + ", ".join(f"{k} {v}" for k, v in sorted(generated["counts"].items()))
    )
    runs = [(y, date(y + 1, 4, 15)) for y in years] + [(y, date(y + 1, 7, 1)) for y in years[:-1]]
    runs.sort()
    _say(f"2/3 annual evaluation, {len(runs)} runs ({'Airflow dags test, SQLite metadata' if airflow else 'in process'})")
    for i, (y, as_of) in enumerate(runs, 1):
        _say(f"  [{i}/{len(runs)}] caqes_annual year {y} as of {as_of}")
        conf = {"year": y, "landing": str(landing), "out": str(out), "as_of": as_of.isoformat()}
        if airflow:
            from caqes_tasks.airflow_local import dags_test

            dags_test(
                "caqes_annual",
                conf,
                home=out / "airflow",
                logical_date=as_of.isoformat(),
                progress=_say,
                log_file=out / "airflow" / "logs" / f"annual_{y}_{as_of}.log",
            )
        else:
            from caqes_tasks.pipeline import prepare, run_annual

            run_annual(prepare(y, landing, out, as_of=as_of), progress=lambda m: _say("    " + m))
    _say("3/3 done")
    _print_outputs(out, years)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
