"""What the notices read from the warehouse, for one year, in a stable order.

Read-only: marts.fct_sanction, fct_procedure, fct_interessement, fct_retenue (outcome tables,
``caqes_tasks.warehouse.schema.OUTCOME_TABLES``) and the dbt marts fct_evaluation, fct_score,
dim_etablissement, fct_perimetre (``dbt_project/models/marts/<mart>.yml``). Amounts come back as
``Decimal``.

Every column is read by name. A table or column the warehouse lacks is an error naming it: a
notice never goes out without a fact the law asks it to state (docs/rules.md §6–§7). The few
``OPTIONAL_COLUMNS`` (the EJ's address) are read when present, NULL otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


class MissingColumnError(LookupError):
    """A table or column the notices read is absent from the warehouse."""


# table → (columns read, ORDER BY). Every query filters on annee = year.
QUERIES: dict[str, tuple[str, str]] = {
    "fct_sanction": (
        "finess_ej, annee, motif, volet, base_produits_am, exercice_base, taux, montant_calcule, montant, "
        "plafond, plafond_applique, code_plafond, type_decision, statut, detail, impact, date_proposition, "
        "reference_article, motif_dg, choix_dg, base_liste_en_sus, run_id",
        "finess_ej, motif, volet NULLS FIRST, type_decision NULLS FIRST",
    ),
    "fct_procedure": (
        "finess_ej, annee, etape, date_notification, date_reception_notification, date_limite_observations, "
        "date_reception_observations, suite_observations, date_avis_cpam, sens_avis_cpam, commentaire_avis_cpam, "
        "date_decision, montant_notifie, montant_final, en_attente, run_id",
        "finess_ej, etape",
    ),
    "fct_interessement": (
        "finess_ej, annee, type, code, finess_geo, montant_plafond, montant_calcule, coefficient_modulation, "
        "montant, score, economie, part, atteinte, formule, debut_periode, methode_periode, motif_modulation, "
        "detail, run_id",
        "finess_ej, type, code, finess_geo NULLS FIRST",
    ),
    "fct_retenue": ("finess_ej, annee, objet, raison, run_id", "finess_ej, objet, raison"),
    "fct_evaluation": (
        "finess_geo, finess_ej, annee, indicateur, type_indicateur, volet, theme, sens, sous_contrat, valeur, "
        "valeur_reference, objectif, montant, montant_reference, atteinte, evaluable, motif_non_evaluable, "
        "origine_perimetre, motif_hors_contrat",
        "finess_ej, finess_geo, volet, theme, indicateur",
    ),
    "fct_score": (
        "finess_ej, annee, niveau, code, volet, score, evaluable, nb_elements",
        "finess_ej, CASE niveau WHEN 'contrat' THEN 0 WHEN 'volet' THEN 1 ELSE 2 END, volet NULLS FIRST, code",
    ),
    "dim_etablissement": (
        "finess_geo, finess_ej, annee, raison_sociale, raison_sociale_ej, departement, categorie, libelle_categorie",
        "finess_ej, finess_geo",
    ),
    "fct_perimetre": (
        "finess_ej, volet, finess_geo, indicateur, annee, type_indicateur, theme, origine, date_proposition, "
        "annee_reference_ciblage, date_avenant, motif_origine",
        "finess_ej, finess_geo, volet, indicateur",
    ),
}


# table → columns read when the warehouse has them (NULL otherwise): the EJ's postal address,
# filled from the FINESS legal-entity extract when the landing zone holds one.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_etablissement": ("adresse_ej", "ligne_acheminement_ej"),
}


def _names(cols: str) -> list[str]:
    return [c.strip() for c in cols.split(",")]


def _present_columns(con) -> dict[str, set[str]]:
    present: dict[str, set[str]] = defaultdict(set)
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts'"
    ).fetchall():
        present[table].add(column)
    return present


def check_columns(con) -> None:
    """Raise ``MissingColumnError`` naming every table or column of ``QUERIES`` the warehouse lacks."""
    present = _present_columns(con)
    missing: list[str] = []
    for table, (cols, _) in QUERIES.items():
        if table not in present:
            missing.append(f"marts.{table}")
        else:
            missing += [f"marts.{table}.{col}" for col in _names(cols) if col not in present[table]]
    if missing:
        raise MissingColumnError(f"the notices need {', '.join(missing)}, absent from the warehouse")


@dataclass
class YearData:
    """Rows of one year, grouped by finess_ej (each a list of dicts, in query order)."""

    year: int
    tables: dict[str, dict[str, list[dict]]] = field(default_factory=dict)

    def rows(self, table: str, finess_ej: str) -> list[dict]:
        return self.tables.get(table, {}).get(finess_ej, [])

    def ejs(self, table: str) -> list[str]:
        return sorted(self.tables.get(table, {}))


def read_year(con, year: int) -> YearData:
    """Read every table the notices rest on for ``year`` (connection opened read-only)."""
    check_columns(con)
    present = _present_columns(con)
    data = YearData(year)
    for table, (cols, order) in QUERIES.items():
        optional = [
            c if c in present[table] else f"CAST(NULL AS VARCHAR) AS {c}" for c in OPTIONAL_COLUMNS.get(table, ())
        ]
        cols = ", ".join([cols, *optional])
        cur = con.execute(f"SELECT {cols} FROM marts.{table} WHERE annee = ? ORDER BY {order}", [year])
        names = [d[0] for d in cur.description]
        grouped: dict[str, list[dict]] = defaultdict(list)
        for row in cur.fetchall():
            rec = dict(zip(names, row))
            grouped[str(rec["finess_ej"])].append(rec)
        data.tables[table] = dict(grouped)
    return data
