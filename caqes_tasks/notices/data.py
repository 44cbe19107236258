"""What the notices read from the warehouse, for one year, in a stable order.

Read-only: marts.fct_sanction, fct_procedure, fct_interessement, fct_retenue (outcome tables,
``caqes_tasks.warehouse.schema.OUTCOME_TABLES``) and the dbt marts fct_evaluation, fct_score,
dim_etablissement (``docs/architecture.md``). Amounts come back as ``Decimal``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

# table → (columns read, ORDER BY). Every query filters on annee = year.
QUERIES: dict[str, tuple[str, str]] = {
    "fct_sanction": (
        "finess_ej, annee, motif, volet, base_produits_am, exercice_base, taux, montant_calcule, montant, "
        "plafond, plafond_applique, type_decision, statut, detail, run_id",
        "finess_ej, motif, volet NULLS FIRST",
    ),
    "fct_procedure": (
        "finess_ej, annee, etape, date_notification, date_limite_observations, date_reception_observations, "
        "suite_observations, date_decision, montant_notifie, montant_final, run_id",
        "finess_ej, etape",
    ),
    "fct_interessement": (
        "finess_ej, annee, type, code, finess_geo, montant_plafond, montant_calcule, coefficient_modulation, "
        "montant, score, economie, part, detail, run_id",
        "finess_ej, type, code, finess_geo NULLS FIRST",
    ),
    "fct_retenue": ("finess_ej, annee, objet, raison, run_id", "finess_ej, objet, raison"),
    "fct_evaluation": (
        "finess_geo, finess_ej, annee, indicateur, type_indicateur, volet, theme, sens, sous_contrat, valeur, "
        "valeur_reference, objectif, montant, montant_reference, atteinte, evaluable, motif_non_evaluable",
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
}


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
    data = YearData(year)
    for table, (cols, order) in QUERIES.items():
        cur = con.execute(f"SELECT {cols} FROM marts.{table} WHERE annee = ? ORDER BY {order}", [year])
        names = [d[0] for d in cur.description]
        grouped: dict[str, list[dict]] = defaultdict(list)
        for row in cur.fetchall():
            rec = dict(zip(names, row))
            grouped[str(rec["finess_ej"])].append(rec)
        data.tables[table] = dict(grouped)
    return data
