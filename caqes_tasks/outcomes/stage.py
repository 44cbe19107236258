"""The outcomes stage: intéressement, sanctions and the contradictory procedure for year N.

Reads marts.fct_score, fct_evaluation, fct_contractualisation, dim_etablissement, raw.produits_am,
enveloppes, modulations, observations, notifications, avis_cpam, decisions_dg and the référentiel
of the campaign that evaluates year N (refused otherwise, and when dbt computed year N under
another campaign: each year is evaluated under its own campaign's parameters);
writes marts.fct_interessement, fct_enveloppe, fct_sanction, fct_procedure, fct_retenue for
``ctx.year`` (that year's rows replaced in one transaction, every row carrying ``ctx.run_id``) and
appends the procedure's new states to meta.procedure, which re-runs never replace. Its result
lists ``warnings``: parameters accepted but unusual (e.g. a national share outside 20–30 %).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.outcomes import calcul, legal
from caqes_tasks.outcomes.lecture import Entrees, OutcomeInputError, lire_entrees
from caqes_tasks.outcomes.money import cents_to_euros
from caqes_tasks.outcomes.procedure import EtatProcedure
from caqes_tasks.referentiel import Referentiel, load_referentiel
from caqes_tasks.warehouse import connect, writer_lock
from caqes_tasks.warehouse.schema import OUTCOME_COLUMNS, PROCEDURE_COLUMNS, Colonne, create_schemas


@dataclass(frozen=True)
class Resultats:
    """The outcomes of one year as computed, before any write.

    ``interessement`` and ``sanctions`` rows hold ``montant`` in integer cents (their other
    amounts are already euros); ``courants``: each EJ's procedure state at the run's date with
    what it waits for; ``nouveaux``: the snapshots reached since the last run.
    """

    interessement: list[dict]
    enveloppes: list[dict]
    sanctions: list[dict]
    procedures: list[dict]
    retenues: list[dict]
    nouveaux: list[EtatProcedure]
    courants: dict[str, tuple[EtatProcedure, str | None]]
    totaux_themes: dict[str, dict]
    totaux: dict[str, int]  # cents


def calculer(e: Entrees, ref: Referentiel, as_of: date, run_id: str) -> Resultats:
    """Compute step: every outcome of ``e.annee`` from the inputs read (no I/O)."""
    nat, ret_nat = calcul.interessement_national(e, ref)
    reg, ret_reg, totaux_themes = calcul.interessement_regional(e, ref)
    interessement = nat + reg
    ret_mod = calcul.appliquer_modulations(interessement, e)
    sanctions, ret_sanc = calcul.sanctions_calculees(e, ref)
    nouveaux, courants, ret_proc = calcul.procedures(e, ref, sanctions, as_of, run_id)
    sanction_rows = calcul.lignes_sanction(e, sanctions, courants)
    return Resultats(
        interessement=interessement,
        enveloppes=calcul.lignes_enveloppe(e.annee, totaux_themes),
        sanctions=sanction_rows,
        procedures=calcul.lignes_procedure(courants),
        retenues=calcul.et_hors_repertoire(e) + ret_nat + ret_reg + ret_mod + ret_sanc + ret_proc,
        nouveaux=nouveaux,
        courants=courants,
        totaux_themes=totaux_themes,
        totaux={
            "interessement_national": sum(r["montant"] for r in nat),
            "interessement_regional": sum(r["montant"] for r in reg),
            "sanctions": sum(r["montant"] for r in sanction_rows),
        },
    )


def _en_euros(rows: list[dict]) -> list[dict]:
    return [{**r, "montant": cents_to_euros(r["montant"])} for r in rows]


def lignes_tables(res: Resultats, run_id: str) -> dict[str, list[dict]]:
    """The rows of each outcome table as written: money in euros, each row with ``run_id``."""
    tables = {
        "fct_interessement": _en_euros(res.interessement),
        "fct_enveloppe": res.enveloppes,
        "fct_sanction": _en_euros(res.sanctions),
        "fct_procedure": res.procedures,
        "fct_retenue": res.retenues,
    }
    return {table: [{**r, "run_id": run_id} for r in rows] for table, rows in tables.items()}


def lignes_instantanes(nouveaux: list[EtatProcedure]) -> list[dict]:
    """meta.procedure rows of the procedure's new snapshots, money in euros."""
    def eur(cents: int | None):
        return None if cents is None else cents_to_euros(cents)

    return [
        {**asdict(s), "montant_notifie": eur(s.montant_notifie), "montant_retenu": eur(s.montant_retenu),
         "montant_final": eur(s.montant_final)}
        for s in nouveaux
    ]


def _insert(con, table: str, colonnes: tuple[Colonne, ...], rows: list[dict]) -> None:
    if not rows:
        return
    names = [c.nom for c in colonnes]
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    con.executemany(sql, [[r[n] for n in names] for r in rows])


def ecrire(con, annee: int, tables: dict[str, list[dict]], instantanes: list[dict]) -> None:
    """Write step: replace year ``annee``'s rows of each outcome table and append the procedure's
    new snapshots to meta.procedure, in one transaction (all or nothing)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table, rows in tables.items():
            con.execute(f"DELETE FROM marts.{table} WHERE annee = ?", [annee])
            _insert(con, f"marts.{table}", OUTCOME_COLUMNS[table], rows)
        _insert(con, "meta.procedure", PROCEDURE_COLUMNS, instantanes)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _check_year_status(con, ctx: RunContext) -> None:
    """Never compute from inputs that failed validation (docs/rules.md §8)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' AND table_name = 'year_status'"
    ).fetchone()[0]
    if not exists:
        return
    rows = con.execute(
        "SELECT status, reasons FROM meta.year_status WHERE run_id = ? AND annee = ?", [ctx.run_id, ctx.year]
    ).fetchall()
    blocked = [r for r in rows if r[0] != "ok"]
    if blocked:
        raise OutcomeInputError(f"year {ctx.year} blocked by validation: {blocked[0][1] or blocked[0][0]}")


def _resume(ctx: RunContext, res: Resultats, tables: dict[str, list[dict]], instantanes: list[dict],
            warnings: list) -> dict:
    courants = res.courants
    return {
        "rows": {t: len(r) for t, r in tables.items()} | {"meta.procedure (new states)": len(instantanes)},
        "outputs": {"warehouse": ctx.wh.describe()},
        "totals": {k: str(cents_to_euros(v)) for k, v in res.totaux.items()},
        "themes": {
            t: {"enveloppe": str(cents_to_euros(d["enveloppe"])), "distribue": str(cents_to_euros(d["distribue"]))}
            for t, d in res.totaux_themes.items()
        },
        "procedure": {
            etape: sum(1 for s, _ in courants.values() if s.etape == etape)
            for etape in sorted({str(s.etape) for s, _ in courants.values()})
        },
        "en_attente": {
            attente: sum(1 for _, a in courants.values() if a == attente)
            for attente in sorted({str(a) for _, a in courants.values() if a})
        },
        "warnings": warnings,
    }


def _check_campagne(con, ctx: RunContext, ref: Referentiel) -> None:
    """Year N's evaluation rows were computed by dbt under the campaign whose référentiel the run uses."""
    autres = [c for (c,) in con.execute(
        "SELECT DISTINCT campagne FROM marts.fct_evaluation WHERE annee = ? AND campagne <> ? ORDER BY 1",
        [ctx.year, ref.campagne]).fetchall()]
    if autres:
        raise OutcomeInputError(f"year {ctx.year}: marts.fct_evaluation computed under campaign {', '.join(autres)}, "
                                f"the run's référentiel is campaign {ref.campagne}")


def outcomes_stage(ctx: RunContext) -> dict:
    """Compute and write the outcomes of year ``ctx.year`` (stage contract: docs/architecture.md)."""
    ref = load_referentiel(ctx.referentiel)
    legal.check_referentiel(ref)
    if not ctx.run_id:
        raise ValueError("the outcomes stage needs the run id")
    if not ref.evalue(ctx.year):
        raise OutcomeInputError(f"year {ctx.year} is not evaluated by campaign {ref.campagne} ({Path(ref.path).name}): "
                                "the run needs the référentiel of the campaign that evaluates it")
    with writer_lock(ctx.wh), connect(ctx.wh) as con:
        create_schemas(con)  # and brings tables of an earlier version to the declared columns
    # then only year N's rows: on PostgreSQL, other years' outcomes may be written meanwhile
    with writer_lock(ctx.wh, year=ctx.year), connect(ctx.wh) as con:
        _check_year_status(con, ctx)
        _check_campagne(con, ctx, ref)
        e = lire_entrees(con, ctx.year, ref.exercice_produits_am(ctx.year))
        res = calculer(e, ref, ctx.as_of_date, ctx.run_id)
        tables = lignes_tables(res, ctx.run_id)
        instantanes = lignes_instantanes(res.nouveaux)
        ecrire(con, ctx.year, tables, instantanes)
    return _resume(ctx, res, tables, instantanes, ref.avertissements())
