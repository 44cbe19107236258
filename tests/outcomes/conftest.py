"""Hand-made warehouse for the outcomes tests: the dbt marts created from their contracts (model YAML)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from caqes_tasks.transform.model_yaml import contract_ddl
from caqes_tasks.warehouse.schema import create_schemas

# the marts the outcomes read, created from their dbt contracts (the model YAML), never by hand
MARTS = {name: contract_ddl(name) for name in ("dim_etablissement", "fct_contractualisation", "fct_evaluation", "fct_score")}

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
