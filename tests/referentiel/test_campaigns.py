"""Several campaigns side by side: each year's référentiel found by the year it evaluates, and the
warehouse keeping every campaign's raw.ref_* rows (a corrected YAML replaces its campaign only)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from caqes_tasks.ingest.loader import load_referentiel_tables, referentiel_sha256
from caqes_tasks.pipeline import InvalidRunSettings, check_referentiel
from caqes_tasks.referentiel import (
    DEFAULT_REFERENTIEL,
    ReferentielError,
    load_referentiel,
    referentiel_courant,
    referentiel_de_l_annee,
)
from caqes_tasks.warehouse.schema import create_schemas

SECOND = Path(__file__).parent / "caqes-2025-2027.yml"  # test-only second campaign


@pytest.fixture
def dossier(tmp_path, monkeypatch) -> Path:
    """A référentiels folder holding both campaigns, used when no --referentiel is given."""
    folder = tmp_path / "referentiels"
    folder.mkdir()
    shutil.copy(DEFAULT_REFERENTIEL, folder)
    shutil.copy(SECOND, folder)
    monkeypatch.setenv("CAQES_REFERENTIELS", str(folder))
    return folder


def test_each_year_resolves_to_the_campaign_that_evaluates_it(dossier):
    for annee in (2022, 2023, 2024):
        assert referentiel_de_l_annee(annee).campagne == "2022-2024"
        assert check_referentiel(None, annee).campagne == "2022-2024"
    for annee in (2025, 2026, 2027):
        ref = check_referentiel(None, str(annee))
        assert ref.campagne == "2025-2027" and ref.path == dossier / SECOND.name
    # the parameters the Python stages read differ with the year's campaign
    assert check_referentiel(None, 2024).non_atteinte_taux == Decimal("0.01")
    assert check_referentiel(None, 2025).non_atteinte_taux == Decimal("0.005")
    assert check_referentiel(None, 2025).by_code["NAT_1"].max_taux_evolution == Decimal("0.030")


def test_a_year_no_campaign_evaluates_is_refused_on_one_line(dossier):
    with pytest.raises(InvalidRunSettings) as refused:
        check_referentiel(None, 2030)
    message = str(refused.value)
    assert "2030" in message and "aucune campagne" in message and "\n" not in message
    assert "2022, 2023, 2024, 2025, 2026, 2027" in message


def test_the_referentiel_given_still_wins(dossier):
    assert check_referentiel(SECOND, 2024).campagne == "2025-2027"  # check_campaign_year then refuses 2024
    with pytest.raises(InvalidRunSettings, match="introuvable"):
        check_referentiel(dossier / "absent.yml", 2024)


def test_two_files_for_one_campaign_are_refused(dossier):
    shutil.copy(DEFAULT_REFERENTIEL, dossier / "copie.yml")
    with pytest.raises(ReferentielError, match="2022-2024"):
        referentiel_de_l_annee(2023)


def test_without_a_year_the_campaign_under_way(dossier):
    assert referentiel_courant(date(2023, 5, 1)).campagne == "2022-2024"
    assert referentiel_courant(date(2025, 3, 1)).campagne == "2022-2024"  # the next one has not started
    assert referentiel_courant(date(2026, 1, 1)).campagne == "2025-2027"
    assert referentiel_courant(date(2020, 1, 1)).campagne == "2022-2024"


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM raw.{table} ORDER BY ALL").fetchall()


def test_loading_a_campaign_keeps_the_others_and_a_correction_replaces_its_own(tmp_path):
    first, second = load_referentiel(), load_referentiel(SECOND)
    con = duckdb.connect()
    create_schemas(con)
    load_referentiel_tables(con, first.campagne, first.tables())
    before = {t: _rows(con, t) for t in first.tables()}
    load_referentiel_tables(con, second.campagne, second.tables())
    for table in first.tables():  # the first campaign's rows are untouched
        assert [r for r in _rows(con, table) if r[0] == first.campagne] == before[table]
    years = con.execute("SELECT campagne, annee_evaluation, version FROM raw.ref_campagne ORDER BY 2").fetchall()
    assert years == [("2022-2024", y, "2022-2024.2") for y in (2022, 2023, 2024)] + [
        ("2025-2027", y, "2025-2027.1") for y in (2025, 2026, 2027)]
    assert referentiel_sha256(con, "2025-2027") == second.sha256 and referentiel_sha256(con, "2022-2024") == first.sha256

    corrected = tmp_path / "caqes-2025-2027.yml"
    corrected.write_text(SECOND.read_text(encoding="utf-8").replace('version: "2025-2027.1"', 'version: "2025-2027.2"')
                         .replace('max_taux_evolution: "0.030"', 'max_taux_evolution: "0.035"'), encoding="utf-8")
    fixed = load_referentiel(corrected)
    load_referentiel_tables(con, fixed.campagne, fixed.tables())
    assert con.execute("SELECT DISTINCT campagne, version, sha256 FROM raw.ref_campagne ORDER BY 1").fetchall() == [
        ("2022-2024", "2022-2024.2", first.sha256), ("2025-2027", "2025-2027.2", fixed.sha256)]
    thresholds = con.execute("SELECT campagne, max_taux_evolution FROM raw.ref_indicateur WHERE indicateur = 'NAT_1' "
                             "ORDER BY 1").fetchall()
    assert thresholds == [("2022-2024", Decimal("0.045000")), ("2025-2027", Decimal("0.035000"))]
    for table in first.tables():
        assert [r for r in _rows(con, table) if r[0] == first.campagne] == before[table]
    with pytest.raises(ValueError, match="another campaign"):
        load_referentiel_tables(con, first.campagne, fixed.tables())


def test_plan_actions_defaults_and_checks(tmp_path):
    ref = load_referentiel()  # the repository's référentiel has no plan_actions block: documented defaults
    assert (ref.plan_actions_poids, ref.plan_actions_objectif) == (Decimal(1), Decimal(1))
    assert {(t["poids_plan_actions"], t["objectif_plan_actions"]) for t in ref.tables()["ref_theme"]} == {
        (Decimal(1), Decimal(1))}
    second = load_referentiel(SECOND)
    assert {(t["poids_plan_actions"], t["objectif_plan_actions"]) for t in second.tables()["ref_theme"]} == {
        (Decimal(2), Decimal("0.8"))}
    text = DEFAULT_REFERENTIEL.read_text(encoding="utf-8")
    for block, message in (('plan_actions: {objectif: "1.2"}', "objectif"), ("plan_actions: {poids: 0}", "poids")):
        bad = tmp_path / "bad.yml"
        bad.write_text(text.replace("annees_evaluation: [2022, 2023, 2024]",
                                    f"annees_evaluation: [2022, 2023, 2024]\n{block}"), encoding="utf-8")
        with pytest.raises(ReferentielError, match=message):
            load_referentiel(bad)


def test_weights_and_rule_defaults_applied_once_in_python(tmp_path):
    """Staging reads the values as written: an entry without poids / regle gets them here."""
    text = DEFAULT_REFERENTIEL.read_text(encoding="utf-8")
    text = text.replace("decalage_reference: 1 ", "# decalage_reference absent ")
    text = text.replace('libelle: "Pertinence des prescriptions"\n    poids: 1\n',
                        'libelle: "Pertinence des prescriptions"\n')
    path = tmp_path / "sans-defauts.yml"
    path.write_text(text, encoding="utf-8")
    tables = load_referentiel(path).tables()
    assert {r["decalage_reference"] for r in tables["ref_campagne"]} == {1}
    assert next(r for r in tables["ref_volet"] if r["volet"] == "V1")["poids"] == Decimal(1)
    assert all(r["poids"] is not None and r["regle_ciblage"] for r in tables["ref_indicateur"])
