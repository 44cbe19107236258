"""Every defect of the bad-input corpus: a clear error naming file, row and rule; nothing loaded;
data loaded earlier still there; one alert (e-mail and webhook) and no second one next night."""

import html
import json
import shutil

import duckdb
import pytest
from valid_landing import BAD_INPUTS

from caqes_tasks.ingest.stage import ingest_stage

ALL = ["2022", "2023", "2024"]
# file, expectation (GX type), column or None, failing line or None, fragment of the rule, blocked years
CASES = [
    ("observations/wrong_encoding.csv", "expect_column_values_to_be_in_set", "_encodage_ok", 2, "UTF-8", ALL),
    ("phev/missing_column.csv", "expect_column_to_exist", "montant_rembourse", None, "en-tête", ["2023", "2024"]),
    ("phev/bad_finess_key.csv", "expect_column_values_to_be_in_set", "finess_geo__cle_ok", 3, "clé de contrôle", ["2023", "2024"]),
    ("phev/unknown_et.csv", "expect_column_values_to_be_in_set", "_et_connu", 3, "répertoire FINESS", ["2023", "2024"]),
    ("phev/duplicate_key.csv", "expect_compound_columns_to_be_unique", "finess_geo,annee,indicateur", 2, "doublon", ["2023", "2024"]),
    ("phev/negative_amount.csv", "expect_column_values_to_be_between", "montant_rembourse", 3, "positif ou nul", ["2023", "2024"]),
    ("phev/numerator_gt_denominator.csv", "expect_column_values_to_be_in_set", "_num_le_den", 2, "numérateur", ["2023", "2024"]),
    ("phev/year_out_of_campaign.csv", "expect_column_values_to_be_between", "annee", 2, "années de données", ALL),
    ("phev/truncated.csv", "expect_column_values_to_be_in_set", "_champs_ok", 4, "tronquée", ALL),
    ("phev/empty.csv", "expect_table_row_count_to_be_between", None, None, "au moins une ligne", ALL),
    ("phev/volume_not_integer.csv", "expect_column_values_to_be_in_set", "volume__type_ok", 2, "nombre entier", ["2023", "2024"]),
    ("phev/amount_three_decimals.csv", "expect_column_values_to_be_in_set", "montant_rembourse__type_ok", 2, "2 décimales", ["2023", "2024"]),
    ("phev/comma_separator_undeclared.csv", "expect_column_values_to_be_in_set", "_entete_ok", 1, "séparateur", ALL),
    ("engagements/excel_formula.csv", "expect_column_values_to_not_match_regex", "libelle", 2, "formule Excel", ["2024"]),
    ("engagements/bad_realise.csv", "expect_column_values_to_be_in_set", "realise", 2, "oui", ["2024"]),
    ("contrats/bad_date.csv", "expect_column_values_to_be_in_set", "date_effet__type_ok", 2, "JJ/MM/AAAA", ALL),
    ("contrats/bad_statut.csv", "expect_column_values_to_be_in_set", "statut", 2, "signe, refus ou en_cours", ALL),
    ("regional/unknown_indicator.csv", "expect_column_values_to_be_in_set", "indicateur", 3, "indicateur régional", ALL),
    ("modulations/coefficient_out_of_range.csv", "expect_column_values_to_be_between", "coefficient", 2, "entre 0 et 1", ["2024"]),
    ("modulations/motif_absent.csv", "expect_column_values_to_not_be_null", "motif", 2, "obligatoire", ["2024"]),
    ("enveloppes/zero_envelope.csv", "expect_column_values_to_be_between", "montant", 2, "strictement positif", ["2024"]),
    ("produits_am/unknown_ej.csv", "expect_column_values_to_be_in_set", "_ej_connu", 2, "entité juridique", ["2023", "2024"]),
    ("finess/not_an_extract.csv", "expect_column_values_to_be_in_set", "_entete_ok", 1, "finess;", ALL),
    ("regional/rate_above_one.csv", "expect_column_values_to_be_in_set", "_valeur_dans_plage", 3, "entre 0 et 1", ["2023", "2024"]),
    ("contrats/duplicate_proposal.csv", "expect_compound_columns_to_be_unique", "finess_ej,volet,date_proposition", 2, "doublon", ALL),
    # avenants: years from 1 January after the signature
    ("avenants/unknown_action.csv", "expect_column_values_to_be_in_set", "action", 3, "ajout, retrait ou resiliation", ["2023", "2024"]),
    ("avenants/resiliation_with_et.csv", "expect_column_values_to_be_in_set", "_resiliation_sans_cible", 2, "volet entier", ["2024"]),
    ("avenants/ajout_without_et.csv", "expect_column_values_to_be_in_set", "_avenant_cible", 2, "désigne l'établissement", ["2023", "2024"]),
    ("avenants/et_of_another_ej.csv", "expect_column_values_to_be_in_set", "_et_de_l_ej", 2, "rattaché à l'entité juridique de l'avenant", ["2023", "2024"]),
    ("avenants/indicator_of_another_volet.csv", "expect_column_values_to_be_in_set", "_indicateur_du_volet", 2, "appartenant au volet", ["2023", "2024"]),
    ("avenants/signature_outside_campaign.csv", "expect_column_values_to_be_in_set", "_signature_dans_campagne", 2, "fin de la campagne", ALL),
    ("notifications/bad_finess_key.csv", "expect_column_values_to_be_in_set", "finess_ej__cle_ok", 3, "clé de contrôle", ["2023"]),
    ("notifications/unknown_document.csv", "expect_column_values_to_be_in_set", "document", 2, "notification_prealable, decision ou interessement", ["2024"]),
    ("notifications/reception_before_envoi.csv", "expect_column_values_to_be_in_set", "_reception_apres_envoi", 2, "ne peut pas précéder", ["2024"]),
    ("avis_cpam/unknown_sens.csv", "expect_column_values_to_be_in_set", "sens", 2, "favorable, defavorable ou reserve", ["2024"]),
    ("avis_cpam/duplicate_key.csv", "expect_compound_columns_to_be_unique", "finess_ej,annee", 2, "doublon", ["2023"]),
    ("decisions_dg/liste_en_sus_without_base.csv", "expect_column_values_to_be_in_set", "_montant_base_requis", 2, "obligatoire pour reduction_liste_en_sus", ["2024"]),
    ("decisions_dg/liste_en_sus_zero_base.csv", "expect_column_values_to_be_in_set", "_montant_base_positif", 2, "strictement positif", ["2024"]),
    ("decisions_dg/liste_en_sus_on_volet_2.csv", "expect_column_values_to_be_in_set", "_choix_compatible", 2, "non_atteinte:V1", ["2024"]),
    ("decisions_dg/accord_prealable_on_refus.csv", "expect_column_values_to_be_in_set", "_choix_compatible", 2, "accord_prealable", ["2024"]),
    ("decisions_dg/renonciation_with_amount.csv", "expect_column_values_to_be_in_set", "_montant_base_vide", 2, "doit être vide", ["2024"]),
    ("decisions_dg/reduction_without_amount.csv", "expect_column_values_to_be_in_set", "_montant_base_requis", 2, "montant retenu", ["2024"]),
    ("decisions_dg/bad_objet.csv", "expect_column_values_to_match_regex", "objet", 2, "non_atteinte:<volet>", ["2024"]),
    ("decisions_dg/unknown_volet.csv", "expect_column_values_to_be_in_set", "_objet_volet_connu", 2, "volet du référentiel", ["2024"]),
    ("decisions_dg/unknown_choix.csv", "expect_column_values_to_be_in_set", "choix", 2, "reduction_liste_en_sus, accord_prealable", ["2024"]),
    ("decisions_dg/missing_motif.csv", "expect_column_values_to_not_be_null", "motif", 2, "obligatoire", ["2024"]),
    ("decisions_dg/excel_formula.csv", "expect_column_values_to_not_match_regex", "motif", 2, "formule Excel", ["2024"]),
    # issue 10, point 8: a contract dated after the campaign, old Mac line endings, an extract with a field too many
    ("contrats/signed_after_campaign.csv", "expect_column_values_to_be_in_set", "_dates_dans_campagne", 2, "fin de la campagne", ALL),
    ("modulations/old_mac_line_endings.csv", "expect_column_values_to_be_in_set", "_ligne_ok", 2, "CR seul", ALL),
    ("finess/extra_field.csv", "expect_column_values_to_be_in_set", "_champs_ok", 3, "champ en trop", ALL),
]
# a failure the report must not show for that file (the defect is named for what it is)
NOT_REPORTED = {
    "finess/extra_field.csv": {"date_ouverture__type_ok", "date_autorisation__type_ok", "date_maj__type_ok"},
}
# files whose first line cannot be read: the cause found, the file's only failure
CAUSES = {
    "phev/comma_separator_undeclared.csv": "séparateur « , »",
    "finess/not_an_extract.csv": "la ligne 1 est un en-tête de colonnes",
}
# values as the file wrote them (decimal comma, French date), under the file's column names
SHOWN = {
    "phev/negative_amount.csv": "ligne 3 : montant_rembourse = « -12,50 »",
    "contrats/bad_date.csv": "date_effet = « 31/02/2023 »",
    "phev/unknown_et.csv": "ligne 3 : finess_geo = « 330000035 » ; annee = « 2023 » ; année du répertoire FINESS consulté = « 20",
}
# what a person must never read: expectation types, helper columns, table names
INTERNAL = ("expect_", "_ok", "__brut", "_registre", "_et_connu", "_ej_connu", "raw.", "meta.ledger")


def _counts(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = ["finess", "phev", "regional", "engagements", "contrats", "produits_am", "enveloppes", "modulations", "observations",
                  "avenants", "notifications", "avis_cpam", "decisions_dg"]
        return {t: con.execute(f"SELECT count(*), sum(hash(_sha256, _line)) FROM raw.{t}").fetchone() for t in tables}
    finally:
        con.close()


def test_corpus_has_a_case_per_file():
    files = sorted(p.relative_to(BAD_INPUTS).as_posix() for p in BAD_INPUTS.rglob("*") if p.is_file() and p.suffix == ".csv")
    assert files == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("name,expectation,column,line,rule,years", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_quarantined_reported_and_alerted(loaded, alert_sinks, name, expectation, column, line, rule, years):
    smtp, http = alert_sinks
    ctx = loaded
    source, file_name = name.split("/")
    before = _counts(ctx.warehouse)
    bad = ctx.landing / source / file_name
    shutil.copy(BAD_INPUTS / name, bad)

    result = ingest_stage(ctx)

    assert result["new_files"] == 1
    assert result["quarantined"] == [name]
    assert result["loaded"] == []
    # nothing of it loaded; what was loaded before is intact
    assert _counts(ctx.warehouse) == before
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        status = con.execute("SELECT status, blocked_years FROM meta.ledger WHERE source = ? AND file_name = ?",
                             [source, file_name]).fetchall()
        assert con.execute(f"SELECT count(*) FROM raw.{source} WHERE _file = ?", [file_name]).fetchone()[0] == 0
    finally:
        con.close()
    assert [s for s, _ in status] == ["quarantined"]
    # blocked years, exactly
    assert sorted(y for y, s in result["years"].items() if s["status"] == "blocked") == years
    for y in years:
        assert any(name in r for r in result["years"][y]["reasons"])
    # quarantine copy (landing untouched) and report naming file, expectation, row and rule
    qdir = ctx.quarantine / result["run_id"] / source
    assert (qdir / file_name).read_bytes() == (BAD_INPUTS / name).read_bytes()
    assert bad.read_bytes() == (BAD_INPUTS / name).read_bytes()
    report = json.loads((qdir / f"{file_name}.validation.json").read_text(encoding="utf-8"))
    assert report["file"] == name and report["success"] is False
    failure = next(f for f in report["failures"] if f["expectation"] == expectation and f["column"] == column)
    assert not {f["column"] for f in report["failures"]} & NOT_REPORTED.get(name, set())
    assert rule in failure["regle"]
    if line is not None:
        assert line in [s["ligne"] for s in failure["sample"]]
    if name in CAUSES:  # one message, naming the cause, not one per missing column
        assert [f["column"] for f in report["failures"]] == ["_entete_ok"]
        assert CAUSES[name] in failure["sample"][0]["valeurs"]["_entete__brut"]
    text = (qdir / f"{file_name}.validation.txt").read_text(encoding="utf-8")
    page = (qdir / f"{file_name}.validation.html").read_text(encoding="utf-8")
    assert name in text
    if name in CAUSES:
        assert CAUSES[name] in text and text.count(CAUSES[name]) == 1
    else:
        assert rule in text
    if line is not None and name not in CAUSES:
        assert f"Ligne {line}" in text
    for part in INTERNAL:
        assert part not in text and part not in page, part
    # GX Data Docs of the run
    assert result["data_docs"] and (ctx.out / "runs" / result["run_id"] / "data_docs" / "index.html").exists()
    # one alert: e-mail and webhook, naming file, expectation, rule and linking the report
    assert result["alert_sent"] is True
    assert len(smtp.messages) == 1 and len(http.posts) == 1
    mail = smtp.messages[0]
    body = smtp.text(0)
    assert name in mail["Subject"] or name in body
    assert sorted(smtp.envelopes[0].rcpt_tos) == ["dsp@ars.example", "qualite@ars.example"]
    for text_ in (body, html.unescape(smtp.html(0)), http.posts[0]["text"]):
        assert name in text_ and f"dossier {source}/" in text_  # who re-deposits what
        assert (CAUSES[name] if name in CAUSES else rule) in text_
        assert f"https://caqes.ars.example/out/quarantine/{result['run_id']}/{source}/{file_name}.validation.html" in text_
        if line is not None and name not in CAUSES:
            assert f"ligne {line}" in text_
        if name in SHOWN:
            assert SHOWN[name] in text_
        for part in INTERNAL:
            assert part not in text_.replace("data_docs", ""), part

    # next night: nothing new, the file is still there: years stay blocked, no new alert
    again = ingest_stage(ctx)
    assert again["new_files"] == 0 and again["quarantined"] == [] and again["still_quarantined"] == [name]
    assert sorted(y for y, s in again["years"].items() if s["status"] == "blocked") == years
    assert again["alert_sent"] is False
    assert len(smtp.messages) == 1 and len(http.posts) == 1
