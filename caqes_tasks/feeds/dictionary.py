"""The data dictionary published with each feed set, generated from the dbt YAML.

Two files beside the feeds of a run folder (``OUT/feeds/<annee>/runs/<run_id>/``):

- ``dictionnaire.json``: a Frictionless *Tabular Data Package* (the format of schema.data.gouv.fr
  and of the data.gouv.fr validators): one resource per published CSV, each with its *Table
  Schema* (fields with name, title, description, type and constraints: ``required`` from the
  mart's contract, ``enum`` from its ``accepted_values`` tests; the table's key as
  ``primaryKey``) and the CSV dialect the feeds use (``;``, UTF-8 with BOM, decimal comma);
- ``dictionnaire.csv``: the same, one line per column, in the feeds' Excel-friendly CSV.

Descriptions are those of ``dbt_project/models/marts/<mart>.yml`` and, for the outcome tables,
``dbt_project/models/outcomes.yml`` (:mod:`caqes_tasks.transform.model_yaml`); the column types
are those of the published table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from caqes_tasks.audit import tracabilite
from caqes_tasks.feeds.excel_csv import write_excel_csv
from caqes_tasks.transform.model_yaml import descriptions, flat, models, source_tables
from caqes_tasks.transform.model_yaml import OUTCOMES_YML

DICTIONARY_JSON = "dictionnaire.json"
DICTIONARY_CSV = "dictionnaire.csv"

_TYPES = {"VARCHAR": "string", "INTEGER": "integer", "BIGINT": "integer", "SMALLINT": "integer",
          "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "datetime", "DOUBLE": "number", "FLOAT": "number"}


def frictionless_type(sql_type: str) -> str:
    """The Table Schema type of a DuckDB column type (``DECIMAL(18,2)`` → ``number``)."""
    base = sql_type.upper().split("(")[0].strip()
    return "number" if base in ("DECIMAL", "NUMERIC") else _TYPES.get(base, "string")


def _textes() -> dict[str, dict[str, str]]:
    """Descriptions of every published table: the dbt YAML's, and the tracabilite feed's own
    (it is no warehouse table: :mod:`caqes_tasks.audit.tracabilite` describes it)."""
    return descriptions() | {tracabilite.FEED: tracabilite.commentaires()}


def _declarations() -> dict[str, dict]:
    return {**source_tables(OUTCOMES_YML), **models("marts")}


def _constraints(column: dict) -> dict:
    out: dict = {}
    if any(c.get("type") == "not_null" for c in column.get("constraints") or []):
        out["required"] = True
    for test in column.get("data_tests") or column.get("tests") or []:
        if isinstance(test, dict) and "accepted_values" in test:
            spec = test["accepted_values"]
            values = (spec.get("arguments") or spec).get("values")
            if values:
                out["enum"] = [str(v) for v in values]
        elif test == "not_null":
            out["required"] = True
    return out


def _primary_key(declared: dict) -> list[str]:
    for test in declared.get("data_tests") or []:
        if isinstance(test, dict) and "unique_combination" in test:
            spec = test["unique_combination"]
            return list((spec.get("arguments") or spec).get("columns") or [])
    return []


def table_schema(mart: str, columns: list[tuple[str, str]]) -> dict:
    """The Table Schema of one published table (``columns``: its (name, SQL type), in order)."""
    declared = _declarations().get(mart, {})
    texts = _textes().get(mart, {})
    by_name = {c["name"]: c for c in declared.get("columns") or []}
    fields = []
    for name, sql_type in columns:
        field = {"name": name, "title": name, "description": texts.get(name, ""), "type": frictionless_type(sql_type)}
        if field["type"] == "number":
            field["decimalChar"] = ","
        constraints = _constraints(by_name.get(name, {}))
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict = {"fields": fields, "missingValues": [""]}
    key = [k for k in _primary_key(declared) if k in dict(columns)]
    if key:
        schema["primaryKey"] = key
    return schema


def data_package(annee: int, run_id: str, tables: dict[str, list[tuple[str, str]]]) -> dict:
    """The data package of a feed set: ``tables`` is ``{mart: [(column, SQL type), ...]}``."""
    texts = _textes()
    resources = [
        {
            "name": mart,
            "title": mart,
            "description": flat(texts.get(mart, {}).get("")),
            "path": f"{mart}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "dialect": {"delimiter": ";", "lineTerminator": "\r\n", "quoteChar": '"', "header": True},
            "schema": table_schema(mart, columns),
        }
        for mart, columns in tables.items()
    ]
    return {
        "profile": "tabular-data-package",
        "name": f"caqes-{annee}",
        "title": f"CAQES : indicateurs, ciblage, contrats, évaluation et résultats de l'année {annee}",
        "description": (
            "Jeux de données publiés par le pipeline CAQES (contrat d'amélioration de la qualité et de "
            f"l'efficience des soins, articles L162-30-2 à L162-30-4 du code de la sécurité sociale) pour l'année {annee}, "
            f"exécution {run_id}. Chaque table est publiée en Parquet et en CSV (« ; », UTF-8 avec BOM, virgule décimale)."
        ),
        "resources": resources,
    }


def dictionary_table(package: dict) -> pa.Table:
    """One row per published column: table, colonne, type, description, obligatoire, valeurs admises."""
    rows: dict[str, list] = {k: [] for k in ("table", "colonne", "type", "description", "obligatoire", "valeurs_admises")}
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            constraints = field.get("constraints") or {}
            rows["table"].append(resource["name"])
            rows["colonne"].append(field["name"])
            rows["type"].append(field["type"])
            rows["description"].append(field["description"])
            rows["obligatoire"].append(bool(constraints.get("required")))
            rows["valeurs_admises"].append(", ".join(constraints.get("enum") or []) or None)
    return pa.table(rows)


def write_dictionary(folder: Path, annee: int, run_id: str, tables: dict[str, list[tuple[str, str]]]) -> dict[str, Path]:
    """Write ``dictionnaire.json`` and ``dictionnaire.csv`` into ``folder``; return their paths."""
    package = data_package(annee, run_id, tables)
    json_path, csv_path = folder / DICTIONARY_JSON, folder / DICTIONARY_CSV
    json_path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_excel_csv(dictionary_table(package), csv_path)
    return {"json": json_path, "csv": csv_path}
