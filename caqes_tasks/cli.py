"""``caqes`` command line: the same stage functions as the DAG tasks.

    caqes demo                          generate the demo region, run the annual DAG through Airflow
    caqes generate LANDING --size S     write a demo landing only (small, region or france)
    caqes run --landing D --year N --out O   the annual evaluation of year N, in this process
    caqes nightly --landing D --out O   ingest + validate + refresh indicators
    caqes report --year N --out O       rebuild the campaign report of year N's last run
    caqes docs --out O [--year N]       the dbt documentation as one page that opens from disk
    caqes semester --year N --half H    half-yearly analyses of prescriptions per EJ
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import nullcontext
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


def _warehouse_errors() -> tuple[type[BaseException], ...]:
    """The warehouse's own errors (imported when one is raised: the command line starts light)."""
    from caqes_tasks.warehouse.connection import WarehouseBusy
    from caqes_tasks.warehouse.location import WarehouseError

    return WarehouseError, WarehouseBusy


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
        except _warehouse_errors() as exc:  # the CAQES_WAREHOUSE setting, the database down
            if not standalone_mode:
                raise
            _fail(str(exc))
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
    _say(f"  warehouse          : {_warehouse_shown(out)}")
    _say(f"  BI database        : {out / 'feeds' / 'caqes_bi.duckdb'}")
    for y in years:
        _say(f"  {y}: feeds   {out / 'feeds' / str(y) / 'latest'}")
        _say(f"        notices {out / 'notices' / str(y)}")
        _say(f"        report  {out / 'reports' / str(y) / f'campagne_{y}.html'}")
        _say(f"        rapports d'évaluation {out / 'rapports' / str(y)}")
        if (out / "analyses" / f"{y}-S1").exists():
            _say(f"        analyses semestrielles {out / 'analyses' / f'{y}-S1'}, {out / 'analyses' / f'{y}-S2'}")
    _say(f"  run manifests      : {out / 'runs'}/<run_id>/manifest.json")
    _say(f"  quarantine         : {out / 'quarantine'}")


def _warehouse_shown(out: Path) -> str:
    from caqes_tasks.warehouse import warehouse_for

    wh = warehouse_for(out)
    return wh.describe() if wh.is_postgres else f"{wh.path} (DuckDB)"


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
        ref = check_referentiel(referentiel, year)
        ctx = prepare(
            year or max(ref.annees_evaluation), landing or _landing_default(out), out, referentiel, kind="nightly"
        )
        done = run_nightly(ctx, progress=_say)
    except RunError as exc:
        _fail(str(exc))
    _say(f"manifest: {done['manifest']}")


def _last_run_context(out: Path, year: int):
    """The context of YEAR's last successful annual run in OUT (see caqes_tasks.dernier_run)."""
    from caqes_tasks.dernier_run import contexte_dernier_run

    return contexte_dernier_run(out, year)


@app.command()
def report(
    year: str | None = typer.Option(None, help="Evaluation year N"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder of the runs"),
) -> None:
    """Rebuild the campaign report (HTML + PDF) of YEAR from its last successful run in OUT.

    Everything is read from and written to OUT, even when OUT is a copy of the out dir the
    run wrote. The run's own records are left as they are.
    """
    from caqes_tasks import stages
    from caqes_tasks.pipeline import InvalidRunSettings, RunError, hold_run_lock, preflight

    _quiet_logs()
    out = out.resolve()
    try:
        if year is None or not str(year).strip().isdigit():
            raise InvalidRunSettings(f"année manquante ou invalide : « {year or ''} » (--year, par exemple 2024)")
        ctx = _last_run_context(out, int(year))
        preflight(out, ctx.year, kind="report")
        with hold_run_lock(ctx, "report") as held:
            result = stages.report(held)
    except RunError as exc:
        _fail(str(exc))
    for kind, path in sorted(result.get("outputs", {}).items()):
        _say(f"{kind}: {path}")


def _annee(year: str | None) -> int:
    from caqes_tasks.pipeline import InvalidRunSettings

    if year is None or not str(year).strip().isdigit():
        raise InvalidRunSettings(f"année manquante ou invalide : « {year or ''} » (--year, par exemple 2024)")
    return int(year)


@app.command()
def explain(
    year: str | None = typer.Option(None, help="Evaluation year N"),
    finess_ej: str | None = typer.Option(None, "--finess-ej", help="FINESS number of the EJ"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder of the runs"),
) -> None:
    """Explain every amount of an EJ in YEAR (intéressement, sanctions, retenues): the figures it
    came from and the input lines behind them (source, file, line number, file sha256).

    Reads the warehouse of YEAR's last successful run in OUT; writes nothing. Exit 2 with one
    line for an unknown year or EJ.
    """
    from caqes_tasks.audit.explication import EjInconnue, expliquer
    from caqes_tasks.pipeline import InvalidRunSettings, RunError
    from caqes_tasks.referentiel import load_referentiel
    from caqes_tasks.warehouse import connect

    _quiet_logs()
    out = out.resolve()
    try:
        annee = _annee(year)
        if not (finess_ej or "").strip():
            raise InvalidRunSettings("n° FINESS de l'EJ manquant (--finess-ej, par exemple 330781196)")
        ctx = _last_run_context(out, annee)
        exercice = load_referentiel(ctx.referentiel).exercice_produits_am(annee)
        with connect(ctx.wh, read_only=True) as con:
            text = expliquer(con, annee, finess_ej, exercice)
    except (RunError, EjInconnue) as exc:
        _fail(str(exc))
    typer.echo(text, nl=False)


@app.command()
def simulate(
    year: str | None = typer.Option(None, help="Evaluation year N"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder of the runs"),
    reglages: list[str] = typer.Option(
        [], "--set", metavar="CLE=VALEUR",
        help="A changed parameter (repeatable): enveloppe.<THEME>, part_nationale[.<IND>], formule, seuil_atteinte, "
             "sanction.refus, sanction.non_atteinte, non_atteinte_taux, impact, modulation.<FINESS_EJ>"),
) -> None:
    """Rerun YEAR's outcomes under changed parameters, within the legal limits, publishing nothing:
    writes the comparison per EJ (amount now, simulated, difference) to OUT/simulations/<N>/<id>/
    (Parquet, CSV, HTML). Published feeds, notices, reports and the warehouse are left untouched.

    Exit 2 with one line for an unknown year, an unknown setting or a value outside its limits.
    """
    from caqes_tasks.pipeline import RunError
    from caqes_tasks.simulation.parametres import ParametreRefuse
    from caqes_tasks.simulation.stage import simulation_stage

    _quiet_logs()
    out = out.resolve()
    try:
        annee = _annee(year)
        ctx = _last_run_context(out, annee)
        done = simulation_stage(ctx, reglages)
    except (RunError, ParametreRefuse) as exc:
        _fail(str(exc))
    _say(f"simulation {done['simulation_id']} (année {annee}, run {done['run_id']}) : "
         f"{done['ej_modifiees']} EJ sur {done['rows']} changent ; écart intéressement {done['ecarts']['interessement']} EUR, "
         f"écart sanctions {done['ecarts']['sanction']} EUR")
    _say(f"comparaison : {done['outputs']['html']}")


@app.command()
def docs(
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder of the runs"),
    year: str | None = typer.Option(None, help="Year whose campaign report the docs link (default: the latest published)"),
) -> None:
    """Publish the dbt documentation of OUT's warehouse as OUT/docs/index.html (opens from disk)."""
    from caqes_tasks.transform.docs import DocsError, publish_docs

    _quiet_logs()
    if year is not None and not str(year).strip().isdigit():
        _fail(f"année invalide : « {year} » (--year, par exemple 2024)")
    try:
        result = publish_docs(out.resolve(), int(year) if year is not None else None)
    except DocsError as exc:
        _fail(str(exc))
    _say(f"docs: {result['outputs']['docs']}")


DEMO_SIZES = ("small", "region", "france")
MAX_PHEV_LINES = 1_000_000_000


def _check_demo_options(size: str, seed: int, phev_lines: int | None = None) -> None:
    """One line, exit 2, for a size, seed or number of lines the demo generator cannot take."""
    if size not in DEMO_SIZES:
        _fail(f"taille « {size} » inconnue : --size small, region ou france")
    if not 0 <= seed < 2**32:
        _fail(f"graine {seed} invalide : --seed entre 0 et {2**32 - 1}")
    if phev_lines is not None and not 0 <= phev_lines <= MAX_PHEV_LINES:
        _fail(f"nombre de lignes {phev_lines} invalide : --phev-lines entre 0 et {MAX_PHEV_LINES}")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


@app.command()
def generate(
    landing: Path = typer.Argument(..., metavar="LANDING", help="Landing folder to write (must not exist, or be empty)"),
    size: str = typer.Option("region", help="small (a dozen EJs), region (Nouvelle-Aquitaine) or france (18 regions)"),
    seed: int = typer.Option(2022, help="Seed of the generator: the same seed gives the same files"),
    phev_lines: int | None = typer.Option(
        None, "--phev-lines", help="Write about N line-level PHEV rows (2021-2024, one Parquet file per month) "
        "instead of the size's default (small/region: a few lines per series for 2021-2022; france: none)"),
) -> None:
    """Write a demo landing folder (every source of the data contract), without running anything.

    The folder is built aside and moved into place once complete: on an error nothing is left.
    Exit 2 with one line for an unknown size, a bad seed or number of lines, or a LANDING that
    already holds files.
    """
    import shutil
    import tempfile
    import time

    _check_demo_options(size, seed, phev_lines)
    landing = landing.absolute()
    if landing.exists() and not landing.is_dir():
        _fail(f"{landing} existe et n'est pas un dossier : choisissez un dossier de dépôt neuf")
    if landing.is_dir() and any(landing.iterdir()):
        _fail(f"{landing} existe et contient déjà des fichiers : choisissez un dossier neuf ou videz-le "
              "(rien n'a été écrit)")
    from caqes_demo import generate_demo

    parent_missing = [p for p in (landing.parent, *landing.parent.parents) if not p.exists()]
    start = time.perf_counter()
    try:
        landing.parent.mkdir(parents=True, exist_ok=True)
        aside = Path(tempfile.mkdtemp(prefix=f".{landing.name}.", dir=landing.parent))
    except OSError as exc:
        _fail(f"impossible de créer {landing} : {exc.strerror or exc}")
    moved, error = False, None
    try:
        result = generate_demo(aside, size=size, seed=seed, phev_lines=phev_lines)
        umask = os.umask(0o022)
        os.umask(umask)
        aside.chmod(0o777 & ~umask)  # as a folder made by mkdir (mkdtemp makes it private)
        if landing.is_dir():
            landing.rmdir()  # empty (checked above)
        aside.rename(landing)
        moved = True
    except (OSError, ValueError) as exc:
        error = exc
    finally:  # an error or an interruption leaves nothing behind
        if not moved:
            shutil.rmtree(aside, ignore_errors=True)
            for p in parent_missing:  # the folders this command created, deepest first
                if p.is_dir() and not any(p.iterdir()):
                    p.rmdir()
    if error is not None:
        _fail(f"génération de {landing} impossible : {error}")
    seconds = time.perf_counter() - start
    counts = result["counts"]
    _say(
        f"{landing} : démo {size} (graine {seed}), {_thousands(result['etablissements'])} ET sous "
        f"{_thousands(result['entites_juridiques'])} EJ, {result.get('regions', 0)} région(s), "
        f"{result.get('departements', 0)} département(s), {len(result['files'])} fichiers, "
        f"{_thousands(counts.get('phev_lines', 0))} lignes phev_lines, en {seconds:.1f} s"
    )


@app.command()
def semester(
    year: str | None = typer.Option(None, help="Year N of the half-year"),
    half: str | None = typer.Option(None, help="1 (January-June) or 2 (July-December)"),
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder (its warehouse holds the loaded data)"),
    landing: Path | None = typer.Option(None, help="Landing folder (default: CAQES_LANDING or OUT/landing), for the product codes"),
    referentiel: Path | None = typer.Option(None, help="Campaign référentiel YAML"),
    as_of: str | None = typer.Option(None, help="Date the documents bear (YYYY-MM-DD), default today"),
) -> None:
    """Publish the half-yearly analyses of prescriptions per EJ (volet 1 art. 4) and their
    distribution list (commission médicale, OMéDIT, ARS, CPAM) in OUT/analyses/<N>-S<h>/.

    Exit 2 with one line when the settings are wrong, OUT has no warehouse or a run is in progress.
    """
    from caqes_tasks.documents.semester import run_semester
    from caqes_tasks.pipeline import RunError

    _quiet_logs()
    out = out.resolve()
    try:
        result = run_semester(year, half, landing or _landing_default(out), out, referentiel, as_of)
    except RunError as exc:
        _fail(str(exc))
    _say(f"run {result['run_id']}: {result['rows']['analyses']} analyses ({result['rows']['emises']} nouvelles)")
    _say(f"distribution: {result['distribution']}")


def _demo_semesters(out: Path, landing: Path, years: list[int]) -> None:
    """The half-yearly analyses of each year (S1 as of 1 September N, S2 as of 1 March N+1),
    once the first annual run has built the warehouse: the later runs' feeds and reports list them."""
    from caqes_tasks.documents.semester import run_semester
    from caqes_tasks.pipeline import RunError

    try:
        for y in years:
            for half, as_of in ((1, date(y, 9, 1)), (2, date(y + 1, 3, 1))):
                done = run_semester(y, half, landing, out, as_of=as_of.isoformat())
                _say(f"    {y} S{half}: {done['rows']['analyses']} analyses -> {out / 'analyses' / f'{y}-S{half}'}")
    except RunError as exc:
        _fail(str(exc))


def _demo_reports(out: Path, years: list[int]) -> None:
    """Each year's campaign report rebuilt from its last run (as ``caqes report`` does), so that
    it links the analyses published after that run."""
    from caqes_tasks import stages
    from caqes_tasks.pipeline import RunError, hold_run_lock

    try:
        for y in years:
            with hold_run_lock(_last_run_context(out, y), "report") as held:
                stages.report(held)
    except RunError as exc:
        _fail(str(exc))


@app.command()
def demo(
    out: Path = typer.Option(DEFAULT_OUT, help="Output folder (landing is generated in OUT/landing)"),
    size: str = typer.Option("region", help="region (Nouvelle-Aquitaine-sized), small or france (18 regions)"),
    seed: int = typer.Option(2022, help="Seed of the demo generator"),
    years: list[int] = typer.Option([2022, 2023, 2024], help="Evaluation years to run"),
    airflow: bool = typer.Option(True, help="Run through Airflow (dags test) or in this process"),
) -> None:
    """Generate the demo region and run the annual DAG for each year, then show the outputs.

    Each year N runs as of 15 April N+1 (notifications préalables); earlier years run a second
    time as of 1 July N+1, after the observation deadline, to issue the décisions. Once the
    first run has built the warehouse, the half-yearly analyses of each year are published (S1 as
    of 1 September N, S2 as of 1 March N+1); at the end each year's campaign report is rebuilt so
    that it links every document of its EJs.
    """
    _check_demo_options(size, seed)
    from caqes_demo import generate_demo
    from caqes_demo.airflow_local import DagRunFailed
    from caqes_demo.airflow_session import DagRunner
    from caqes_tasks.pipeline import RunError, check_campaign_year, check_referentiel, prepare, run_annual

    try:  # settings checked before anything is written
        years = [check_campaign_year(y, check_referentiel(None, y)) for y in years]
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
    how = "Airflow dags test in one Airflow process, SQLite metadata" if airflow else "in process"
    _say(f"2/3 annual evaluation, {len(runs)} runs ({how})")
    with DagRunner(out / "airflow", progress=_say) if airflow else nullcontext() as runner:
        for i, (y, as_of) in enumerate(runs, 1):
            _say(f"  [{i}/{len(runs)}] caqes_annual year {y} as of {as_of}")
            conf = {"year": y, "landing": str(landing), "out": str(out), "as_of": as_of.isoformat()}
            try:
                if runner:
                    log = out / "airflow" / "logs" / f"annual_{y}_{as_of}.log"
                    runner.run("caqes_annual", conf, logical_date=as_of.isoformat(), log_file=log)
                else:
                    run_annual(prepare(y, landing, out, as_of=as_of), progress=lambda m: _say("    " + m))
            except (RunError, DagRunFailed) as exc:
                _fail(str(exc))
            if i == 1:
                _say("  analyses semestrielles des prescriptions (volet 1 art. 4)")
                _demo_semesters(out, landing, years)
    # every later run's report links the analyses; the first run's year is rebuilt only when
    # no later run of that year did it
    first_year = runs[0][0]
    if sum(1 for y, _ in runs if y == first_year) == 1:
        _say(f"3/3 campaign report {first_year} with its links to the analyses")
        _demo_reports(out, [first_year])
    _say("done")
    _print_outputs(out, years)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover - python -m caqes_tasks.cli
    main()
