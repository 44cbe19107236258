"""The dbt YAML describes, in French, every column of the tables the Python stages write.

The raw inputs and the meta tables are declared in ``dbt_project/models/sources.yml``, the outcome
tables in ``dbt_project/models/outcomes.yml``; their columns are defined once, in
``caqes_tasks/warehouse/schema.py``. A column added there without a description, or a YAML column
that no table has, fails here.
"""

from __future__ import annotations

import re

import duckdb
import pytest
import yaml

from caqes_tasks.outcomes.vocabulary import COLONNES_CODEES, ObjetRetenue
from caqes_tasks.transform.model_yaml import OUTCOMES_YML, SOURCES_YML, flat, source_tables
from caqes_tasks.warehouse.schema import create_schemas

# Words of an English sentence that no French description uses.
ENGLISH = re.compile(r"\b(the|of|and|when|with|which|per|from|is|are|its|else|in euros|between)\b", re.I)
# dbt source -> the YAML that declares it and the warehouse schema it reads (in marts: only the
# outcome tables, the dbt marts are declared by their models)
SOURCES = {"raw": (SOURCES_YML, "raw"), "meta": (SOURCES_YML, "meta"), "outcomes": (OUTCOMES_YML, "marts")}


def _warehouse_columns() -> dict[tuple[str, str], list[str]]:
    """``{(schema, table): [column, ...]}`` of the tables ``create_schemas`` creates."""
    con = duckdb.connect()
    try:
        create_schemas(con)
        rows = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema IN ('raw', 'meta', 'marts') ORDER BY table_schema, table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        out.setdefault((schema, table), []).append(column)
    return out


def _yaml_tables() -> dict[tuple[str, str], dict]:
    """``{(schema, table): declaration}`` of the YAML sources, keyed by the schema they read."""
    out = {}
    for path in {path for path, _ in SOURCES.values()}:
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            schema = SOURCES[source["name"]][1]
            for table in source["tables"]:
                assert (schema, table["name"]) not in out, f"{schema}.{table['name']} déclarée deux fois"
                out[(schema, table["name"])] = table
    return out


WAREHOUSE = _warehouse_columns()
DECLARED = _yaml_tables()


def test_every_table_written_by_python_is_declared_and_nothing_else():
    assert set(WAREHOUSE) == set(DECLARED)
    assert ("raw", "finess") in DECLARED and ("meta", "procedure") in DECLARED and ("marts", "fct_sanction") in DECLARED


@pytest.mark.parametrize("key", sorted(WAREHOUSE), ids=lambda k: ".".join(k))
def test_every_column_is_described_in_french_and_exists(key):
    table = DECLARED.get(key)
    assert table is not None, f"{'.'.join(key)} : table absente du YAML des sources dbt"
    assert flat(table.get("description")), f"{'.'.join(key)} sans description"
    yaml_columns = [c["name"] for c in table.get("columns") or []]
    assert len(yaml_columns) == len(set(yaml_columns)), f"{'.'.join(key)} : colonne déclarée deux fois"
    missing = [c for c in WAREHOUSE[key] if c not in yaml_columns]
    unknown = [c for c in yaml_columns if c not in WAREHOUSE[key]]
    assert not missing, f"{'.'.join(key)} : colonnes sans description dans le YAML : {missing}"
    assert not unknown, f"{'.'.join(key)} : colonnes du YAML absentes de schema.py : {unknown}"
    texts = {"": flat(table["description"])}
    texts.update({c["name"]: flat(c.get("description")) for c in table["columns"]})
    for column, text in texts.items():
        assert text, f"{'.'.join(key)}.{column} sans description"
        assert not ENGLISH.search(text), f"{'.'.join(key)}.{column} : « {text} »"


def test_coded_columns_name_every_code_the_writers_produce():
    outcomes = source_tables(OUTCOMES_YML)
    for table, columns in COLONNES_CODEES.items():
        described = {c["name"]: flat(c.get("description")) for c in outcomes[table]["columns"]}
        for column, enum in columns.items():
            absent = [m.value for m in enum if not re.search(rf"\b{m.value}\b", described[column])]
            assert not absent, f"{table}.{column} : la description ne nomme pas {absent}"
    objet = next(flat(c["description"]) for c in outcomes["fct_retenue"]["columns"] if c["name"] == "objet")
    heads = set(re.findall(r"\b[a-z_]+\b", objet))
    assert {m.value for m in ObjetRetenue} <= heads
