"""Hand-made warehouse for the outcomes tests: the dbt marts with exactly their documented columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from caqes_tasks.warehouse.schema import create_schemas

MARTS = {
    "dim_etablissement": """finess_geo VARCHAR, finess_ej VARCHAR, annee INTEGER, raison_sociale VARCHAR,
        raison_sociale_ej VARCHAR, departement VARCHAR, categorie VARCHAR, libelle_categorie VARCHAR""",
    "fct_contractualisation": """finess_ej VARCHAR, annee INTEGER, volet VARCHAR, propose BOOLEAN, statut VARCHAR,
        en_vigueur BOOLEAN, date_signature DATE, date_effet DATE, date_fin DATE, date_proposition DATE,
        refus_a_sanctionner BOOLEAN, date_resiliation DATE""",
    "fct_evaluation": """finess_geo VARCHAR, finess_ej VARCHAR, annee INTEGER, indicateur VARCHAR,
        type_indicateur VARCHAR, volet VARCHAR, theme VARCHAR, sens VARCHAR, sous_contrat BOOLEAN,
        valeur DECIMAL(18,6), valeur_reference DECIMAL(18,6), objectif DECIMAL(18,6), montant DECIMAL(18,2),
        montant_reference DECIMAL(18,2), atteinte DECIMAL(18,6), evaluable BOOLEAN, motif_non_evaluable VARCHAR,
        mesure VARCHAR, origine_perimetre VARCHAR, debut_periode DATE, methode_periode VARCHAR,
        montant_periode DECIMAL(18,2), montant_periode_reference DECIMAL(18,2), motif_hors_contrat VARCHAR""",
    "fct_score": """finess_ej VARCHAR, annee INTEGER, niveau VARCHAR, code VARCHAR, volet VARCHAR,
        score DECIMAL(5,2), evaluable BOOLEAN, nb_elements INTEGER""",
}

LINEAGE = {"_file": "test.csv", "_sha256": "0" * 64, "_line": 1}

# Raw sources of docs/rules.md revision 2 the outcomes read (interfaces: declared by ingest in
# schema.RAW_TABLES); created here only if the schema does not declare them.
RAW_SOURCES = {
    "notifications": """finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, document VARCHAR NOT NULL,
        date_envoi DATE NOT NULL, date_reception DATE""",
    "avis_cpam": """finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, date_avis DATE NOT NULL,
        sens VARCHAR NOT NULL, commentaire VARCHAR""",
    "decisions_dg": """finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, objet VARCHAR NOT NULL,
        choix VARCHAR NOT NULL, montant_base DECIMAL(18,2), motif VARCHAR NOT NULL""",
}
LINEAGE_DDL = "_file VARCHAR NOT NULL, _sha256 VARCHAR NOT NULL, _line INTEGER NOT NULL"


def insert(con, table: str, rows: list[dict]) -> None:
    for r in rows:
        cols = list(r)
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", list(r.values()))


def build_warehouse(path: Path, data: dict[str, list[dict]]) -> None:
    """Create raw/meta/marts tables and load ``data`` ({'marts.fct_score': [...], 'raw.enveloppes': [...]})."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        create_schemas(con)
        for name, cols in RAW_SOURCES.items():
            con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({cols}, {LINEAGE_DDL})")
        for name, cols in MARTS.items():
            con.execute(f"CREATE TABLE IF NOT EXISTS marts.{name} ({cols})")
        for table, rows in data.items():
            if table.startswith("raw."):
                rows = [{**r, **LINEAGE} for r in rows]
            insert(con, table, rows)
    finally:
        con.close()


@pytest.fixture
def warehouse_builder():
    return build_warehouse
