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
from dataclasses import replace
from datetime import date
from pathlib import Path

import typer
from typer.core import TyperGroup

try:  # typer >= 0.22 carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer.exceptions import Abort
except ImportError:  # pragma: no cover - older typer on click
    from click.exceptions import Abort, ClickException, NoArgsIsHelpError

DEFAULT_OUT = Path(os.environ.get("CAQES_OUT", "var/out"))


class _OneLineErrors(TyperGroup):
    """Usage errors (missing or malformed option) on one line, exit 2, instead of a panel."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            if not standalone_mode:
                raise
            command = exc.ctx.command_path if getattr(exc, "ctx", None) else "caqes"
            _fail(f"{' '.join(exc.format_message().split())} (voir {command} --help)")
        except Abort:
            if not standalone_mode:
                raise
            _fail("interrompu", code=1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="CAQES pipeline (ARS).",
    cls=_OneLineErrors, pretty_exceptions_enable=False,
)


def _say(msg: str) -> None:
    typer.echo(msg)


def _fail(msg: str, code: int = 2) -> None:
    """The one line the user sees for an error, on stderr; exit ``code`` (2)."""
    typer.echo(f"caqes : erreur : {' '.join(str(msg).split())}", err=True)
    raise SystemExit(code)


def _quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in ("great_expectations", "py.warnings"):
        logging.getLogger(name).setLevel(logging.WARNING)


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
    landing: Path | None = typer.Option(None, help="Landing folder following the data contract (default: CAQES_LANDING)"),
    year: str | None = typer.Option(None, help="Evaluation year N (one of the campaign's evaluation years)"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder"),
    referentiel: Path | None = typer.Option(None, help="Campaign référentiel YAML"),
    as_of: str | None = typer.Option(None, help="Date the run acts on (YYYY-MM-DD), default today"),
) -> None:
    """Run the annual evaluation of YEAR on LANDING (same code path as the caqes_annual DAG).

    Exit 2 with one line when the run is refused (settings, pre-flight, a run in progress on
    OUT), when the year is blocked (published results kept) or when a stage fails.
    """
    from caqes_tasks.pipeline import RunError, YearBlocked, prepare, run_annual

    _quiet_logs()
    try:
        ctx = prepare(year, landing or os.environ.get("CAQES_LANDING"), out, referentiel, as_of)
    except RunError as exc:
        _fail(str(exc))
    _say(f"run {ctx.run_id} (year {ctx.year}, as of {ctx.as_of})")
    try:
        run_annual(ctx, progress=_say)
    except YearBlocked as blocked:
        _fail(f"{blocked} ; fichiers en quarantaine et rapports : {ctx.quarantine} ; résultats publiés conservés")
    except RunError as exc:
        _fail(str(exc))
    _print_outputs(out, [ctx.year])


@app.command()
def nightly(
    landing: Path | None = typer.Option(None, help="Landing folder (default: CAQES_LANDING or OUT/landing)"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder"),
    year: str | None = typer.Option(None, help="Campaign year (default: the campaign's last year)"),
    referentiel: Path | None = typer.Option(None, help="Campaign référentiel YAML"),
) -> None:
    """Ingest and validate new files, refresh indicators and targeting (caqes_nightly DAG).

    Exit 2 with one line when the run is refused or fails, and when every new file was
    quarantined (nothing new loaded).
    """
    from caqes_tasks.pipeline import RunError, check_referentiel, prepare, run_nightly

    _quiet_logs()
    try:
        ref = check_referentiel(referentiel)
        ctx = prepare(
            year or max(ref.annees_evaluation), landing or _landing_default(out), out, referentiel, kind="nightly"
        )
        done = run_nightly(ctx, progress=_say)
    except RunError as exc:
        _fail(str(exc))
    _say(f"manifest: {done['manifest']}")


def _last_run_context(out: Path, year: int):
    """The context of YEAR's last successful annual run in OUT, read back with its folders
    under OUT (the out dir may have been copied or moved since) and without its attempt."""
    from caqes_tasks.context import RunContext
    from caqes_tasks.pipeline import InvalidRunSettings
    from caqes_tasks.referentiel import DEFAULT_REFERENTIEL
    from caqes_tasks.warehouse import connect

    warehouse = out / "warehouse" / "caqes.duckdb"
    if not warehouse.exists():
        raise InvalidRunSettings(f"pas d'entrepôt dans {out} ({warehouse}) : lancez d'abord caqes run")
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT run_id FROM meta.runs WHERE annee = ? AND status = 'success' "
            "AND run_id NOT LIKE 'nightly-%' ORDER BY finished_at DESC",
            [year],
        ).fetchall()
        years = [y for (y,) in con.execute(
            "SELECT DISTINCT annee FROM meta.runs WHERE status = 'success' AND run_id NOT LIKE 'nightly-%' ORDER BY 1"
        ).fetchall()]
    for (run_id,) in rows:
        saved = out / "runs" / run_id / "context.json"
        if saved.is_file():
            ctx = RunContext.from_dict(json.loads(saved.read_text()))
            referentiel = ctx.referentiel
            if not referentiel.is_file() and (DEFAULT_REFERENTIEL.parent / referentiel.name).is_file():
                referentiel = DEFAULT_REFERENTIEL.parent / referentiel.name
            return replace(ctx, out=out, referentiel=referentiel, attempt="")
    accepted = ", ".join(str(y) for y in years) or "aucune"
    raise InvalidRunSettings(
        f"aucun run annuel réussi pour {year} dans {out} (années avec un run réussi : {accepted})"
    )


@app.command()
def report(
    year: str | None = typer.Option(None, help="Evaluation year N"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder of the runs"),
) -> None:
    """Rebuild the campaign report (HTML + PDF) of YEAR from its last successful run in OUT.

    Everything is read from and written to OUT, even when OUT is a copy of the out dir the
    run wrote. The run's own records are left as they are.
    """
    from caqes_tasks.pipeline import InvalidRunSettings, RunError, hold_run_lock, preflight, stage_function

    _quiet_logs()
    out = out.resolve()
    try:
        if year is None or not str(year).strip().isdigit():
            raise InvalidRunSettings(f"année manquante ou invalide : « {year or ''} » (--year, par exemple 2024)")
        ctx = _last_run_context(out, int(year))
        preflight(out, ctx.year, kind="report")
        with hold_run_lock(ctx, "report") as held:
            result = stage_function("report")(held)
    except RunError as exc:
        _fail(str(exc))
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
    from caqes_tasks.airflow_local import DagRunFailed, dags_test
    from caqes_tasks.demo import SIZES, generate_demo
    from caqes_tasks.pipeline import RunError, check_campaign_year, check_referentiel, prepare, run_annual

    try:  # settings checked before anything is written
        if size not in SIZES:
            _fail(f"taille de démonstration inconnue : « {size} » (--size, tailles acceptées : {', '.join(SIZES)})")
        ref = check_referentiel(None)
        years = [check_campaign_year(y, ref) for y in years]
    except RunError as exc:
        _fail(str(exc))
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
        try:
            if airflow:
                dags_test(
                    "caqes_annual",
                    conf,
                    home=out / "airflow",
                    logical_date=as_of.isoformat(),
                    progress=_say,
                    log_file=out / "airflow" / "logs" / f"annual_{y}_{as_of}.log",
                )
            else:
                run_annual(prepare(y, landing, out, as_of=as_of), progress=lambda m: _say("    " + m))
        except (RunError, DagRunFailed) as exc:
            _fail(str(exc))
    _say("3/3 done")
    _print_outputs(out, years)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
