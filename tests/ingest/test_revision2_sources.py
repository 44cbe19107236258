"""Revision 2 inputs: contract proposals, avenants, notices' receipt, CPAM avis, DG ARS decisions,
and regional values checked by the measure of their indicator (docs/rules.md §3, §4, §7)."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from caqes_tasks.ingest.blocking import blocked_years
from caqes_tasks.ingest.stage import ingest_stage
from caqes_tasks.referentiel import DEFAULT_REFERENTIEL
from caqes_tasks.warehouse.schema import create_schemas

EVAL = [2022, 2023, 2024]
DATA = range(2020, 2025)
CAMPAIGN = (date(2022, 7, 1), date(2024, 12, 31))


def q(ctx, sql, params=None):
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_new_sources_are_loaded_typed(loaded):
    assert q(loaded, "SELECT finess_geo, indicateur, action, date_signature FROM raw.avenants ORDER BY _line") == [
        ("330000027", "NAT_2", "ajout", date(2022, 10, 12)),
        ("330000019", "ATB", "retrait", date(2023, 3, 15)),
        (None, None, "resiliation", date(2023, 11, 30)),
    ]
    assert q(loaded, "SELECT document, date_envoi, date_reception FROM raw.notifications WHERE finess_ej='640780003' ORDER BY 2") == [
        ("notification_prealable", date(2024, 2, 1), date(2024, 2, 5)), ("decision", date(2024, 4, 10), None)]
    assert q(loaded, "SELECT annee, date_avis, sens, commentaire FROM raw.avis_cpam") == [
        (2023, date(2024, 3, 20), "reserve", "efforts engagés sur les transports")]
    rows = q(loaded, "SELECT objet, choix, montant_base FROM raw.decisions_dg ORDER BY _line")
    assert rows[0] == ("refus", "reduction_liste_en_sus", Decimal("250000.00")) and isinstance(rows[0][2], Decimal)
    assert rows[1] == ("non_atteinte:V1", "accord_prealable", None)


def test_contrats_without_date_proposition_load_with_null(loaded):
    assert q(loaded, "SELECT count(*), count(date_proposition) FROM raw.contrats") == [(5, 0)]
    report = next((loaded.out / "runs").glob("*/validation/contrats/contrats.csv.validation.txt")).read_text(encoding="utf-8")
    assert "date_proposition" in report and "NULL" in report


def test_contrats_with_several_proposals_of_a_volet(loaded):
    (loaded.landing / "contrats" / "propositions_2023.csv").write_text(
        "finess_ej,volet,statut,date_proposition,date_signature,date_effet,date_fin\n"
        "330781196,V2,refus,01/03/2022,,,\n"
        "330781196,V2,signe,2023-02-15,30/06/2023,01/07/2023,31/12/2024\n", encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["contrats/propositions_2023.csv"], r
    assert q(loaded, "SELECT statut, date_proposition FROM raw.contrats WHERE finess_ej='330781196' AND volet='V2' ORDER BY 2") == [
        ("refus", date(2022, 3, 1)), ("signe", date(2023, 2, 15))]
    # the same proposal delivered again under another name replaces its row; the others stay
    (loaded.landing / "contrats" / "propositions_2023_v2.csv").write_text(
        "finess_ej,volet,statut,date_proposition,date_signature,date_effet,date_fin\n"
        "330781196,V2,refus,2022-03-01,,,\n", encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["contrats/propositions_2023_v2.csv"]
    assert q(loaded, "SELECT _file, date_proposition FROM raw.contrats WHERE finess_ej='330781196' AND volet='V2' ORDER BY 2") == [
        ("propositions_2023_v2.csv", date(2022, 3, 1)), ("propositions_2023.csv", date(2023, 2, 15))]
    assert q(loaded, "SELECT count(*) FROM raw.contrats") == [(7,)]


def test_resiliation_redelivered_under_another_name_replaces_it(loaded):
    """An empty key cell (finess_geo, indicateur of a résiliation) matches an empty one."""
    (loaded.landing / "avenants" / "avenants_corrige.csv").write_text(
        "finess_ej;volet;finess_geo;indicateur;action;date_signature;motif\n"
        "870780053;V1;;;resiliation;2023-11-30;résiliation (motif précisé)\n", encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["avenants/avenants_corrige.csv"]
    assert q(loaded, "SELECT motif, _file FROM raw.avenants WHERE action='resiliation'") == [
        ("résiliation (motif précisé)", "avenants_corrige.csv")]
    assert q(loaded, "SELECT count(*) FROM raw.avenants") == [(3,)]


def _referentiel_with_atb_ratio(tmp_path):
    text = DEFAULT_REFERENTIEL.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    atb = [i for i, line in enumerate(lines) if re.match(r"\s*- \{code: ATB,.*type: regional", line)]
    assert len(atb) == 1
    lines[atb[0]] = re.sub(r"mesure: \w+", "mesure: ratio", lines[atb[0]])
    ref = tmp_path / "referentiel-atb-ddj.yml"
    ref.write_text("".join(lines), encoding="utf-8")
    return ref


def test_regional_value_range_follows_the_measure(loaded, tmp_path):
    """Issue: every regional value had to be in [0, 1]; ATB in DDJ per 1,000 journées is in the hundreds."""
    ctx = replace(loaded, referentiel=_referentiel_with_atb_ratio(tmp_path))
    (ctx.landing / "regional" / "atb_ddj_2024.csv").write_text(
        "finess_geo;annee;indicateur;valeur;numerateur;denominateur\n"
        "330000019;2024;ATB;412,5;41250;100\n330000027;2024;ATB;388,25;38825;100\n", encoding="utf-8")
    r = ingest_stage(ctx)
    assert r["quarantined"] == [] and r["loaded"] == ["regional/atb_ddj_2024.csv"], r
    assert q(ctx, "SELECT valeur FROM raw.regional WHERE indicateur='ATB' AND annee=2024 AND finess_geo='330000019'") == [
        (Decimal("412.500000"),)]
    # a rate above 1 is still refused, and an amount is never negative
    (ctx.landing / "regional" / "mipa_2024.csv").write_text(
        "finess_geo;annee;indicateur;valeur;numerateur;denominateur\n330000019;2024;MIPA;1,2;;\n", encoding="utf-8")
    (ctx.landing / "regional" / "atb_negatif.csv").write_text(
        "finess_geo;annee;indicateur;valeur;numerateur;denominateur\n330000019;2023;ATB;-3;;\n", encoding="utf-8")
    r = ingest_stage(ctx)
    assert sorted(r["quarantined"]) == ["regional/atb_negatif.csv", "regional/mipa_2024.csv"]
    reports = {p.name: p.read_text(encoding="utf-8") for p in (ctx.quarantine / r["run_id"] / "regional").glob("*.txt")}
    mipa = reports["mipa_2024.csv.validation.txt"]
    assert "entre 0 et 1" in mipa and "Ligne 2 : indicateur = « MIPA » ; valeur = « 1,2 »" in mipa
    assert "mesure de l'indicateur au référentiel = « rate »" in mipa
    assert "_valeur_dans_plage" not in mipa and "_mesure" not in mipa  # the rule in words, no internal name
    assert "positif ou nul" in reports["atb_negatif.csv.validation.txt"]


def test_old_warehouse_gains_the_columns_declared_since(tmp_path):
    """An earlier warehouse keeps its rows and gains, NULL, every column declared since (raw,
    référentiel and meta tables alike), however many times the schemas are created."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE raw.contrats (finess_ej VARCHAR, volet VARCHAR)")
        con.execute("INSERT INTO raw.contrats VALUES ('330000001', 'V1')")
        con.execute("CREATE TABLE raw.ref_theme (campagne VARCHAR, theme VARCHAR)")
        con.execute("CREATE TABLE meta.ledger (source VARCHAR, file_name VARCHAR)")
        create_schemas(con)
        create_schemas(con)
        columns = {t: [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
                   for t in ("raw.contrats", "raw.ref_theme", "meta.ledger")}
        assert columns["raw.contrats"][:2] == ["finess_ej", "volet"]
        assert {"date_proposition", "statut", "date_effet", "_file", "_sha256", "_line"} <= set(columns["raw.contrats"])
        assert {"poids_plan_actions", "objectif_plan_actions"} <= set(columns["raw.ref_theme"])
        assert {"sha256", "status", "blocked_years"} <= set(columns["meta.ledger"])
        assert con.execute("SELECT finess_ej, date_proposition FROM raw.contrats").fetchall() == [("330000001", None)]
    finally:
        con.close()


def _frame(col, values, **flags):
    f = pd.DataFrame({col: pd.Series(values, dtype="object")})
    for name, v in flags.items():
        f[name] = v
    return f


@pytest.mark.parametrize("source", ["notifications", "avis_cpam", "decisions_dg"])
def test_procedure_sources_block_their_year(source):
    f = _frame("annee", [2023, 2023])
    assert blocked_years(source, f, EVAL, DATA, CAMPAIGN) == [2023]
    assert blocked_years(source, _frame("annee", [2023, None]), EVAL, DATA, CAMPAIGN) == EVAL


def test_avenants_block_the_years_after_their_signature():
    def years(dates, **flags):
        return blocked_years("avenants", _frame("date_signature", dates, **flags), EVAL, DATA, CAMPAIGN)

    assert years([date(2022, 10, 12)]) == [2023, 2024]
    assert years([date(2023, 11, 30), date(2022, 12, 1)]) == [2023, 2024]
    assert years([date(2023, 3, 15)]) == [2024]
    assert years([date(2024, 6, 1)]) == []  # effect after the campaign
    # dates that cannot be trusted: every year
    assert years([date(2025, 1, 15)]) == EVAL
    assert years([date(2022, 6, 30)]) == EVAL
    assert years([None]) == EVAL
    assert years([date(2023, 1, 1)], _champs_ok=[False]) == EVAL
    assert years([date(2023, 1, 1)], date_signature__type_ok=[False]) == EVAL
    assert blocked_years("avenants", pd.DataFrame(), EVAL, DATA, CAMPAIGN) == EVAL
    # without the campaign's dates, the signature year must be a data year
    assert blocked_years("avenants", _frame("date_signature", [date(2023, 1, 1)]), EVAL, DATA) == [2024]
    assert blocked_years("avenants", _frame("date_signature", [date(2019, 1, 1)]), EVAL, DATA) == EVAL
