"""The outcomes stage: intéressement, sanctions and the contradictory procedure for year N.

Reads marts.fct_score, fct_evaluation, fct_contractualisation, dim_etablissement, raw.produits_am,
enveloppes, modulations, observations, notifications, avis_cpam, decisions_dg and the référentiel;
writes marts.fct_interessement, fct_enveloppe, fct_sanction, fct_procedure, fct_retenue for
``ctx.year`` (that year's rows replaced in one transaction, every row carrying ``ctx.run_id``) and
appends the procedure's new states to meta.procedure, which re-runs never replace. Its result
lists ``warnings``: parameters accepted but unusual (e.g. a national share outside 20–30 %).
"""

from __future__ import annotations

import re

from caqes_tasks.context import RunContext
from caqes_tasks.outcomes import calcul, legal
from caqes_tasks.outcomes.lecture import OutcomeInputError, lire_entrees
from caqes_tasks.outcomes.money import cents_to_euros
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.warehouse import connect, writer_lock
from caqes_tasks.warehouse.schema import META_TABLES, OUTCOME_TABLES, create_schemas

TABLES = ("fct_interessement", "fct_enveloppe", "fct_sanction", "fct_procedure", "fct_retenue")


def _columns(ddl: str) -> list[str]:
    """Column names of a DDL column list (commas inside DECIMAL(p,s) are not separators)."""
    return [m.group(1) for m in re.finditer(r"(?:^|,)\s*([a-z_][a-z0-9_]*)\s+[A-Z]", re.sub(r"\([^)]*\)", "", ddl))]


def _colonnes_ddl(ddl: str) -> dict[str, tuple[str, bool]]:
    """Column -> (type, NOT NULL) of a DDL column list."""
    out = {}
    for part in re.split(r",(?![^()]*\))", ddl):
        m = re.match(r"\s*([a-z_][a-z0-9_]*)\s+(.+?)\s*$", part, re.S)
        if m:
            typ = " ".join(m.group(2).split())
            out[m.group(1)] = (typ.replace(" NOT NULL", ""), typ.endswith("NOT NULL"))
    return out


def _migrer(con) -> None:
    """Bring outcome tables of an existing warehouse to the declared columns (schema.py).

    ``CREATE TABLE IF NOT EXISTS`` keeps a table created by an earlier version as it was: the
    columns added since are added (NULL in earlier rows, which stay untouched — meta.procedure is
    append-only) and a column that became nullable loses its NOT NULL.
    """
    tables = [("marts", t, OUTCOME_TABLES[t]) for t in TABLES] + [("meta", "procedure", META_TABLES["procedure"])]
    for schema, table, ddl in tables:
        existing = {
            name: nullable == "YES"
            for name, nullable in con.execute(
                "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, table],
            ).fetchall()
        }
        for col, (typ, not_null) in _colonnes_ddl(ddl).items():
            if col not in existing:
                con.execute(f"ALTER TABLE {schema}.{table} ADD COLUMN {col} {typ}")
            elif not not_null and not existing[col]:
                con.execute(f"ALTER TABLE {schema}.{table} ALTER COLUMN {col} DROP NOT NULL")


def _insert(con, table: str, columns: list[str], rows: list[dict]) -> None:
    if not rows:
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    con.executemany(sql, [[r[c] for c in columns] for r in rows])


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


def _et_hors_repertoire(e) -> list[dict]:
    """ETs under contract that dim_etablissement does not place under the same EJ."""
    out, seen = [], set()
    for r in e.evaluation:
        if not r["sous_contrat"] or (r["finess_ej"], r["finess_geo"]) in seen:
            continue
        seen.add((r["finess_ej"], r["finess_geo"]))
        if e.et_ej.get(r["finess_geo"]) != r["finess_ej"]:
            out.append(calcul.retenue(r["finess_ej"], e.annee, f"etablissement:{r['finess_geo']}",
                                      "ET sous contrat absent du répertoire de l'année sous cette EJ"))
    return out


def outcomes_stage(ctx: RunContext) -> dict:
    """Compute and write the outcomes of year ``ctx.year`` (stage contract: docs/architecture.md)."""
    ref = load_referentiel(ctx.referentiel)
    legal.check_referentiel(ref)
    if not ctx.run_id:
        raise ValueError("the outcomes stage needs the run id")
    as_of = ctx.as_of_date
    cols = {t: _columns(OUTCOME_TABLES[t]) for t in TABLES}
    proc_cols = _columns(META_TABLES["procedure"])
    with writer_lock(ctx.warehouse), connect(ctx.warehouse) as con:
        create_schemas(con)
        _migrer(con)
        _check_year_status(con, ctx)
        e = lire_entrees(con, ctx.year, ref.exercice_produits_am(ctx.year))

        nat, ret_nat = calcul.interessement_national(e, ref)
        reg, ret_reg, totaux_themes = calcul.interessement_regional(e, ref)
        interessement = nat + reg
        ret_mod = calcul.appliquer_modulations(interessement, e)
        sanctions, ret_sanc = calcul.sanctions_calculees(e, ref)
        nouveaux, courants, ret_proc = calcul.procedures(e, ref, sanctions, as_of, ctx.run_id)
        sanction_rows = calcul.lignes_sanction(e, sanctions, courants)
        procedure_rows = calcul.lignes_procedure(courants)
        retenues = _et_hors_repertoire(e) + ret_nat + ret_reg + ret_mod + ret_sanc + ret_proc

        totals = {
            "interessement_national": sum(r["montant"] for r in nat),
            "interessement_regional": sum(r["montant"] for r in reg),
            "sanctions": sum(r["montant"] for r in sanction_rows),
        }
        for r in interessement + sanction_rows:
            r["montant"] = cents_to_euros(r["montant"])
        out = {
            "fct_interessement": interessement,
            "fct_enveloppe": calcul.lignes_enveloppe(ctx.year, totaux_themes),
            "fct_sanction": sanction_rows,
            "fct_procedure": procedure_rows,
            "fct_retenue": retenues,
        }
        for rows in out.values():
            for r in rows:
                r["run_id"] = ctx.run_id
        snapshots = [
            {**s.__dict__,
             "montant_notifie": cents_to_euros(s.montant_notifie),
             "montant_retenu": None if s.montant_retenu is None else cents_to_euros(s.montant_retenu),
             "montant_final": None if s.montant_final is None else cents_to_euros(s.montant_final)}
            for s in nouveaux
        ]
        warnings = ref.avertissements()
        con.execute("BEGIN TRANSACTION")
        try:
            for table, rows in out.items():
                con.execute(f"DELETE FROM marts.{table} WHERE annee = ?", [ctx.year])
                _insert(con, f"marts.{table}", cols[table], rows)
            _insert(con, "meta.procedure", proc_cols, snapshots)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    return {
        "rows": {t: len(r) for t, r in out.items()} | {"meta.procedure (new states)": len(snapshots)},
        "outputs": {"warehouse": str(ctx.warehouse)},
        "totals": {k: str(cents_to_euros(v)) for k, v in totals.items()},
        "themes": {
            t: {"enveloppe": str(cents_to_euros(d["enveloppe"])), "distribue": str(cents_to_euros(d["distribue"]))}
            for t, d in totaux_themes.items()
        },
        "procedure": {
            etape: sum(1 for s, _ in courants.values() if s.etape == etape)
            for etape in sorted({s.etape for s, _ in courants.values()})
        },
        "en_attente": {
            attente: sum(1 for _, a in courants.values() if a == attente)
            for attente in sorted({a for _, a in courants.values() if a})
        },
        "warnings": warnings,
    }

