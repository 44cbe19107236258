"""Columns of each delimited source (data contract) and how each is typed (raw.* DDL).

``required``: the cell must be filled on every row. ``may_be_absent``: the column itself may be
missing from a file's header (a column added to the contract after files were delivered); the
reader then fills it with empty values (NULL in raw.*).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # finess | text | code | int | dec2 | dec6 | date
    required: bool = True
    may_be_absent: bool = False


def _c(name: str, kind: str, required: bool = True, may_be_absent: bool = False) -> Column:
    return Column(name, kind, required, may_be_absent)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "phev": (
        _c("finess_geo", "finess"), _c("annee", "int"), _c("indicateur", "code"),
        _c("montant_rembourse", "dec2"), _c("volume", "int", False),
        _c("numerateur", "dec2", False), _c("denominateur", "dec2", False),
    ),
    "regional": (
        _c("finess_geo", "finess"), _c("annee", "int"), _c("indicateur", "code"),
        _c("valeur", "dec6"), _c("numerateur", "dec2", False), _c("denominateur", "dec2", False),
    ),
    "engagements": (
        _c("finess_geo", "finess"), _c("annee", "int"), _c("theme", "code"),
        _c("engagement_id", "text"), _c("libelle", "text", False), _c("realise", "code"),
    ),
    "contrats": (
        _c("finess_ej", "finess"), _c("volet", "code"), _c("statut", "code"),
        _c("date_proposition", "date", False, may_be_absent=True),
        _c("date_signature", "date", False), _c("date_effet", "date", False), _c("date_fin", "date", False),
    ),
    "avenants": (
        _c("finess_ej", "finess"), _c("volet", "code"), _c("finess_geo", "finess", False),
        _c("indicateur", "code", False), _c("action", "code"), _c("date_signature", "date"),
        _c("motif", "text", False),
    ),
    "notifications": (
        _c("finess_ej", "finess"), _c("annee", "int"), _c("document", "code"),
        _c("date_envoi", "date"), _c("date_reception", "date", False),
    ),
    "avis_cpam": (
        _c("finess_ej", "finess"), _c("annee", "int"), _c("date_avis", "date"),
        _c("sens", "code"), _c("commentaire", "text", False),
    ),
    "decisions_dg": (
        _c("finess_ej", "finess"), _c("annee", "int"), _c("objet", "code"), _c("choix", "code"),
        _c("montant_base", "dec2", False), _c("motif", "text"),
    ),
    "produits_am": (_c("finess_ej", "finess"), _c("exercice", "int"), _c("produits_am", "dec2")),
    "enveloppes": (_c("annee", "int"), _c("theme", "code"), _c("montant", "dec2")),
    "modulations": (
        _c("finess_ej", "finess"), _c("annee", "int"), _c("coefficient", "dec6"), _c("motif", "text"),
    ),
    "observations": (
        _c("finess_ej", "finess"), _c("annee", "int"), _c("date_reception", "date"),
        _c("suite", "code"), _c("montant_retenu", "dec2", False), _c("motif", "text", False),
    ),
    # the establishment's self-assessment per theme (contrat type art. 8), read by the
    # rapport d'évaluation annuel (caqes_tasks.documents)
    "autoevaluations": (
        _c("finess_ej", "finess"), _c("annee", "int"), _c("theme", "code"),
        _c("realisation", "code"), _c("commentaire", "text", False),
    ),
}

# The column that says which data year a row concerns (used to block campaign years);
# ``avenants`` are dated by ``date_signature`` (see caqes_tasks.ingest.blocking).
YEAR_COLUMN: dict[str, str] = {
    "phev": "annee", "phev_lines": "annee", "regional": "annee", "engagements": "annee", "produits_am": "exercice",
    "enveloppes": "annee", "modulations": "annee", "observations": "annee", "finess": "annee",
    "notifications": "annee", "avis_cpam": "annee", "decisions_dg": "annee",
    "autoevaluations": "annee",
}
