"""What the notices read: every revision-2 column by name; a column the project declares but the
warehouse lacks is an error, one not declared yet reads as NULL."""

from __future__ import annotations

import duckdb
import pytest
from notices_fixtures import YEAR, build_warehouse

from caqes_tasks.notices import data as datamod
from caqes_tasks.notices.data import QUERIES, MissingColumnError, declared_columns, read_year


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    build_warehouse(path)
    return path


def _read(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return read_year(con, YEAR)
    finally:
        con.close()


def test_revision_2_columns_are_read(warehouse):
    data = _read(warehouse)
    msap = [r for r in data.rows("fct_sanction", "330000100") if r["type_decision"] == "mise_sous_accord_prealable"]
    assert msap and msap[0]["motif_dg"].startswith("prescriptions de produits")
    proc = data.rows("fct_procedure", "330000100")[0]
    assert (str(proc["date_reception_notification"]), proc["sens_avis_cpam"]) == ("2025-04-03", "favorable")
    nat = data.rows("fct_interessement", "640000105")[0]
    assert (nat["formule"], nat["methode_periode"], str(nat["debut_periode"])) == ("proportionnelle", "lignes_phev", "2024-07-01")
    origines = {(r["finess_geo"], r["indicateur"]): r["origine"] for r in data.rows("fct_perimetre", "330000100")}
    assert origines[("330000308", "NAT_1")] == "avenant" and ("330000209", "NAT_5") not in origines  # 2023 only


def test_declared_column_absent_is_an_error(warehouse, monkeypatch):
    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE marts.fct_procedure DROP COLUMN sens_avis_cpam")
    con.close()
    declared = dict(declared_columns())
    monkeypatch.setattr(datamod, "declared_columns", lambda: {**declared, "fct_procedure": frozenset({"sens_avis_cpam"})})
    with pytest.raises(MissingColumnError, match="fct_procedure.sens_avis_cpam"):
        _read(warehouse)
    # not declared (a warehouse from before revision 2): read as NULL
    monkeypatch.setattr(datamod, "declared_columns", lambda: {**declared, "fct_procedure": frozenset()})
    assert _read(warehouse).rows("fct_procedure", "330000100")[0]["sens_avis_cpam"] is None


def test_declared_mart_absent_is_an_error(warehouse, monkeypatch):
    con = duckdb.connect(str(warehouse))
    con.execute("DROP TABLE marts.fct_perimetre")
    con.close()
    declared = dict(declared_columns())
    monkeypatch.setattr(datamod, "declared_columns", lambda: {**declared, "fct_perimetre": frozenset({"motif_origine"})})
    with pytest.raises(MissingColumnError, match="fct_perimetre"):
        _read(warehouse)
    monkeypatch.setattr(datamod, "declared_columns", lambda: {k: v for k, v in declared.items() if k != "fct_perimetre"})
    assert _read(warehouse).rows("fct_perimetre", "330000100") == []


def test_outcome_declarations_are_parsed():
    """Every outcome-table column the notices read is found in the declarations once declared
    (the parser must not miss a column, or a missing one would silently read as NULL)."""
    from caqes_tasks.warehouse.schema import OUTCOME_TABLES

    for table in ("fct_sanction", "fct_procedure", "fct_interessement", "fct_retenue"):
        ddl_names = {part.split()[0] for part in " ".join(OUTCOME_TABLES[table].split()).split(", ")}
        assert declared_columns()[table] == ddl_names, table
        assert {"finess_ej", "annee", "run_id"} <= declared_columns()[table]
    assert set(QUERIES) >= {"fct_perimetre", "fct_sanction", "fct_procedure", "fct_interessement"}
