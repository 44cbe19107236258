"""What the notices read: every revision-2 column by name, each declared by the project; a table
or column the warehouse lacks is an error naming it."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest
from notices_fixtures import YEAR, build_warehouse

from caqes_tasks.notices.data import QUERIES, MissingColumnError, read_year
from caqes_tasks.transform.model_yaml import contract_columns
from caqes_tasks.warehouse.schema import DBT_MARTS, OUTCOME_COLUMNS


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
    assert msap and msap[0]["motif_dg"].startswith("prescriptions de produits") and msap[0]["choix_dg"] == "accord_prealable"
    proc = data.rows("fct_procedure", "330000100")[0]
    assert (str(proc["date_reception_notification"]), proc["sens_avis_cpam"]) == ("2025-04-03", "favorable")
    nat = data.rows("fct_interessement", "640000105")[0]
    assert (nat["formule"], nat["methode_periode"], str(nat["debut_periode"])) == ("proportionnelle", "lignes_phev", "2024-07-01")
    origines = {(r["finess_geo"], r["indicateur"]): r["origine"] for r in data.rows("fct_perimetre", "330000100")}
    assert origines[("330000308", "NAT_1")] == "avenant" and ("330000209", "NAT_5") not in origines  # 2023 only


@pytest.mark.parametrize(
    ("ddl", "named"),
    [
        ("ALTER TABLE marts.fct_procedure DROP COLUMN sens_avis_cpam", "marts.fct_procedure.sens_avis_cpam"),
        ("ALTER TABLE marts.fct_interessement DROP COLUMN motif_modulation", "marts.fct_interessement.motif_modulation"),
        ("DROP TABLE marts.fct_perimetre", "marts.fct_perimetre"),
    ],
)
def test_absent_column_or_mart_is_an_error_naming_it(warehouse, ddl, named):
    con = duckdb.connect(str(warehouse))
    con.execute(ddl)
    con.close()
    with pytest.raises(MissingColumnError, match=re.escape(named)):
        _read(warehouse)


def test_every_column_read_is_declared_by_the_project():
    """The notices read only what the outcome tables (schema.OUTCOME_COLUMNS) and the dbt marts'
    enforced contracts (dbt_project/models/marts/<mart>.yml) declare."""
    declared = {table: {c.nom for c in colonnes} for table, colonnes in OUTCOME_COLUMNS.items()}
    for name in DBT_MARTS:
        declared.setdefault(name, set()).update(c["name"] for c in contract_columns(name))
    for table, (cols, _) in QUERIES.items():
        assert table in declared, table
        assert {c.strip() for c in cols.split(",")} <= declared[table], (table, {c.strip() for c in cols.split(",")} - declared[table])


def test_ej_address_shown_under_the_name_when_the_warehouse_has_it(warehouse, tmp_path):
    """The EJ's address columns are optional: absent or NULL, the addressing is as before; filled,
    the address shows under the name, in the HTML and in the PDF."""
    from pypdf import PdfReader

    from caqes_tasks.notices.model import Libelles, RunInfo
    from caqes_tasks.notices.stage import render_notice

    run = RunInfo(run_id="r1", input_hashes={}, as_of=date(2025, 6, 16))
    before = _read(warehouse)
    assert before.rows("dim_etablissement", "640000105")[0]["adresse_ej"] is None
    html_before, _ = render_notice(before, "640000105", "notification_interessement", run, Libelles())
    assert "Polyclinique de l&#39;Adour</b><br>\nÀ l'attention du représentant légal" in html_before

    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE marts.dim_etablissement ADD COLUMN adresse_ej VARCHAR")
    con.execute("ALTER TABLE marts.dim_etablissement ADD COLUMN ligne_acheminement_ej VARCHAR")
    con.execute(
        "UPDATE marts.dim_etablissement SET adresse_ej = '12 AV DE L''ADOUR', ligne_acheminement_ej = '64100 BAYONNE' "
        "WHERE finess_ej = '640000105'"
    )
    con.close()
    html, pdf = render_notice(_read(warehouse), "640000105", "notification_interessement", run, Libelles())
    assert "Polyclinique de l&#39;Adour</b><br>\n12 AV DE L&#39;ADOUR<br>\n64100 BAYONNE<br>\nÀ l'attention" in html
    (path := tmp_path / "n.pdf").write_bytes(pdf)
    text = PdfReader(path).pages[0].extract_text()
    assert "Polyclinique de l'Adour\n12 AV DE L'ADOUR\n64100 BAYONNE\nÀ l'attention du représentant légal" in text
